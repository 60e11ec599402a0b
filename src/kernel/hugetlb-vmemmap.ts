// mm/hugetlb_vmemmap.c: the HugeTLB Vmemmap Optimization, in three generations.
//
// - 6.1: every huge page's vmemmap is first mapped normally; HVO splits each
//   PMD into a PTE table (a page from the allocator), keeps the first vmemmap
//   page, remaps every other one read-only onto it and frees the rest.
// - 6.15: runtime HVO copies the head vmemmap page into a new page and frees
//   all old ones. Boot-time gigantic pages get their HVO mapping early
//   (hugetlb_vmemmap_init_early(), from sparse_init) with tails mirroring the
//   head page; hugetlb_vmemmap_init_late() undoes it for a page that spans zones.
// - hvo-v7: init_early only marks; init_late checks zones first and maps the
//   tails onto the zone's shared tail page (zone->vmemmap_tails[order]);
//   runtime HVO does the same.
import { memblockPhysFree } from './memblock.js';
import type { Zone } from './mm-init.js';
import {
  allocPagesNode,
  allocPagesNodeRun,
  allocPagesZonelist,
  bootCpuNode,
  freedAlikeUpTo,
  freeReservedPages,
  freeRuntimePages,
  zoneOfPfn,
} from './page-alloc.js';
import type { PteRun } from './pgtable.js';
import { firstEndingAbove } from '../util/search.js';
import { pmdSlices, PMD_ENTRY_SPAN, pteSetPageRuns, pteSetRange, pteSetRuns, PTE_SPAN, PTRS_PER_PTE, runPhys } from './pgtable.js';
import { vmemmapPopulate, vmemmapPopulateHvo, vmemmapPteAt, vmemmapUndoHvo } from './sparse-vmemmap.js';
import type { HugeBootmemPage } from './hugetlb.js';
import { hugeBootPageDel, hugeBootPages, hugetlbBootmemPageInOneZone, hugetlbBootmemPageZonesValid } from './hugetlb-bootmem.js';
import type { KernelState } from './state.js';
import { kernelPanic } from './state.js';
import { memmapBootPagesAdd, memmapPagesAdd } from './vmstat.js';
import { pow2 } from '../util/units.js';

/** HUGETLB_VMEMMAP_RESERVE_SIZE: the vmemmap kept per huge page (one base page). */
export function vmemmapReserveSize(s: KernelState): number {
  return s.arch.pageSize;
}

/** hugetlb_vmemmap_size(): bytes of struct page for one huge page of `order`. */
export function hugetlbVmemmapSize(s: KernelState, order: number): number {
  return pow2(order) * s.arch.structPageSize;
}

/** hugetlb_vmemmap_optimizable_size(): what HVO can free per huge page (0 if struct page is not a power of two). */
export function hugetlbVmemmapOptimizableSize(s: KernelState, order: number): number {
  if (!s.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP) return 0;
  const sp = s.arch.structPageSize;
  if ((sp & (sp - 1)) !== 0) return 0;
  return Math.max(0, hugetlbVmemmapSize(s, order) - vmemmapReserveSize(s));
}

export interface HvoStats {
  /** Huge pages whose vmemmap was optimized (at boot or at run time). */
  optimized: number;
  /** Vmemmap pages HVO let go of (given back, or leaked as below). */
  vmemmapPagesFreed: number;
  /** Of those, memblock pages free_bootmem_page() kept: they back the memmap of a section never registered (preinitBootVmemmapFree 'leaked'). */
  vmemmapPagesLeaked: number;
  /** Where those leaked pages are: [start, end) physical ranges, in the order HVO let them go. */
  leakedRanges: [number, number][];
  /** PTE tables allocated to split 2 MiB vmemmap leaves. */
  pteTables: number;
  /** Optimizations that could not get the pages they needed. */
  failed: number;
  /** Boot-time gigantic pages whose HVO mapping was built before zones existed (6.15) or once they did (hvo-v7). */
  preHvo: number;
  /** Boot-time gigantic pages found to span zones: given back, their range mapped normally. */
  zoneInvalid: number;
  /** hvo-v7: HVO population failed, the range was populated normally instead. */
  fallback: number;
}

export function createHvoStats(): HvoStats {
  return {
    optimized: 0,
    vmemmapPagesFreed: 0,
    vmemmapPagesLeaked: 0,
    leakedRanges: [],
    pteTables: 0,
    failed: 0,
    preHvo: 0,
    zoneInvalid: 0,
    fallback: 0,
  };
}

