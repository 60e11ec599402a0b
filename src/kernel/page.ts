// include/linux/mm.h, page-flags.h: struct page as far as gigantic pages and
// HVO need it, and the helpers that read it: compound_head(), page_zonenum(),
// page_to_nid().
//
// Nothing is stored per base page. A struct page is read the kernel's way:
// its vmemmap address (pfn * sizeof(struct page)) is walked through the
// simulated page tables to a physical page and a slot in it. Only the vmemmap
// pages that several PFNs share are stored (pgtable.ts StoredVmemmapPage);
// every other struct page is derived from what generic init (memmap_init)
// and hugetlb wrote for the PFN whose vmemmap address maps it.
import { firstNumberAbove } from '../util/search.js';
import type { HugePage } from './hugetlb.js';
import { vmemmapTranslate } from './pgtable.js';
import { nidOfPhys, zoneSpanningPfn } from './page-alloc.js';
import type { KernelState } from './state.js';
import { pow2 } from '../util/units.js';

/** How a tail encodes its head: a pointer (head | 1; 6.1, 6.15) or a mask (hvo-v7: head = address & mask). */
export type CompoundInfo = { kind: 'none' } | { kind: 'ptr'; headPfn: number } | { kind: 'mask'; shift: number };

export interface StructPage {
  /** Whether anything ever wrote this struct page (else it holds whatever the allocator left). */
  initialized: boolean;
  /** Written by init_unavailable_range() for a hole without memory: PG_reserved, in the zone and node of the memory after it. */
  unavailable?: boolean;
  /** The node and zone encoded in page->flags. */
  nid: number;
  zoneIdx: number;
  /** PG_head, and the folio order a head records. */
  head: boolean;
  order: number;
  compoundInfo: CompoundInfo;
  /** Where it was read from. */
  phys: number;
  slot: number;
  /** The stored shared page it was read from, if any. */
  shared: 'head' | 'tail' | null;
}

const NONE: CompoundInfo = { kind: 'none' };

/** pfn_to_page(): the virtual address of a PFN's struct page (full, for display). */
export function structPageAddress(s: KernelState, pfn: number): bigint {
  return s.arch.vmemmapBase + BigInt(pfn * s.arch.structPageSize);
}

/** The zone (node and index) whose span holds a PFN, or null. */
export function zoneSpanning(s: KernelState, pfn: number): { nid: number; idx: number } | null {
  const z = zoneSpanningPfn(s, pfn);
  return z ? { nid: z.nid, idx: z.idx } : null;
}

const folioIndexCache = new WeakMap<HugePage[], { gen: number; sorted: HugePage[]; ends: number[] }>();

/** The pool folio a PFN belongs to, or null (binary search over the pool sorted by PFN, sorted again when the pool changes). */
export function folioOf(s: KernelState, pfn: number): HugePage | null {
  const pages = s.hugetlb.pages;
  let c = folioIndexCache.get(pages);
  if (!c || c.gen !== s.hugetlb.gen) {
    const sorted = pages.slice().sort((a, b) => a.pfn - b.pfn);
    c = { gen: s.hugetlb.gen, sorted, ends: sorted.map((x) => x.pfn + pow2(x.order)) };
    folioIndexCache.set(pages, c);
  }
  // The first folio ending above pfn.
  const f = c.sorted[firstNumberAbove(c.ends, pfn)];
  return f && f.pfn <= pfn ? f : null;
}

/** set_compound_head(): the encoding this generation writes into a tail. */
function tailInfo(s: KernelState, headPfn: number, order: number): CompoundInfo {
  if (s.kernel.compoundInfo === 'mask') return { kind: 'mask', shift: order + Math.log2(s.arch.structPageSize) };
  return { kind: 'ptr', headPfn };
}

