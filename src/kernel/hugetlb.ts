// mm/hugetlb.c: the hugetlb state, hugetlb_bootmem_alloc(), hugetlb_init()
// (gather_bootmem_prealloc() with HVO, report_hugepages()), and growing or
// shrinking a pool after boot. The command-line parameters are in
// hugetlb-params.ts; the hstates and the boot-time allocation of their pages
// in hugetlb-alloc.ts.
//
// 6.1 allocates a gigantic page as soon as its hugepages= is parsed (after
// zones exist). 6.15 and hvo-v7 collect the parameters early and allocate
// in hugetlb_bootmem_alloc() from setup_arch(), before sparse_init(), onto
// per-node lists; pages that turn out to span zones are given back.
import { pow2, stringGetSize2 } from '../util/units.js';
import {
  hugetlbFolioInitVmemmap,
  hugetlbVmemmapOptimize,
  hugetlbVmemmapOptimizableSize,
  hugetlbVmemmapRestore,
  hugetlbVmemmapSize,
  vmemmapReserveSize,
} from './hugetlb-vmemmap.js';
import { adjustManagedPageCount, freedAlikeUpTo, freeReservedPages, freeRuntimePages, memoryNodes, nidOfPhys } from './page-alloc.js';
import { vmemmapWrprotectHvo } from './sparse-vmemmap.js';
import { hugeBootPageDel, hugeBootPages, hugetlbBootmemPageZonesValid } from './hugetlb-bootmem.js';
import {
  allocPoolHugePage,
  archHugetlbValidSize,
  enqueueHugePage,
  hstateIsGigantic,
  hstateNextNodeToFree,
  hstateSize,
  hugePageOrder,
  hugetlbAddHstate,
  hugetlbHstateAllocPages,
  onlineNodes,
  prepNewHugePage,
  sizeToHstate,
} from './hugetlb-alloc.js';
import { hugetlbParseArgs } from './hugetlb-params.js';
import type { KernelState } from './state.js';
import { beginStep, printk, prWarn } from './state.js';
// Still exported from here for the files that import them from hugetlb.js (boot.ts, simulator.ts).

export interface Hstate {
  order: number;
  maxHugePages: number;
  maxHugePagesNode: Map<number, number>;
  /** Pages in the pool per node (all free: nothing runs). */
  nrHugePagesNode: Map<number, number>;
  nextNidToAlloc: number;
  nextNidToFree: number;
  /** What the command line asked before allocation (hvosim's record for the planner; the kernel overwrites max_huge_pages). */
  asked?: { total: number; perNode: Map<number, number>; skippedForCma?: boolean };
}

export interface HugePage {
  pfn: number;
  order: number;
  nid: number;
  zone: string;
  vmemmapOptimized: boolean;
  /** Gathered with HUGE_BOOTMEM_HVO (6.15, hvo-v7): hugetlb wrote only the struct pages of the head's vmemmap page. */
  bootHvo?: boolean;
  /** A surplus page: it could not be freed when the pool shrank. */
  surplus?: boolean;
}

/** struct huge_bootmem_page: a gigantic page taken from memblock, waiting for gather_bootmem_prealloc(). */
export interface HugeBootmemPage {
  addr: number;
  order: number;
  /** The node list it is on (6.15, hvo-v7: the node it really landed on). */
  nid: number;
  /** HUGE_BOOTMEM_HVO: its vmemmap is (to be) set up by hugetlb with HVO. */
  hvo: boolean;
  /** HUGE_BOOTMEM_ZONES_VALID: found to lie in one zone. */
  zonesValid: boolean;
  /** HUGE_BOOTMEM_CMA: taken from a CMA area (hugetlb_cma_only=). */
  cma?: boolean;
}