/** The vmemmap range [start, end) of a folio. */
export function folioVmemmap(s: KernelState, order: number, pfn: number): { start: number; end: number } {
  const start = pfn * s.arch.structPageSize;
  return { start, end: start + hugetlbVmemmapSize(s, order) };
}

/** vmemmap_should_optimize_bootmem_page(): HVO on, the size optimizable, address and size section (and PMD-vmemmap) aligned. */
function vmemmapShouldOptimizeBootmemPage(s: KernelState, m: HugeBootmemPage): boolean {
  if (!s.hugetlb.vmemmapOptimizeEnabled || !hugetlbVmemmapOptimizableSize(s, m.order)) return false;
  const psize = pow2(m.order) * s.arch.pageSize;
  const pmdVmemmapSize = (s.arch.pmdSize / s.arch.structPageSize) * s.arch.pageSize;
  const aligned = (x: number) => x % s.arch.sectionSize === 0 && x % pmdVmemmapSize === 0;
  return aligned(m.addr) && aligned(psize);
}

/**
 * hugetlb_vmemmap_init_early(nid), from sparse_init_nid(): for each boot-time
 * gigantic page of the node that HVO applies to, mark its sections
 * SECTION_IS_VMEMMAP_PREINIT so sparse does not populate them. 6.15 also
 * builds the HVO mapping here (zones are not known yet); hvo-v7 defers it.
 */
export function hugetlbVmemmapInitEarly(s: KernelState, nid: number): void {
  if (!s.hugetlb.bootmemAllocated || !s.hugetlb.vmemmapOptimizeEnabled) return;
  const pages = hugeBootPages(s, nid);
  const reserve = vmemmapReserveSize(s);
  // A page taken over: its sections marked SECTION_IS_VMEMMAP_PREINIT, so sparse does not populate them.
  const takeOver = (m: HugeBootmemPage) => {
    const first = Math.floor(m.addr / s.arch.sectionSize);
    const ns = (pow2(m.order) * s.arch.pageSize) / s.arch.sectionSize;
    for (let k = 0; k < ns; k++) s.sparse.preinit.add(first + k);
    m.hvo = true;
    s.hugetlb.gen++;
  };
  const built = (m: HugeBootmemPage) => {
    memmapBootPagesAdd(s, reserve / s.arch.pageSize);
    s.hvo.preHvo++;
    takeOver(m);
  };
  for (let i = 0; i < pages.length; ) {
    const m = pages[i]!;
    if (!vmemmapShouldOptimizeBootmemPage(s, m)) {
      i++;
      continue;
    }
    if (s.kernel.bootVmemmap !== 'early') {
      takeOver(m);
      i++;
      continue;
    }
    // 6.15 builds the mapping now. hvosim's shortcut (src/sim/vmemmap-runs.ts): the pages in a row that nothing maps yet, at once.
    const { run, starts } = s.shortcuts?.hvoRunFrom(s, pages, i, (p) => vmemmapShouldOptimizeBootmemPage(s, p)) ?? NO_RUN;
    if (run.length > 1) {
      const done = s.shortcuts!.populateHvoRun(s, starts, hvoRunEntries(s, m), nid, 0);
      if (done >= 0) {
        for (let k = 0; k < done; k++) built(run[k]!);
        // The page after them failed part-way (as vmemmapPopulateHvo() failing): it is left as it is.
        i += done < run.length ? done + 1 : done;
        continue;
      }
    }
    const { start, end } = folioVmemmap(s, m.order, m.addr / s.arch.pageSize);
    if (vmemmapPopulateHvo(s, start, end, nid, reserve, m.order, null)) built(m);
    i++;
  }
}

/** The PMD entries of a folio's vmemmap. */
function hvoRunEntries(s: KernelState, m: HugeBootmemPage): number {
  return hugetlbVmemmapSize(s, m.order) / PMD_ENTRY_SPAN;
}

/** No run of pages to populate at once. */
const NO_RUN: { readonly run: HugeBootmemPage[]; readonly starts: number[] } = Object.freeze({ run: [], starts: [] });

/** hugetlb_early_pfn_to_zone() (hvo-v7): the first zone of the node whose span holds the PFN. */
function hugetlbEarlyPfnToZone(s: KernelState, nid: number, pfn: number): Zone | null {
  return s.zones?.zones.find((z) => z.nid === nid && z.spanned > 0 && pfn >= z.startPfn && pfn < z.startPfn + z.spanned) ?? null;
}

