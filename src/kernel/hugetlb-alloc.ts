// mm/hugetlb.c: hstates (hugetlb_add_hstate(), the nodes' round robin) and the boot-time allocation of their pages
// (hugetlb_hstate_alloc_pages(): gigantic pages from memblock, the smaller sizes from the page allocator).
import { pow2, stringGetSize2 } from '../util/units.js';
import { hugetlbVmemmapOptimize } from './hugetlb-vmemmap.js';
import { memblockAllocExactNidRaw, memblockAllocTryNidRaw, memblockPhysFree } from './memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE } from './memblock-flags.js';
import { allocPagesNode, memoryNodes, nidOfPhys, zoneOfPfn } from './page-alloc.js';
import { hugetlbCmaAllocBootmem, hugetlbCmaTotalSize, hugetlbEarlyCma } from './hugetlb-cma.js';
import { hugeBootPageAdd, hugeBootPageDel, hugeBootPages, hugetlbBootmemPageInOneZone } from './hugetlb-bootmem.js';
import type { Hstate } from './hugetlb.js';
import type { KernelState } from './state.js';
import { printk, prWarn } from './state.js';

/** MAX_ORDER (11): a huge page of this order or more is gigantic (allocated from memblock at boot). */
const MAX_ORDER = 11;

/** huge_page_size() */
export function hstateSize(s: KernelState, h: Hstate): number {
  return pow2(h.order) * s.arch.pageSize;
}

/** hstate->name: "hugepages-1048576kB". */
export function hstateName(s: KernelState, h: Hstate): string {
  return `hugepages-${hstateSize(s, h) / 1024}kB`;
}

/** hstate_is_gigantic() */
export function hstateIsGigantic(h: Hstate): boolean {
  return h.order >= MAX_ORDER;
}

const onlineCache = new WeakMap<Map<number, number>, number[]>();

/** Online nodes (node_states[N_ONLINE]): those numa_init() gave a pg_data_t, ascending. */
export function onlineNodes(s: KernelState): number[] {
  let v = onlineCache.get(s.nodeData);
  if (!v || v.length !== s.nodeData.size) {
    v = [...s.nodeData.keys()].sort((a, b) => a - b);
    onlineCache.set(s.nodeData, v);
  }
  return v;
}

/** The nodes round robin allocation walks: N_MEMORY in 6.1, N_ONLINE for the early allocation of 6.15 and hvo-v7. */
function allocNodes(s: KernelState): number[] {
  return s.kernel.bootmemExactNid ? onlineNodes(s) : memoryNodes(s);
}

/** size_to_hstate(): the index of the hstate of a page size, or -1. */
export function sizeToHstate(s: KernelState, size: number): number {
  return s.hugetlb.hstates.findIndex((h) => hstateSize(s, h) === size);
}

/** arch_hugetlb_valid_size() on x86: 2 MiB always, 1 GiB with the CPU's gbpages. */
export function archHugetlbValidSize(s: KernelState, size: number): boolean {
  return s.arch.hugePageSizes.some((p) => p.size === size && (p.needs === null || s.machine.cpu.features.includes(p.needs)));
}

/** boot_cpu_has(X86_FEATURE_GBPAGES): the CPU maps 1 GiB pages. */
export function cpuHasGbpages(s: KernelState): boolean {
  const giga = s.arch.hugePageSizes.find((p) => p.needs !== null);
  return !!giga && s.machine.cpu.features.includes(giga.needs!);
}

/** The order of a huge page size (ilog2(size) - PAGE_SHIFT). */
export function hugePageOrder(s: KernelState, size: number): number {
  return Math.log2(size) - s.arch.pageShift;
}

/** hugetlb_add_hstate() */
export function hugetlbAddHstate(s: KernelState, order: number): void {
  const ht = s.hugetlb;
  if (sizeToHstate(s, pow2(order) * s.arch.pageSize) >= 0) return;
  ht.hstates.push({
    order,
    maxHugePages: 0,
    maxHugePagesNode: new Map(),
    nrHugePagesNode: new Map(),
    nextNidToAlloc: allocNodes(s)[0] ?? 0,
    nextNidToFree: allocNodes(s)[0] ?? 0,
  });
  ht.parsedHstate = ht.hstates.length - 1;
}