export interface HugetlbState {
  hstates: Hstate[];
  defaultIdx: number;
  parsedHstate: number;
  parsedValidHugepagesz: boolean;
  parsedDefaultHugepagesz: boolean;
  defaultHstateMaxHugePages: number;
  defaultHugepagesInNode: Map<number, number>;
  /** Which counter the last hugepages= wrote ('default' or an hstate index). */
  lastMhp: string | null;
  /** huge_boot_pages, oldest first (hugeBootPages() gives the kernel's list order). */
  bootPages: HugeBootmemPage[];
  /** hugetlb_bootmem_allocated() (6.15, hvo-v7). */
  bootmemAllocated: boolean;
  /** hstate_boot_nrinvalid[]: boot pages found to span zones, by order. */
  nrInvalid: Map<number, number>;
  /** Boot pages freed at allocation for spanning two zones (7.3's hugetlb_free_cross_zone_pages()), by order (a count of ours). */
  crossZoneFreed: Map<number, number>;
  /** Every huge page in a pool. */
  pages: HugePage[];
  /** Changes so far to `pages` and `bootPages` (added, removed, a boot page's flags set): readers that derive data from them compare it. */
  gen: number;
  /** hugetlb_free_vmemmap= (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON is off in the Debian build). */
  vmemmapOptimizeEnabled: boolean;
  /** gather_bootmem_prealloc() has run (from page_alloc_init_late(), before hugetlb_init(), where the profile has that step). */
  gathered: boolean;
  /**
   * The nodes that ran out while the boot's 2 MiB pages were allocated by more than one padata helper: which nodes
   * got the pages they could not take depends on how the helpers' chunks interleave (hvosim runs them in turn).
   */
  bootSpreadByTiming?: { nodes: number[]; helpers: number };
}

export function createHugetlbState(): HugetlbState {
  return {
    hstates: [],
    defaultIdx: 0,
    parsedHstate: -1,
    parsedValidHugepagesz: true,
    parsedDefaultHugepagesz: false,
    defaultHstateMaxHugePages: 0,
    defaultHugepagesInNode: new Map(),
    lastMhp: null,
    bootPages: [],
    bootmemAllocated: false,
    nrInvalid: new Map(),
    crossZoneFreed: new Map(),
    pages: [],
    gen: 0,
    vmemmapOptimizeEnabled: false,
    gathered: false,
  };
}

/**
 * hugetlb_bootmem_alloc() (6.15, hvo-v7): parse the hugetlb parameters
 * collected by parse_early_param(), then take every gigantic hstate's pages
 * from memblock. Called from setup_arch() before sparse_init() when the CPU
 * has 1 GiB pages, else from mm_core_init(); runs once.
 */
export function hugetlbBootmemAlloc(s: KernelState): void {
  const ht = s.hugetlb;
  if (ht.bootmemAllocated) return;
  hugetlbParseArgs(s);
  beginStep(s, 'hugetlb_bootmem_alloc');
  const first = onlineNodes(s)[0] ?? 0;
  for (const h of ht.hstates) {
    h.nextNidToAlloc = first;
    h.nextNidToFree = first;
    if (hstateIsGigantic(h)) hugetlbHstateAllocPages(s, h);
  }
  ht.bootmemAllocated = true;
}

/** gigantic_pages_init() (arch_initcall on x86): the 1 GiB hstate exists whenever the CPU can map it. */
export function giganticPagesInit(s: KernelState): void {
  // Built only with CONFIG_CONTIG_ALLOC (arch/x86/mm/hugetlbpage.c): without it nothing could fill the pool at run time.
  if (!s.build.config.CONTIG_ALLOC) return;
  const giga = s.arch.hugePageSizes.find((p) => p.needs !== null);
  if (giga && archHugetlbValidSize(s, giga.size)) hugetlbAddHstate(s, hugePageOrder(s, giga.size));
}

/** hugetlb_bootmem_struct_page_init() (page_alloc_init_late(), before the initcalls): gather_bootmem_prealloc(). */
export function hugetlbBootmemStructPageInit(s: KernelState): void {
  beginStep(s, 'page_alloc_init_late');
  gatherBootmemPrealloc(s);
}

/** gather_bootmem_prealloc(): gigantic pages join their pool (managed again), with HVO when enabled. */
function gatherBootmemPrealloc(s: KernelState): void {
  s.hugetlb.gathered = true;
  if (s.kernel.gather === 'per-node') {
    for (const nid of memoryNodes(s)) gatherBootmemPreallocNode(s, nid);
    return;
  }
  for (const m of hugeBootPages(s)) {
    const h = s.hugetlb.hstates.find((x) => x.order === m.order)!;
    const pfn = m.addr / s.arch.pageSize;
    prepNewHugePage(s, h, pfn);
    adjustManagedPageCount(s, pfn, pow2(h.order));
  }
}