/**
 * hugetlb_vmemmap_init_late(nid), from free_area_init() before memmap_init():
 * zones are sized now. A page that spans zones leaves the list, gets a normal
 * vmemmap and is given back to memblock. In hvo-v7 the others get their HVO
 * mapping here, or a normal one if that fails.
 */
export function hugetlbVmemmapInitLate(s: KernelState, nid: number): void {
  const ht = s.hugetlb;
  if (!ht.bootmemAllocated || !ht.vmemmapOptimizeEnabled) return;
  const ps = s.arch.pageSize;
  const reserve = vmemmapReserveSize(s);
  const pages = hugeBootPages(s, nid);
  const built = (m: HugeBootmemPage) => {
    m.zonesValid = true;
    s.hugetlb.gen++;
    s.hvo.preHvo++;
    memmapBootPagesAdd(s, Math.ceil(reserve / ps));
  };
  // hvo-v7: its HVO mapping failed; a normal one instead. 7.3 panics.
  const fallBack = (m: HugeBootmemPage, start: number, end: number) => {
    if (s.kernel.sparseInitPanics) kernelPanic(s, 'Kernel panic - not syncing: Failed to allocate memmap for HugeTLB page');
    if (!vmemmapPopulate(s, start, end, nid)) leftUnmapped(s, m);
    s.hvo.fallback++;
    memmapBootPagesAdd(s, Math.ceil((end - start) / ps));
  };
  for (let i = 0; i < pages.length; i++) {
    const m = pages[i]!;
    if (!m.hvo) continue;
    const pfn = m.addr / ps;
    const { start, end } = folioVmemmap(s, m.order, pfn);
    if (!hugetlbBootmemPageZonesValid(s, nid, m)) {
      hugeBootPageDel(s, m);
      if (s.kernel.bootVmemmap === 'early') {
        if (!vmemmapUndoHvo(s, start, end, nid, reserve)) leftUnmapped(s, m);
        memmapBootPagesAdd(s, Math.ceil((end - start - reserve) / ps));
      } else {
        if (!vmemmapPopulate(s, start, end, nid)) leftUnmapped(s, m);
        memmapBootPagesAdd(s, Math.ceil((end - start) / ps));
      }
      memblockPhysFree(s.memblock, m.addr, pow2(m.order) * ps, 'hugetlb_vmemmap_init_late');
      s.hvo.zoneInvalid++;
      continue;
    }
    if (s.kernel.bootVmemmap === 'early') {
      m.zonesValid = true;
      s.hugetlb.gen++;
      continue;
    }
    const zone = hugetlbEarlyPfnToZone(s, nid, pfn);
    if (!zone) {
      leftUnmapped(s, m); // WARN_ON_ONCE: the range is left without a vmemmap
      continue;
    }
    // hvosim's shortcut (src/sim/vmemmap-runs.ts): the pages from here on in one zone whose shared tail page
    // exists (and nothing maps their vmemmap yet), at once.
    const tail = zone.vmemmapTails.get(m.order);
    const { run, starts } =
      tail === undefined
        ? NO_RUN
        : (s.shortcuts?.hvoRunFrom(
            s,
            pages,
            i,
            (p) => p.hvo && hugetlbBootmemPageInOneZone(s, nid, p) && hugetlbEarlyPfnToZone(s, nid, p.addr / ps) === zone,
          ) ?? NO_RUN);
    if (run.length > 1) {
      const entries = hvoRunEntries(s, m);
      const done = s.shortcuts!.populateHvoRun(s, starts, entries, nid, tail!);
      if (done >= 0) {
        for (let k = 0; k < done; k++) built(run[k]!);
        // That page's HVO mapping failed part-way (as vmemmapPopulateHvo() failing).
        if (done < run.length) fallBack(run[done]!, starts[done]!, starts[done]! + entries * PMD_ENTRY_SPAN);
        i += Math.min(done + 1, run.length) - 1;
        continue;
      }
    }
    if (vmemmapPopulateHvo(s, start, end, nid, reserve, m.order, zone)) built(m);
    else fallBack(m, start, end);
  }
}

/** Note a gigantic page whose vmemmap population failed after sparse skipped its sections. */
function leftUnmapped(s: KernelState, m: HugeBootmemPage): void {
  const pfn = m.addr / s.arch.pageSize;
  s.sparse.unmapped.push([pfn, pfn + pow2(m.order)]);
}