/** The struct page of `pfn` as generic init and hugetlb wrote it at its own vmemmap address. */
function ownStructPage(s: KernelState, pfn: number, phys: number, slot: number): StructPage {
  let z = zoneSpanning(s, pfn);
  // A PFN without memory: memmap_init() wrote it only if init_unavailable_range() did, with that range's zone and node.
  let unavailable = false;
  if (nidOfPhys(s, pfn * s.arch.pageSize) < 0) {
    const h = s.memmapHoles.find((x) => x.start <= pfn && pfn < x.end);
    z = h ? { nid: h.nid, idx: h.zoneIdx } : null;
    unavailable = !!h;
  }
  let f = folioOf(s, pfn);
  // For a folio gathered with HVO already set up, hugetlb writes only the head's vmemmap page
  // (HUGETLB_VMEMMAP_RESERVE_PAGES struct pages) and leaves the tails to the shared mapping.
  if (f?.bootHvo && pfn - f.pfn >= s.arch.pageSize / s.arch.structPageSize) f = null;
  const initialized = (s.memmapInitDone && z !== null) || f !== null;
  let info: CompoundInfo = NONE;
  if (f && pfn !== f.pfn) info = tailInfo(s, f.pfn, f.order);
  return {
    initialized,
    ...(unavailable ? { unavailable } : {}),
    nid: z?.nid ?? 0,
    zoneIdx: z?.idx ?? 0,
    head: f !== null && pfn === f.pfn,
    order: f && pfn === f.pfn ? f.order : 0,
    compoundInfo: info,
    phys,
    slot,
    shared: null,
  };
}

/** Read the struct page of `pfn` through the vmemmap page tables; null when its address is not mapped. */
export function structPageAt(s: KernelState, pfn: number): StructPage | null {
  const sp = s.arch.structPageSize;
  const tr = vmemmapTranslate(s.vmemmap, pfn * sp);
  if (!tr) return null;
  const ps = s.arch.pageSize;
  const page = Math.floor(tr.phys / ps) * ps;
  const slot = (tr.phys - page) / sp;
  const stored = s.vmemmap.stored.get(page);
  if (!stored) return ownStructPage(s, pfn, page, slot);
  if (stored.kind === 'head') {
    const own = stored.basePfn + slot;
    if (stored.state === 'folio') return { ...ownStructPage(s, own, page, slot), shared: 'head' };
    const z = zoneSpanning(s, stored.basePfn);
    return {
      initialized: stored.state === 'plain',
      nid: z?.nid ?? 0,
      zoneIdx: z?.idx ?? 0,
      head: false,
      order: 0,
      compoundInfo: NONE,
      phys: page,
      slot,
      shared: 'head',
    };
  }
  const info: CompoundInfo = stored.state === 'init' ? { kind: 'mask', shift: stored.order + Math.log2(sp) } : NONE;
  const zeroed = stored.state === 'zero';
  return {
    initialized: !zeroed,
    nid: zeroed ? 0 : stored.nid,
    zoneIdx: zeroed ? 0 : stored.zoneIdx,
    head: false,
    order: 0,
    compoundInfo: info,
    phys: page,
    slot,
    shared: 'tail',
  };
}

/**
 * compound_head(): the PFN of the head of the folio `pfn` belongs to (itself
 * if none), read through the vmemmap. 6.1 and 6.15 follow the tail's
 * pointer and, for a page-aligned struct page that looks like a head,
 * check page[1] (page_fixed_fake_head(): a fake head mirrored by HVO); hvo-v7
 * masks the tail's own address. `p`: the struct page, if the caller has read it already.
 */
export function compoundHead(s: KernelState, pfn: number, p: StructPage | null = structPageAt(s, pfn)): number | null {
  if (!p) return null;
  const info = p.compoundInfo;
  if (info.kind === 'mask') return (Math.floor((pfn * s.arch.structPageSize) / 2 ** info.shift) * 2 ** info.shift) / s.arch.structPageSize;
  if (info.kind === 'ptr') return info.headPfn;
  const perPage = s.arch.pageSize / s.arch.structPageSize;
  if (s.kernel.compoundInfo === 'pointer' && p.head && pfn % perPage === 0) {
    const next = structPageAt(s, pfn + 1);
    if (next?.compoundInfo.kind === 'ptr') return next.compoundInfo.headPfn;
  }
  return pfn;
}

/** page_zonenum(): the zone index in page->flags. */
export function pageZonenum(s: KernelState, pfn: number): number | null {
  return structPageAt(s, pfn)?.zoneIdx ?? null;
}

/** page_to_nid(): the node in page->flags. */
export function pageToNid(s: KernelState, pfn: number): number | null {
  return structPageAt(s, pfn)?.nid ?? null;
}