/** The next node of a round robin over `nodes` (ascending), starting at `cursor` (or the node after it); the cursor moves on. */
function roundRobin(nodes: number[], cursor: number): { nid: number; next: number } {
  let i = nodes.indexOf(cursor);
  if (i < 0) {
    // The first node after the cursor, wrapping round.
    i = 0;
    while (i < nodes.length && nodes[i]! <= cursor) i++;
    if (i === nodes.length) i = 0;
  }
  return { nid: nodes[i]!, next: nodes[i + 1] ?? nodes[0]! };
}

/** hstate_next_node_to_alloc(): round robin over `nodes`, with the hstate's cursor or one a caller keeps of its own. */
function hstateNextNodeToAlloc(cursor: { nextNidToAlloc: number }, nodes: number[]): number {
  const r = roundRobin(nodes, cursor.nextNidToAlloc);
  cursor.nextNidToAlloc = r.next;
  return r.nid;
}

/** hstate_next_node_to_free(): the same round robin, for shrinking a pool. */
export function hstateNextNodeToFree(h: Hstate, nodes: number[]): number {
  const r = roundRobin(nodes, h.nextNidToFree);
  h.nextNidToFree = r.next;
  return r.nid;
}

/** prep_new_huge_page(): HVO first (when enabled), then the page joins its node's pool. */
export function prepNewHugePage(s: KernelState, h: Hstate, pfn: number): void {
  const nid = nidOfPhys(s, pfn * s.arch.pageSize);
  enqueueHugePage(s, h, pfn, nid, hugetlbVmemmapOptimize(s, h.order, pfn, nid));
}

/** __prep_account_new_huge_page() + enqueue_hugetlb_folio(): the page joins its node's pool. */
export function enqueueHugePage(s: KernelState, h: Hstate, pfn: number, nid: number, vmemmapOptimized: boolean, bootHvo = false): void {
  s.hugetlb.pages.push({ pfn, order: h.order, nid, zone: zoneOfPfn(s, pfn)?.name ?? '?', vmemmapOptimized, bootHvo });
  s.hugetlb.gen++;
  h.nrHugePagesNode.set(nid, (h.nrHugePagesNode.get(nid) ?? 0) + 1);
}

/** alloc_fresh_huge_page() on one node (__GFP_THISNODE), for a non-gigantic size: htlb_alloc_mask() allows ZONE_MOVABLE (hugepage_movable_supported()). */
function allocFreshHugePage(s: KernelState, h: Hstate, nid: number): boolean {
  const pfn = allocPagesNode(s, nid, h.order, true, true);
  if (pfn === null) return false;
  prepNewHugePage(s, h, pfn);
  return true;
}

/**
 * __alloc_bootmem_huge_page(): one gigantic page from memblock, on `nid` or
 * (NUMA_NO_NODE) the next node in turn, memblock falling back to any node.
 * 6.15 and hvo-v7 ask a named node exactly (memblock_alloc_exact_nid_raw) and
 * list the page under the node it really landed on.
 */
function allocBootmemHugePage(s: KernelState, h: Hstate, nid: number): boolean {
  const size = hstateSize(s, h);
  const exact = nid !== NUMA_NO_NODE && s.kernel.bootmemExactNid;
  let node = nid;
  if (nid === NUMA_NO_NODE) {
    const nodes = allocNodes(s);
    if (!nodes.length) return false;
    node = hstateNextNodeToAlloc(h, nodes);
  }
  // alloc_bootmem(): with hugetlb_cma_only= the page comes out of a CMA area, already known to lie in one zone.
  if (hugetlbEarlyCma(s, h)) {
    const addr = hugetlbCmaAllocBootmem(s, h, node, nid !== NUMA_NO_NODE);
    if (!addr) return false;
    hugeBootPageAdd(s, { addr, order: h.order, nid: nidOfPhys(s, addr), hvo: false, zonesValid: true, cma: true });
    return true;
  }
  const alloc = exact ? memblockAllocExactNidRaw : memblockAllocTryNidRaw;
  const addr = alloc(s.memblock, size, size, 0, MEMBLOCK_ALLOC_ACCESSIBLE, node, '__alloc_bootmem_huge_page');
  if (!addr) return false;
  const listNode = !s.kernel.bootmemExactNid || exact ? node : nidOfPhys(s, addr);
  // 7.3 (the zones exist): a page in one zone is flagged HUGE_BOOTMEM_ZONES_VALID now; the others wait for hugetlb_free_cross_zone_pages().
  const zonesValid =
    s.kernel.crossZoneFreeAtAlloc &&
    hugetlbBootmemPageInOneZone(s, listNode, { addr, order: h.order, nid: listNode, hvo: false, zonesValid: false });
  hugeBootPageAdd(s, { addr, order: h.order, nid: listNode, hvo: false, zonesValid });
  return true;
}