/**
 * free_vmemmap_page(): a boot page goes back as a reserved page, a runtime one to the buddy allocator.
 * `unregistered`: the boot page backs the memmap of a section register_page_bootmem_info_section()
 * skipped, so free_bootmem_page() finds no bootmem type and keeps it (see preinitBootVmemmapFree).
 */
function freeVmemmapPage(s: KernelState, phys: number, count: number, boot: boolean, unregistered: boolean): void {
  const pfn = phys / s.arch.pageSize;
  if (boot) {
    memmapBootPagesAdd(s, -count);
    if (!unregistered) freeReservedPages(s, pfn, count);
    else {
      s.hvo.vmemmapPagesLeaked += count;
      s.hvo.leakedRanges.push([phys, phys + count * s.arch.pageSize]);
    }
  } else {
    memmapPagesAdd(s, -count);
    freeRuntimePages(s, pfn, count);
  }
  s.hvo.vmemmapPagesFreed += count;
}

/** split_vmemmap_huge_pmd(): turn a 2 MiB leaf into a PTE table mapping the same pages (the table from `cpuNode`, the running CPU's). */
function splitVmemmapHugePmd(s: KernelState, entry: number, cpuNode: number): boolean {
  const pt = s.vmemmap;
  const leaf = pt.pmdLeaf.get(entry);
  // Already a PTE table: nothing to split. Not mapped at all (a failed population): nothing to remap.
  if (leaf === undefined) return pt.pte.has(entry);
  // pte_alloc_one_kernel(): a page from the allocator on the running CPU's node.
  const pfn = allocPagesNode(s, cpuNode, 0, false);
  if (pfn === null) return false;
  pt.pmdLeaf.delete(entry);
  pt.pte.add(entry, pfn * s.arch.pageSize, [{ from: 0, count: PTRS_PER_PTE, phys: leaf, stride: 1, readOnly: false }]);
  s.hvo.pteTables++;
  return true;
}

/**
 * splitVmemmapHugePmd() over entries [first, end) in turn, stopping where one
 * fails: the PTE tables' pages allocated as one run (allocPagesNodeRun()),
 * the same pages in the same order as entry by entry.
 */
function splitVmemmapHugePmds(s: KernelState, first: number, end: number, cpuNode: number): boolean {
  const pt = s.vmemmap;
  // The leaves to split, up to an entry with neither a leaf nor a table (nothing to remap: the walk fails there).
  const leaves: number[] = [];
  let unmapped = false;
  for (let e = first; e < end; e++) {
    if (pt.pmdLeaf.has(e)) leaves.push(e);
    else if (!pt.pte.has(e)) {
      unmapped = true;
      break;
    }
  }
  const pages: number[] = [];
  // hvosim takes the tables' pages as one run of the page allocator when its shortcuts are on.
  const made = s.shortcuts ? allocPagesNodeRun(s, cpuNode, leaves.length, pages) : 0;
  if (!s.shortcuts) {
    for (let e = first; e < end; e++) if (!splitVmemmapHugePmd(s, e, cpuNode)) return false;
    return true;
  }
  for (let k = 0; k < made; k++) {
    const e = leaves[k]!;
    const leaf = pt.pmdLeaf.get(e)!;
    pt.pmdLeaf.delete(e);
    pt.pte.add(e, pages[k]! * s.arch.pageSize, [{ from: 0, count: PTRS_PER_PTE, phys: leaf, stride: 1, readOnly: false }]);
    s.hvo.pteTables++;
  }
  return made === leaves.length && !unmapped;
}

/**
 * The walk of vmemmap_remap_free(): point the PTEs of [from, end) at `phys`
 * (read-only) and free the pages they mapped before; with `head`, the first
 * PTE maps that page instead, writable (the new copy of the head page).
 */