/**
 * gather_bootmem_prealloc_node() (6.15, hvo-v7): a page spanning zones is
 * freed page by page; the others get their head struct pages written,
 * become folios (flagged vmemmap-optimized when hugetlb set up their HVO
 * mapping) and, in prep_and_add_bootmem_folios(), have the HVO tails
 * write-protected or, without pre-HVO, their vmemmap optimized now.
 */
function gatherBootmemPreallocNode(s: KernelState, nid: number): void {
  const ht = s.hugetlb;
  const ps = s.arch.pageSize;
  for (const m of hugeBootPages(s, nid)) {
    const h = ht.hstates.find((x) => x.order === m.order)!;
    const pfn = m.addr / ps;
    const n = pow2(m.order);
    if (!hugetlbBootmemPageZonesValid(s, nid, m)) {
      // hugetlb_bootmem_free_invalid_page(): page by page, each to its own zone (the page spans two; 6.16's and
      // 7.1's n12 and n24 give the part cut by movablecore= back to Normal and Movable each).
      hugeBootPageDel(s, m);
      for (let p = pfn; p < pfn + n; ) {
        const next = Math.min(pfn + n, freedAlikeUpTo(s, p));
        freeReservedPages(s, p, next - p);
        p = next;
      }
      continue;
    }
    hugetlbFolioInitVmemmap(s, pfn);
    adjustManagedPageCount(s, pfn, n);
    const pageNid = nidOfPhys(s, m.addr);
    if (m.hvo) {
      // hugetlb_vmemmap_optimize_bootmem_folios(): before the fix the end is start + pages_per_huge_page(h),
      // a page count added to a vmemmap address, so only the first 256 KiB of the folio's vmemmap is covered.
      const start = pfn * s.arch.structPageSize;
      const size = hugetlbVmemmapSize(s, m.order);
      vmemmapWrprotectHvo(
        s,
        start,
        s.kernel.hvoWrprotectEnd === 'page-count' ? Math.min(start + n, start + size) : start + size,
        vmemmapReserveSize(s),
      );
      enqueueHugePage(s, h, pfn, pageNid, true, true);
    } else {
      enqueueHugePage(s, h, pfn, pageNid, hugetlbVmemmapOptimize(s, m.order, pfn, pageNid));
    }
  }
}

/** hugetlb_init() (subsys_initcall). */
export function hugetlbInit(s: KernelState): void {
  beginStep(s, 'hugetlb_init');
  const ht = s.hugetlb;
  const hpage = s.arch.hugePageSizes.find((p) => p.needs === null)!.size;
  hugetlbAddHstate(s, hugePageOrder(s, hpage));
  if (!ht.parsedDefaultHugepagesz) {
    ht.defaultIdx = sizeToHstate(s, hpage);
    const h = ht.hstates[ht.defaultIdx]!;
    if (ht.defaultHstateMaxHugePages) {
      if (h.maxHugePages) {
        const buf = stringGetSize2(hstateSize(s, h));
        prWarn(s, `HugeTLB: Ignoring hugepages=${h.maxHugePages} associated with ${buf} page size`);
        prWarn(s, `HugeTLB: Using hugepages=${ht.defaultHstateMaxHugePages} for number of default huge pages`);
      }
      h.maxHugePages = ht.defaultHstateMaxHugePages;
      h.maxHugePagesNode = new Map(ht.defaultHugepagesInNode);
    }
  }
  // hugetlb_init_hstates(): the sizes below gigantic are allocated now, from the page allocator.
  for (const h of ht.hstates) if (!hstateIsGigantic(h)) hugetlbHstateAllocPages(s, h);
  // Gathered here unless the profile's page_alloc_init_late step has done it already.
  if (!ht.gathered) gatherBootmemPrealloc(s);
  // report_hugepages()
  for (const h of ht.hstates) {
    const buf = stringGetSize2(hstateSize(s, h));
    const nrInvalid = ht.nrInvalid.get(h.order) ?? 0;
    h.maxHugePages -= nrInvalid;
    printk(s, `HugeTLB: registered ${buf} page size, pre-allocated ${hstateNrHugePages(h)} pages`);
    if (nrInvalid) printk(s, `HugeTLB: ${buf} page size: ${nrInvalid} invalid page${nrInvalid > 1 ? 's' : ''} discarded`);
    printk(s, `HugeTLB: ${hugetlbVmemmapOptimizableSize(s, h.order) / 1024} KiB vmemmap can be freed for a ${buf} page`);
  }
}