/**
 * alloc_pool_huge_page() for a non-gigantic size: the next node in turn that has room; `cursor` is the hstate's own
 * unless the caller keeps one. `full` collects the nodes that had no room.
 */
export function allocPoolHugePage(s: KernelState, h: Hstate, cursor: { nextNidToAlloc: number } = h, full?: Set<number>): boolean {
  const nodes = memoryNodes(s);
  for (let tries = nodes.length; tries > 0; tries--) {
    const nid = hstateNextNodeToAlloc(cursor, nodes);
    if (allocFreshHugePage(s, h, nid)) return true;
    full?.add(nid);
  }
  return false;
}

/** The machines hvosim boots have one CPU (QEMU -smp 1): num_possible_cpus() and the default hugepage_allocation_threads. */
const NR_POSSIBLE_CPUS = 1;

/** hugetlb_pages_alloc_boot_node(): `num` pages round robin from the first online node, stopping at the first failure; returns how many it got. */
function hugetlbPagesAllocBootNode(s: KernelState, h: Hstate, num: number, full?: Set<number>): number {
  const cursor = { nextNidToAlloc: onlineNodes(s)[0] ?? 0 };
  let i = 0;
  while (i < num && allocPoolHugePage(s, h, cursor, full)) i++;
  return i;
}

/**
 * hugetlb_pages_alloc_boot() (6.12 on): the boot's non-gigantic pages, with a
 * cursor of the boot's own. With 'padata' the job goes through
 * padata_do_multithreaded(): a single call when one thread is enough, else
 * chunks of max(size / (nworks * 4), min_chunk, 1) pages, each a call of its
 * own (the helpers run them one after another on one CPU; the counts per node
 * do not depend on the order). Returns the pages allocated.
 */
function hugetlbPagesAllocBoot(s: KernelState, h: Hstate): number {
  const size = h.maxHugePages;
  if (s.kernel.bootPoolChunks === 'one-pass') return hugetlbPagesAllocBootNode(s, h, size);
  const nrMemory = Math.max(memoryNodes(s).length, 1);
  const minChunk = Math.floor(Math.floor(size / nrMemory) / 2);
  const maxThreads = nrMemory * 2;
  // padata_do_multithreaded()
  const wanted = Math.min(Math.max(Math.floor(size / Math.max(minChunk, 1)), 1), maxThreads);
  if (wanted === 1) return hugetlbPagesAllocBootNode(s, h, size);
  // padata_work_alloc_mt(): the calling task plus one work per possible CPU at most.
  const nworks = Math.min(wanted, NR_POSSIBLE_CPUS + 1);
  const chunk = Math.max(Math.floor(size / (nworks * 4)), minChunk, 1);
  let got = 0;
  const full = new Set<number>();
  for (let start = 0; start < size; start += chunk) got += hugetlbPagesAllocBootNode(s, h, Math.min(chunk, size - start), full);
  // A node that ran out while chunks remained: where its share went turns on the helpers' timing.
  if (full.size && nworks > 1) s.hugetlb.bootSpreadByTiming = { nodes: [...full].sort((a, b) => a - b), helpers: nworks };
  return got;
}

/** hugetlb_hstate_alloc_pages_onenode(): the per-node form of hugepages=. */
function hugetlbHstateAllocPagesOnenode(s: KernelState, h: Hstate, nid: number): void {
  const want = h.maxHugePagesNode.get(nid) ?? 0;
  let i = 0;
  for (; i < want; i++) {
    const ok = hstateIsGigantic(h) ? allocBootmemHugePage(s, h, nid) : allocFreshHugePage(s, h, nid);
    if (!ok) break;
  }
  i -= hugetlbFreeCrossZonePages(s, h, nid);
  if (i === want) return;
  prWarn(
    s,
    `HugeTLB: allocating ${want} of page size ${stringGetSize2(hstateSize(s, h))} failed node${nid}.  Only allocated ${i} hugepages.`,
  );
  h.maxHugePages -= want - i;
  h.maxHugePagesNode.set(nid, i);
}