function remapOnto(s: KernelState, start: number, end: number, phys: number, head: number | null, unregistered: boolean): void {
  const pt = s.vmemmap;
  // Whole tables remapped share one runs array (a table copies it before changing it).
  let full: PteRun[] | null = null;
  // Pages to free, gathered while they follow each other (the blocks of split leaves usually do) and are freed
  // alike: one call then does what a call per table would (freedAlikeUpTo()).
  const ps = s.arch.pageSize;
  const pending = { pfn: 0, count: 0, boot: true, upTo: -1 };
  const flush = () => {
    if (pending.count) freeVmemmapPage(s, pending.pfn * ps, pending.count, pending.boot, unregistered);
    pending.count = 0;
  };
  const free = (old: number, count: number, boot: boolean) => {
    const pfn = old / ps;
    if (s.shortcuts && pending.count && pending.boot === boot && pending.pfn + pending.count === pfn) {
      // Looked up once a second piece comes (most remaps free one piece).
      if (pending.upTo < 0) pending.upTo = freedAlikeUpTo(s, pending.pfn);
      if (pfn + count <= pending.upTo) {
        pending.count += count;
        return;
      }
    }
    flush();
    pending.pfn = pfn;
    pending.count = count;
    pending.boot = boot;
    pending.upTo = -1;
  };
  for (let entry = Math.floor(start / PMD_ENTRY_SPAN); entry * PMD_ENTRY_SPAN < end; entry++) {
    const base = entry * PMD_ENTRY_SPAN;
    const from = Math.floor((Math.max(start, base) - base) / PTE_SPAN);
    const count = Math.ceil((Math.min(end, base + PMD_ENTRY_SPAN) - base) / PTE_SPAN) - from;
    const runs = pt.pte.runsAt(entry);
    for (let i = firstEndingAbove(runs, from, runEnd); i < runs.length && runs[i]!.from < from + count; i++) {
      const r = runs[i]!;
      if (!r.stride) continue;
      const a = Math.max(r.from, from);
      const b = Math.min(r.from + r.count, from + count);
      const old = runPhys(r, a);
      free(old, b - a, pt.stored.get(old)?.boot ?? true);
    }
    if (head !== null && base <= start) {
      const put: PteRun[] = [{ from, count: 1, phys: head, stride: 0, readOnly: false }];
      if (count > 1) put.push({ from: from + 1, count: count - 1, phys, stride: 0, readOnly: true });
      pteSetRuns(pt.pte.get(entry)!, from, count, put);
    } else if (count === PTRS_PER_PTE) pt.pte.setRunsAt(entry, (full ??= [{ from, count, phys, stride: 0, readOnly: true }]));
    else if (runs.length === 1 && runs[0]!.from === 0 && runs[0]!.count === PTRS_PER_PTE && from + count === PTRS_PER_PTE) {
      // A table split from a leaf, remapped from `from` to its end (the head's table): the runs pteSetRange() leaves, made directly.
      pt.pte.setRunsAt(entry, [
        { ...runs[0]!, count: from },
        { from, count, phys, stride: 0, readOnly: true },
      ]);
    } else pteSetRange(pt.pte.get(entry)!, from, count, phys, 0, true);
  }
  flush();
}

const runEnd = (r: PteRun) => r.from + r.count;

/**
 * vmemmap_remap_free() for one folio, as each generation does it at run time
 * (and, for 6.1, for boot-time gigantic pages too). True when optimized.
 */
function vmemmapRemapFree(s: KernelState, order: number, headPfn: number, nid: number): boolean {
  const pt = s.vmemmap;
  const { start, end } = folioVmemmap(s, order, headPfn);
  // The boot CPU's node: hvosim runs everything on it.
  const cpuNode = bootCpuNode(s);
  if (!splitVmemmapHugePmds(s, Math.floor(start / PMD_ENTRY_SPAN), Math.ceil(end / PMD_ENTRY_SPAN), cpuNode)) return false;
  const oldHead = vmemmapPteAt(s, start);
  if (oldHead === null) return false;
  // The folio's memmap pages from memblock have a bootmem type only if its section was registered at mem_init().
  const unregistered =
    s.kernel.preinitBootVmemmapFree === 'leaked' && s.sparse.preinit.has(Math.floor((headPfn * s.arch.pageSize) / s.arch.sectionSize));
  // 6.1 keeps the head page and the tails alias it; so does 6.15 when no new page can be had.
  const keepHead = () => {
    pt.stored.set(oldHead, { kind: 'head', basePfn: headPfn, state: 'folio', boot: pt.stored.get(oldHead)?.boot ?? true });
    remapOnto(s, start + PTE_SPAN, end, oldHead, null, unregistered);
    return true;
  };
  if (s.kernel.hvoHeadPage === 'keep') return keepHead();
  let tail = 0;
  if (s.kernel.hvoTails === 'zone-shared') {
    tail = vmemmapGetTailRuntime(s, order, headPfn);
    if (!tail) return false;
  }
  // A copy of the head vmemmap page in a new page, from the folio's node or the next in its zonelist
  // (GFP_KERNEL, no __GFP_THISNODE); 6.15 keeps the old one if none can be had, hvo-v7 gives up.
  const fresh = allocPagesZonelist(s, nid, 0);
  if (fresh === null) return s.kernel.hvoHeadPage === 'copy-or-give-up' ? false : keepHead();
  const head = fresh * s.arch.pageSize;
  memmapPagesAdd(s, 1);
  pt.stored.set(head, { kind: 'head', basePfn: headPfn, state: 'folio', boot: false });
  remapOnto(s, start, end, s.kernel.hvoTails === 'zone-shared' ? tail : head, head, unregistered);
  return true;
}