/** Surplus pages of the hstate (pages that could not be freed when the pool shrank). */
function hstateSurplus(s: KernelState, h: Hstate): number {
  let n = 0;
  for (const p of s.hugetlb.pages) if (p.surplus && p.order === h.order) n++;
  return n;
}

export function hstateNrHugePages(h: Hstate): number {
  return [...h.nrHugePagesNode.values()].reduce((a, b) => a + b, 0);
}

/**
 * remove_pool_huge_page(): the page most recently queued on the next node in
 * turn that has one leaves the pool. `queued`: the pool's pages of this size
 * by node, in the order they were queued (the caller takes them out of
 * s.hugetlb.pages, all at once).
 */
function removePoolHugePage(s: KernelState, h: Hstate, queued: Map<number, HugePage[]>): HugePage | null {
  const nodes = memoryNodes(s);
  for (let tries = nodes.length; tries > 0; tries--) {
    const nid = hstateNextNodeToFree(h, nodes);
    if (!(h.nrHugePagesNode.get(nid) ?? 0)) continue;
    const f = queued.get(nid)?.pop();
    if (!f) continue;
    h.nrHugePagesNode.set(nid, h.nrHugePagesNode.get(nid)! - 1);
    return f;
  }
  return null;
}

/**
 * update_and_free_hugetlb_folio(): the page's vmemmap gets its own pages back
 * (HVO undone), then the page goes to the allocator; if the vmemmap pages
 * cannot be had, the page goes back to the pool as a surplus page.
 */
function updateAndFreeHugePage(s: KernelState, h: Hstate, f: HugePage): void {
  if (f.vmemmapOptimized && !hugetlbVmemmapRestore(s, f.order, f.pfn, f.nid)) {
    s.hugetlb.pages.push({ ...f, surplus: true });
    s.hugetlb.gen++;
    h.nrHugePagesNode.set(f.nid, (h.nrHugePagesNode.get(f.nid) ?? 0) + 1);
    return;
  }
  freeRuntimePages(s, f.pfn, pow2(f.order));
}

/**
 * Writing N to /proc/sys/vm/nr_hugepages(_mempolicy): set_max_huge_pages() on
 * the default size: the pool grows round robin over the nodes, or shrinks
 * round robin from the next node to free. Growing a gigantic pool would need
 * alloc_contig_pages(): not modelled.
 */
export function setMaxHugePages(s: KernelState, count: number): { ok: boolean; reason?: string; got?: number } {
  beginStep(s, 'set_max_huge_pages');
  const h = s.hugetlb.hstates[s.hugetlb.defaultIdx];
  if (!h) return { ok: false, reason: 'no default huge page size' };
  // Shrinking: the pages leave the pool first, then are freed one by one (update_and_free_pages_bulk()).
  const leaving: HugePage[] = [];
  // Surplus pages only appear once the leaving pages are freed, so their count holds through this loop.
  const surplus = hstateSurplus(s, h);
  const pages = s.hugetlb.pages;
  const queued = new Map<number, HugePage[]>();
  for (const p of pages) {
    if (p.order !== h.order) continue;
    const q = queued.get(p.nid);
    if (q) q.push(p);
    else queued.set(p.nid, [p]);
  }
  while (hstateNrHugePages(h) - surplus > count) {
    const f = removePoolHugePage(s, h, queued);
    if (!f) break;
    leaving.push(f);
  }
  if (leaving.length) {
    // Out of the pool in one pass, the others keeping their order.
    const gone = new Set(leaving);
    let w = 0;
    for (const p of pages) if (!gone.has(p)) pages[w++] = p;
    pages.length = w;
    s.hugetlb.gen++;
  }
  for (const f of leaving) updateAndFreeHugePage(s, h, f);
  if (hstateNrHugePages(h) < count && hstateIsGigantic(h))
    return { ok: false, reason: 'growing a gigantic pool at run time (alloc_contig_pages) is not modelled' };
  while (hstateNrHugePages(h) < count) if (!allocPoolHugePage(s, h)) break;
  h.maxHugePages = hstateNrHugePages(h) - hstateSurplus(s, h);
  return { ok: true, got: h.maxHugePages };
}