/**
 * hugetlb_free_cross_zone_pages() (7.3, the zones set up already): the boot
 * pages of `h` on node `nid` that span two zones go back to memblock, with one
 * line if there were any. Returns how many.
 */
function hugetlbFreeCrossZonePages(s: KernelState, h: Hstate, nid: number): number {
  if (!s.kernel.crossZoneFreeAtAlloc || !hstateIsGigantic(h)) return 0;
  const size = hstateSize(s, h);
  let n = 0;
  // alloc_bootmem_huge_page() put the cross-zone pages at the front of the node's list, newest first.
  for (const m of hugeBootPages(s, nid)) {
    if (m.order !== h.order || m.zonesValid) continue;
    hugeBootPageDel(s, m);
    memblockPhysFree(s.memblock, m.addr, size, 'hugetlb_free_cross_zone_pages');
    n++;
  }
  if (n) printk(s, `HugeTLB: freed ${n} cross-zone hugepages of size ${stringGetSize2(size)} on node ${nid}.`);
  s.hugetlb.crossZoneFreed.set(h.order, (s.hugetlb.crossZoneFreed.get(h.order) ?? 0) + n);
  return n;
}

/**
 * hugetlb_pages_alloc_boot()'s closing line (6.16 on). The kernel prints the jiffies the allocation
 * took; hvosim has no clock and prints 0 (replay compares the line with the number left out). The
 * threads are max(num_online_cpus() / 4, 1): 1 for the one CPU hvosim boots (hugepage_alloc_threads=
 * is not modelled).
 */
function hugetlbAllocTook(s: KernelState): void {
  printk(s, 'HugeTLB: allocation took 0ms with hugepage_allocation_threads=1');
}

/** hugetlb_hstate_alloc_pages(): per node if any node was named, else spread over the nodes. */
export function hugetlbHstateAllocPages(s: KernelState, h: Hstate): void {
  // Gigantic pages at boot come from a CMA area only with hugetlb_cma_only=; with hugetlb_cma= alone, none.
  if (hstateIsGigantic(h) && hugetlbCmaTotalSize(s) && !hugetlbEarlyCma(s, h)) {
    if (h.maxHugePages) h.asked = { total: h.maxHugePages, perNode: new Map(h.maxHugePagesNode), skippedForCma: true };
    if (!s.cma.hugetlb.warnedSkip) prWarn(s, 'HugeTLB: hugetlb_cma is enabled, skip boot time allocation');
    s.cma.hugetlb.warnedSkip = true;
    return;
  }
  if (!h.maxHugePages) {
    // 6.16 had no early return: an empty pool without per-node counts still went through hugetlb_pages_alloc_boot().
    if (
      s.kernel.hugetlbAllocTookLine === 'every-small-pool' &&
      !hstateIsGigantic(h) &&
      ![...h.maxHugePagesNode.values()].some((n) => n > 0)
    )
      hugetlbAllocTook(s);
    return;
  }
  h.asked = { total: h.maxHugePages, perNode: new Map(h.maxHugePagesNode) };
  let nodeSpecific = false;
  for (const nid of [...h.maxHugePagesNode.keys()].sort((a, b) => a - b)) {
    if ((h.maxHugePagesNode.get(nid) ?? 0) > 0) {
      hugetlbHstateAllocPagesOnenode(s, h, nid);
      nodeSpecific = true;
    }
  }
  if (nodeSpecific) return;
  let i = 0;
  if (!hstateIsGigantic(h) && s.kernel.poolGrowFromNode0) i = hugetlbPagesAllocBoot(s, h);
  else {
    for (; i < h.maxHugePages; i++) {
      const ok = hstateIsGigantic(h) ? allocBootmemHugePage(s, h, NUMA_NO_NODE) : allocPoolHugePage(s, h);
      if (!ok) break;
    }
  }
  // hugetlb_gigantic_pages_alloc_boot(): for_each_node()
  for (const nid of onlineNodes(s)) i -= hugetlbFreeCrossZonePages(s, h, nid);
  if (!hstateIsGigantic(h) && s.kernel.hugetlbAllocTookLine !== 'none') hugetlbAllocTook(s);
  if (i < h.maxHugePages) {
    prWarn(
      s,
      `HugeTLB: allocating ${h.maxHugePages} of page size ${stringGetSize2(hstateSize(s, h))} failed.  Only allocated ${i} hugepages.`,
    );
    h.maxHugePages = i;
  }
}