/** vmemmap_get_tail() at run time (hvo-v7): the zone's shared tail page, a zeroed buddy page initialized as tails on first use. */
function vmemmapGetTailRuntime(s: KernelState, order: number, headPfn: number): number {
  const zone = zoneOfPfn(s, headPfn);
  if (!zone) return 0;
  const have = zone.vmemmapTails.get(order);
  if (have !== undefined) return have;
  // GFP_KERNEL | __GFP_ZERO on the zone's node, falling back along its zonelist.
  const pfn = allocPagesZonelist(s, zone.nid, 0);
  if (pfn === null) return 0;
  const p = pfn * s.arch.pageSize;
  zone.vmemmapTails.set(order, p);
  s.vmemmap.stored.set(p, { kind: 'tail', nid: zone.nid, zoneIdx: zone.idx, order, state: 'init', boot: false });
  return p;
}

/** hugetlb_vmemmap_optimize_folio(): HVO for one huge page if enabled; true when its vmemmap is now optimized. */
export function hugetlbVmemmapOptimize(s: KernelState, order: number, headPfn: number, nid: number): boolean {
  if (!s.hugetlb.vmemmapOptimizeEnabled) return false;
  if (!hugetlbVmemmapOptimizableSize(s, order)) return false;
  if (!vmemmapRemapFree(s, order, headPfn, nid)) {
    s.hvo.failed++;
    return false;
  }
  s.hvo.optimized++;
  return true;
}

/**
 * hugetlb_vmemmap_restore_folio(): before a folio leaves the pool, its
 * vmemmap gets pages of its own again: one new page from the allocator for
 * every PTE after the head's (alloc_vmemmap_page_list() on the folio's
 * node), mapped writable. The PTE tables stay. False if the pages cannot be had.
 */
export function hugetlbVmemmapRestore(s: KernelState, order: number, headPfn: number, nid: number): boolean {
  const { start, end } = folioVmemmap(s, order, headPfn);
  const need = (end - start) / PTE_SPAN - 1;
  const got: number[] = [];
  for (let i = 0; i < need; i++) {
    const pfn = allocPagesNode(s, nid, 0, false);
    if (pfn === null) {
      for (const p of got) freeRuntimePages(s, p, 1);
      return false;
    }
    got.push(pfn);
  }
  let k = 0;
  for (const { entry, from, count } of pmdSlices(start + PTE_SPAN, end)) {
    const t = s.vmemmap.pte.get(entry)!;
    const pages = got.slice(k, k + count).map((pfn) => pfn * s.arch.pageSize);
    k += count;
    pteSetPageRuns(t, from, pages);
  }
  s.vmemmap.buddyPages += need;
  // The head page is no longer aliased: a 6.1 head is the folio's own page again; a copy stays a copy.
  const head = vmemmapPteAt(s, start);
  const st = head === null ? undefined : s.vmemmap.stored.get(head);
  if (st?.kind === 'head' && st.boot) s.vmemmap.stored.delete(head!);
  memmapPagesAdd(s, need);
  return true;
}

/** hugetlb_folio_init_vmemmap(): the head vmemmap page's struct pages (head and first tails) are written by hugetlb. */
export function hugetlbFolioInitVmemmap(s: KernelState, headPfn: number): void {
  const phys = vmemmapPteAt(s, headPfn * s.arch.structPageSize);
  const p = phys === null ? undefined : s.vmemmap.stored.get(phys);
  if (p?.kind === 'head') s.vmemmap.stored.setState(p, 'folio');
}

/** hugetlb_vmemmap_init() (late_initcall): hvo-v7 initializes the shared tail pages allocated at boot. */
export function hugetlbVmemmapInit(s: KernelState): void {
  if (s.kernel.hvoTails !== 'zone-shared') return;
  for (const p of s.vmemmap.stored.values()) if (p.kind === 'tail') s.vmemmap.stored.setState(p, 'init');
}
