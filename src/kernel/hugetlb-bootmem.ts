// mm/hugetlb.c, the boot-time gigantic pages: the huge_boot_pages lists and
// hugetlb_bootmem_page_zones_valid(). Apart from hugetlb.ts because both it and
// hugetlb-vmemmap.ts read these, and those two must not import each other.
import type { HugeBootmemPage } from './hugetlb.js';
import type { Zone } from './mm-init.js';
import { zonesMemo } from './page-alloc.js';
import type { KernelState } from './state.js';
import { pow2 } from '../util/units.js';

/**
 * huge_boot_pages in the kernel's list order: newest first, as list_add()
 * leaves them, or oldest first where the generation walks them in the order
 * they were allocated (`bootPageListOrder`); with `nid`, that node's list
 * (6.15 on keep one per node).
 */
export function hugeBootPages(s: KernelState, nid?: number): HugeBootmemPage[] {
  const all = s.hugetlb.bootPages;
  const newestFirst = s.kernel.bootPageListOrder === 'newest-first';
  if (nid === undefined) return newestFirst ? all.slice().reverse() : all.slice();
  // Each step asks for every node's list in turn: split the list by node once, until it changes.
  let byNode = bootPagesByNode.get(all);
  if (!byNode) {
    byNode = new Map();
    for (let k = 0; k < all.length; k++) {
      const m = all[newestFirst ? all.length - 1 - k : k]!;
      const list = byNode.get(m.nid);
      if (list) list.push(m);
      else byNode.set(m.nid, [m]);
    }
    bootPagesByNode.set(all, byNode);
  }
  return byNode.get(nid)?.slice() ?? [];
}

/** huge_boot_pages split by node (in list order), for hugeBootPages(): derived, dropped whenever a page joins or leaves the list. */
const bootPagesByNode = new WeakMap<HugeBootmemPage[], Map<number, HugeBootmemPage[]>>();

/** list_add() of a boot page. */
export function hugeBootPageAdd(s: KernelState, m: HugeBootmemPage): void {
  s.hugetlb.bootPages.push(m);
  bootPagesByNode.delete(s.hugetlb.bootPages);
  s.hugetlb.gen++;
}

/** list_del() of a boot page. */
export function hugeBootPageDel(s: KernelState, m: HugeBootmemPage): void {
  s.hugetlb.bootPages.splice(s.hugetlb.bootPages.indexOf(m), 1);
  bootPagesByNode.delete(s.hugetlb.bootPages);
  s.hugetlb.gen++;
}

/**
 * hugetlb_bootmem_page_zones_valid(): the page lies in one zone of its node
 * (pfn_range_intersects_zones() finds no second zone); an invalid page is
 * counted for report_hugepages().
 */
export function hugetlbBootmemPageZonesValid(s: KernelState, nid: number, m: HugeBootmemPage): boolean {
  if (m.zonesValid) return true;
  const valid = hugetlbBootmemPageInOneZone(s, nid, m);
  if (!valid) s.hugetlb.nrInvalid.set(m.order, (s.hugetlb.nrInvalid.get(m.order) ?? 0) + 1);
  return valid;
}

/** What hugetlb_bootmem_page_zones_valid() decides, without counting an invalid page: the page lies in one zone of its node. */
export function hugetlbBootmemPageInOneZone(s: KernelState, nid: number, m: HugeBootmemPage): boolean {
  const start = m.addr / s.arch.pageSize;
  const end = start + pow2(m.order);
  const byNode = zonesMemo(s, 'spanned zones by node', () => {
    const m = new Map<number, Zone[]>();
    for (const z of s.zones?.zones ?? []) if (z.spanned > 0) m.set(z.nid, [...(m.get(z.nid) ?? []), z]);
    return m;
  });
  const nodeZones = byNode.get(nid) ?? [];
  let hits = 0;
  for (const z of nodeZones) if (z.startPfn < end && start < z.startPfn + z.spanned) hits++;
  return hits < 2;
}
