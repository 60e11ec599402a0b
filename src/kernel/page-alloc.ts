// mm/memblock.c memblock_free_all() and the page allocator, as far as
// gigantic pages and HVO need them: managed pages per zone, and a count of
// free pages per node from which huge pages and page-table pages are taken.
//
// The buddy allocator itself is not modelled. Where a runtime allocation
// needs an address (a 2 MiB huge page, a PTE table for HVO), it is placed in
// the node's free memory as memblock left it (and as reserved pages were freed
// since, HVO's vmemmap among them), lowest first in the highest
// zone the caller may use (see allocPagesNode): an estimate; counts per node
// do not depend on it. Once the system runs (nr_hugepages written), each zone
// keeps its own watermark, reserve and the running system's pages
// (page-alloc-runtime.ts), and freed pages go to the zone's per-cpu list
// first: the watermarks do not count them, order-0 allocations take the
// newest of them first.
//
// Lookups that run once per page allocated or freed (the zone of a PFN, the
// zones a node allocates from) use an index built once the zones are sized
// (ZoneIndex, kept in PageAllocState): binary searches instead of scans.
// lateFreed keeps ranges, a range touching the last one extends it.
import { firstEndingAbove, firstNumberAbove } from '../util/search.js';
import { MAX_NUMNODES, MEMBLOCK_NONE, NUMA_NO_NODE } from './memblock-flags.js';
import { firstRegionEndingAbove } from './memblock-regions.js';
import { forEachFreeMemRange } from './memblock-search.js';
import type { Zone } from './mm-init.js';
import type { KernelState } from './state.js';
import { beginStep, printk } from './state.js';
import { pow2 } from '../util/units.js';
import { hugetlbInitZoneKeep, runtimeHoldEstimate, runtimePcpHigh, runtimeZoneKeep } from './page-alloc-runtime.js';

export interface FreeRange {
  start: number;
  end: number;
}

/** A zone's per-cpu list: free pages the watermarks do not count (NR_FREE_PAGES leaves them out). */
interface PerCpuList {
  /** Runs of pages in the order they were freed; the list gives the newest page first. */
  runs: { pfn: number; count: number }[];
  count: number;
}

export interface PageAllocState {
  /** Free pages per node. */
  nodeFree: Map<number, number>;
  /** Free physical ranges per node, lowest first; runtime placements take from the top. */
  freeRanges: Map<number, FreeRange[]>;
  /** What each node keeps from hugetlb_init()'s huge pages (hugetlbInitKeep()), by node id, once worked out. */
  bootKeep?: number[];
  /** What the running system holds in each zone (s.zones.zones order) when a log showed it; else it is estimated (runtimeHoldEstimate()). */
  runtimeHeld?: number[];
  /** What each zone keeps from a huge page allocated at run time (runtimeZoneKeep()), once worked out. */
  runtimeKeep?: number[];
  /** Each zone's per-cpu list at run time (s.zones.zones order): pages freed since, oldest first (pcpFree()). */
  pcp?: PerCpuList[];
  /** pcp->high of each zone at run time (runtimePcpHigh()), once worked out. */
  pcpHigh?: number[];
  /** Reserved pages freed to the allocator after memblock_free_all() (memblock still lists them as reserved). */
  lateFreed: FreeRange[];
  /** Lookups over the zones, built on first use once they are sized (not state of its own). */
  zoneIndex?: ZoneIndex;
  /** The zones' free and managed pages when hugetlb_init() ended (predictOutOfMemory() in src/model/ reads them). */
  afterHugetlbInit?: AfterHugetlbInit;
}

/** Zones are sized once (free_area_init()) and never change shape after: what per-page lookups need, computed once. */
interface ZoneIndex {
  zones: Zone[];
  /** Sorted PFN boundaries of the spanned, present zones; owner[i] is the zone of [bounds[i], bounds[i+1]) (the first in list order). */
  bounds: number[];
  owner: (Zone | undefined)[];
  /** The same over every spanned zone, present or not. */
  spanBounds: number[];
  spanOwner: (Zone | undefined)[];
  /** Zones a node allocates from, highest first: key nid * 2 + (movable ? 1 : 0). */
  allocOrder: Map<number, Zone[]>;
  /** Other values that depend only on the zones (see zonesMemo). */
  memo: Map<string, unknown>;
}

/** A value computed from the zones alone, computed once per zone layout (callers must not change it). */
export function zonesMemo<T>(s: KernelState, key: string, make: () => T): T {
  const idx = zoneIndex(s);
  if (!idx) return make();
  if (!idx.memo.has(key)) idx.memo.set(key, make());
  return idx.memo.get(key) as T;
}

/** Nodes with memory (node_states[N_MEMORY]), ascending. */
export function memoryNodes(s: KernelState): number[] {
  return zonesMemo(s, 'memoryNodes', () =>
    [...(s.zones?.nodeSpan.keys() ?? [])].filter((nid) => s.zones!.zones.some((z) => z.nid === nid && z.present > 0)).sort((a, b) => a - b),
  );
}

export function createPageAllocState(): PageAllocState {
  return { nodeFree: new Map(), freeRanges: new Map(), lateFreed: [] };
}

function zoneIndex(s: KernelState): ZoneIndex | undefined {
  const zones = s.zones?.zones;
  if (!zones) return undefined;
  const have = s.pageAlloc.zoneIndex;
  if (have && have.zones === zones) return have;
  const lookup = (live: Zone[]) => {
    const bounds = [...new Set(live.flatMap((z) => [z.startPfn, z.startPfn + z.spanned]))].sort((a, b) => a - b);
    return { bounds, owner: bounds.map((b) => live.find((z) => b >= z.startPfn && b < z.startPfn + z.spanned)) };
  };
  const { bounds, owner } = lookup(zones.filter((z) => z.spanned && z.present));
  const span = lookup(zones.filter((z) => z.spanned > 0));
  const idx: ZoneIndex = { zones, bounds, owner, spanBounds: span.bounds, spanOwner: span.owner, allocOrder: new Map(), memo: new Map() };
  s.pageAlloc.zoneIndex = idx;
  return idx;
}

/** The zone a PFN lies in, or undefined. */
export function zoneOfPfn(s: KernelState, pfn: number): Zone | undefined {
  const idx = zoneIndex(s);
  return idx ? ownerAt(idx.bounds, idx.owner, pfn) : undefined;
}

/** The first zone (in list order) whose span holds a PFN, present pages or not; undefined if none. */
export function zoneSpanningPfn(s: KernelState, pfn: number): Zone | undefined {
  const idx = zoneIndex(s);
  return idx ? ownerAt(idx.spanBounds, idx.spanOwner, pfn) : undefined;
}

/** The owner of the boundary interval holding pfn: the last boundary at or below it (binary search). */
function ownerAt(b: number[], owner: (Zone | undefined)[], pfn: number): Zone | undefined {
  const i = firstNumberAbove(b, pfn);
  return i ? owner[i - 1] : undefined;
}

/** The node of a physical address, from the memblock memory regions (early_pfn_to_nid). */
export function nidOfPhys(s: KernelState, phys: number): number {
  const regs = s.memblock.memory.regions;
  const r = regs[firstRegionEndingAbove(regs, phys)];
  return r && r.base <= phys ? r.nid : -1;
}

/** numa_node_id() on the boot CPU: the first node with memory (CPU 0 sits on node 0 on the machines modelled). */
export function bootCpuNode(s: KernelState): number {
  const spans = s.zones?.nodeSpan;
  if (!spans?.size) return 0;
  let min = Infinity;
  for (const nid of spans.keys()) if (nid < min) min = nid;
  return min;
}

/** adjust_managed_page_count(): pages join (or leave) the allocator's managed count of their zone. */
export function adjustManagedPageCount(s: KernelState, pfn: number, count: number): void {
  const z = zoneOfPfn(s, pfn);
  if (z) z.managed += count;
}

/** memblock_free_all() -> free_low_memory_core_early(): every free memblock page goes to its zone. */
export function memblockFreeAll(s: KernelState): void {
  beginStep(s, 'memblock_free_all');
  const ps = s.arch.pageSize;
  const zones = s.zones?.zones ?? [];
  for (const z of zones) z.managed = 0;
  const pa = s.pageAlloc;
  forEachFreeMemRange(s.memblock, NUMA_NO_NODE, MEMBLOCK_NONE, (start, end, m) => {
    const spfn = Math.ceil(start / ps);
    const epfn = Math.min(Math.floor(end / ps), s.maxLowPfn);
    if (spfn >= epfn) return false;
    for (const z of zones) {
      if (z.nid !== m.nid || !z.spanned) continue;
      const a = Math.max(spfn, z.startPfn);
      const b = Math.min(epfn, z.startPfn + z.spanned);
      if (a < b) z.managed += b - a;
    }
    freePagesToNode(s, m.nid, epfn - spfn);
    const list = pa.freeRanges.get(m.nid) ?? [];
    list.push({ start: spfn * ps, end: epfn * ps });
    pa.freeRanges.set(m.nid, list);
    return false;
  });
}

/** The run-time form of the allocator (nr_hugepages written once the system runs), rather than hugetlb_init()'s. */
function running(s: KernelState): boolean {
  return s.steps.at(-1)?.fn === 'set_max_huge_pages';
}

/** What each zone keeps from a huge page allocated at run time: runtimeZoneKeep() over the hold a log showed or the estimate. */
function runtimeKeep(s: KernelState): number[] {
  const pa = s.pageAlloc;
  pa.runtimeKeep ??= runtimeZoneKeep(s, pa.runtimeHeld ?? runtimeHoldEstimate(s, bootCpuNode(s), zoneFreePages(s)));
  return pa.runtimeKeep;
}

/**
 * What a node keeps back from hugetlb_init()'s huge pages: each of its zones' keep (hugetlbInitZoneKeep()), at most
 * what the zone holds, summed. The node's sum, not each zone's own check: fitted so (kernelUseAtHugetlbInitKb), and
 * the out-of-memory edge after it (src/model/) was measured on the zones this leaves. Worked out once per node.
 */
function hugetlbInitKeep(s: KernelState, nid: number): number {
  const pa = s.pageAlloc;
  if (!pa.bootKeep) {
    const free = zoneFreePages(s);
    const keep = hugetlbInitZoneKeep(s, bootCpuNode(s), free);
    const zones = s.zones?.zones ?? [];
    pa.bootKeep = [];
    zones.forEach((z, i) => (pa.bootKeep![z.nid] = (pa.bootKeep![z.nid] ?? 0) + Math.min(free[i]!, keep[i]!)));
  }
  return pa.bootKeep[nid] ?? 0;
}

/** A zone's free pages now: its share of its node's free ranges. */
function zoneFree(s: KernelState, z: Zone): number {
  const ps = s.arch.pageSize;
  const lo = z.startPfn * ps;
  const hi = (z.startPfn + z.spanned) * ps;
  let n = 0;
  for (const r of s.pageAlloc.freeRanges.get(z.nid) ?? [])
    if (r.end > lo && r.start < hi) n += (Math.min(r.end, hi) - Math.max(r.start, lo)) / ps;
  return n;
}

/** The zones an allocation on `nid` takes from, highest first (ZONE_MOVABLE only when `movable`). */
function allocZones(s: KernelState, nid: number, movable: boolean): Zone[] {
  const zi = zoneIndex(s);
  let zones = zi?.allocOrder.get(nid * 2 + (movable ? 1 : 0));
  if (!zones) {
    zones = (s.zones?.zones ?? [])
      .filter((z) => z.nid === nid && z.spanned && (movable || z.idx !== s.zones!.movableIdx))
      .sort((a, b) => b.idx - a.idx);
    zi?.allocOrder.set(nid * 2 + (movable ? 1 : 0), zones);
  }
  return zones;
}

/** node_distance() without a SLIT (QEMU gives none unless -numa dist is set): LOCAL_DISTANCE and REMOTE_DISTANCE. */
const nodeDistance = (a: number, b: number) => (a === b ? 10 : 20);

/**
 * build_all_zonelists() at boot: for each node with memory, build_zonelists()
 * orders the nodes its allocations fall back over (find_next_best_node()):
 * itself, then by distance, a node numbered below it after the others, and
 * among equals the least loaded, node_load[] shared by all the nodes' builds so
 * the first node of each distance group takes turns. No node has CPUs in its
 * mask yet when the boot builds them (the real logs' orders show no
 * PENALTY_FOR_NODE_WITH_CPUS). Prints "Fallback order for Node N: ..." as the kernel does.
 */
export function buildAllZonelists(s: KernelState): void {
  for (const [nid, order] of zonelistOrders(s)) printk(s, `Fallback order for Node ${nid}: ${order.map((n) => `${n} `).join('')}`);
}

/**
 * The nodes of each node's zonelist, in fallback order (build_zonelists() for every node with memory).
 * find_next_best_node() picks, among the unused nodes, the one of least value (distance, then the
 * lower-id penalty, then node_load), the first in id order on a tie; a node's load only changes once
 * it is picked, so one node's order is its other nodes sorted by their values when its turn begins.
 */
function zonelistOrders(s: KernelState): Map<number, number[]> {
  return zonesMemo(s, 'zonelists', () => {
    const nodes = memoryNodes(s);
    const load = new Map<number, number>();
    const orders = new Map<number, number[]>();
    for (const local of nodes) {
      const value = (n: number) => (nodeDistance(local, n) + (n < local ? 1 : 0)) * MAX_NUMNODES + (load.get(n) ?? 0);
      const rest = nodes
        .filter((n) => n !== local)
        .map((n, i) => ({ n, i, v: value(n) }))
        .sort((a, b) => a.v - b.v || a.i - b.i)
        .map((x) => x.n);
      const order = [local, ...rest];
      let prev = local;
      for (const best of order) {
        if (nodeDistance(local, best) !== nodeDistance(local, prev)) load.set(best, (load.get(best) ?? 0) + 1);
        prev = best;
      }
      orders.set(local, order);
    }
    return orders;
  });
}

/**
 * alloc_pages_node(nid, GFP_KERNEL, order) without __GFP_THISNODE: the first
 * node of nid's zonelist (buildAllZonelists()) that has a block in a zone the
 * mask allows (ZONE_NORMAL and below). A node holding only ZONE_MOVABLE gives
 * its requests to the next node. Null when none has room.
 */
export function allocPagesZonelist(s: KernelState, nid: number, order: number): number | null {
  for (const n of zonelistOrders(s).get(nid) ?? [nid]) {
    const got = allocPagesNodeBlocks(s, n, order, false, false, 1);
    if (got) return got.pfn;
  }
  return null;
}

/**
 * alloc_pages_node(nid, order) with __GFP_THISNODE: a block of 2^order pages
 * on the node, or null when it has no room left. Returns the PFN. `movable`:
 * the gfp mask allows ZONE_MOVABLE (GFP_HIGHUSER_MOVABLE, as for huge pages
 * that can migrate); else it stops at ZONE_NORMAL (page tables, vmemmap).
 *
 * Placement follows the zonelist (Movable if allowed, Normal, the DMA zones)
 * and, within a zone, the lowest free block first: memblock_free_all() hands
 * pages to the buddy lists in ascending order and to their tails, so the
 * lists give out low addresses first. An estimate: the kernel's own
 * allocations are not modelled. Once the system runs, an order-0 page comes
 * from a per-cpu list first (pcpTake()).
 */
export function allocPagesNode(s: KernelState, nid: number, order: number, keepForKernel = true, movable = false): number | null {
  if (order === 0 && s.pageAlloc.pcp) {
    const hot = pcpTake(s, nid, movable);
    if (hot !== null) return hot;
  }
  const got = allocPagesNodeBlocks(s, nid, order, keepForKernel, movable, 1);
  return got ? got.pfn : null;
}

/**
 * allocPagesNode() called up to `want` times in a row, as far as the calls
 * would take blocks one after another: the first as allocPagesNode() places
 * it, then, when it started its free range, the blocks right above it while
 * that range and its zone go on and the node has pages to give (nothing
 * below, or in a higher zone, has appeared meanwhile). The first PFN and how
 * many blocks, or null when the first call would get nothing.
 */
function allocPagesNodeBlocks(
  s: KernelState,
  nid: number,
  order: number,
  keepForKernel: boolean,
  movable: boolean,
  want: number,
): { pfn: number; count: number } | null {
  const pa = s.pageAlloc;
  const n = pow2(order);
  const free = pa.nodeFree.get(nid) ?? 0;
  // At run time each zone keeps its own watermark and reserve (zone_watermark_ok()); hugetlb_init()'s keep is the node's.
  const zoneWise = keepForKernel && running(s);
  let spare = free - (keepForKernel && !zoneWise ? hugetlbInitKeep(s, nid) : 0);
  if (spare < n) return null;
  const ps = s.arch.pageSize;
  const bytes = n * ps;
  const ranges = pa.freeRanges.get(nid) ?? [];
  const zones = s.zones?.zones ?? [];
  for (const z of allocZones(s, nid, movable)) {
    if (zoneWise) {
      const i = zones.indexOf(z);
      spare = zoneFree(s, z) - (pa.pcp?.[i]?.count ?? 0) - runtimeKeep(s)[i]!;
      if (spare < n) continue;
    }
    const lo = z.startPfn * ps;
    const hi = (z.startPfn + z.spanned) * ps;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (r.end <= lo || r.start >= hi) continue;
      const at = Math.ceil(Math.max(r.start, lo) / bytes) * bytes;
      if (at + bytes > Math.min(r.end, hi)) continue;
      if (at === r.start) {
        // The blocks start the range: what is above them stays in the range's place (or the range goes).
        const count = Math.min(want, Math.floor((Math.min(r.end, hi) - at) / bytes), Math.floor(spare / n));
        if (at + count * bytes < r.end) r.start = at + count * bytes;
        else ranges.splice(i, 1);
        pa.nodeFree.set(nid, free - count * n);
        return { pfn: at / ps, count };
      }
      // Keep what lies below and above the block as free ranges.
      const above = { start: at + bytes, end: r.end };
      r.end = at;
      if (above.end > above.start) ranges.splice(i + 1, 0, above);
      if (r.end <= r.start) ranges.splice(i, 1);
      pa.nodeFree.set(nid, free - n);
      return { pfn: at / ps, count: 1 };
    }
  }
  return null;
}

/**
 * `count` calls of allocPagesNode(s, nid, 0, false) in a row (the PTE tables
 * of a split vmemmap), the PFNs pushed to `out`; stops at the first that gets
 * nothing. Pages the calls would take one after another are taken at once
 * (allocPagesNodeBlocks()).
 */
export function allocPagesNodeRun(s: KernelState, nid: number, count: number, out: number[]): number {
  let made = 0;
  // Pages on a per-cpu list go first, one by one.
  while (made < count && s.pageAlloc.pcp) {
    const hot = pcpTake(s, nid, false);
    if (hot === null) break;
    out.push(hot);
    made++;
  }
  while (made < count) {
    const got = allocPagesNodeBlocks(s, nid, 0, false, false, s.shortcuts ? count - made : 1);
    if (!got) break;
    for (let k = 0; k < got.count; k++) out.push(got.pfn + k);
    made += got.count;
  }
  return made;
}

function freePagesToNode(s: KernelState, nid: number, count: number): void {
  s.pageAlloc.nodeFree.set(nid, (s.pageAlloc.nodeFree.get(nid) ?? 0) + count);
}

/**
 * free_reserved_area() / free_reserved_page(): reserved pages (the kernel's
 * init sections, the initrd, boot vmemmap freed by HVO) join the allocator:
 * the zone's managed count grows and the pages are free.
 */
export function freeReservedPages(s: KernelState, pfn: number, count: number): void {
  const start = pfn * s.arch.pageSize;
  const end = (pfn + count) * s.arch.pageSize;
  const freed = s.pageAlloc.lateFreed;
  const last = freed[freed.length - 1];
  if (last && last.end === start) last.end = end;
  else freed.push({ start, end });
  adjustManagedPageCount(s, pfn, count);
  const nid = nidOfPhys(s, start);
  freePagesToNode(s, nid, count);
  // The pages are free to allocate from again (a huge page HVO frees the vmemmap of may go where it was).
  addFreeRange(s.pageAlloc.freeRanges.get(nid) ?? s.pageAlloc.freeRanges.set(nid, []).get(nid)!, start, end);
  if (running(s)) pcpFree(s, pfn, count);
}

/**
 * free_unref_page() at run time: freed pages join their zone's per-cpu list,
 * which gives its oldest pages to the buddy lists (free_pcppages_bulk()) once
 * it holds more than pcp->high (runtimePcpHigh()).
 */
function pcpFree(s: KernelState, pfn: number, count: number): void {
  const zones = s.zones?.zones ?? [];
  const z = zoneOfPfn(s, pfn);
  if (!z) return;
  const i = zones.indexOf(z);
  const pa = s.pageAlloc;
  pa.pcpHigh ??= runtimePcpHigh(s);
  pa.pcp ??= zones.map(() => ({ runs: [], count: 0 }));
  const list = pa.pcp[i]!;
  list.runs.push({ pfn, count });
  list.count += count;
  let over = list.count - pa.pcpHigh[i]!;
  while (over > 0 && list.runs.length) {
    const old = list.runs[0]!;
    const n = Math.min(over, old.count);
    old.pfn += n;
    old.count -= n;
    list.count -= n;
    over -= n;
    if (!old.count) list.runs.shift();
  }
}

/**
 * rmqueue_pcplist(): an order-0 page for `nid` from the per-cpu list of the
 * first zone of its zonelist that has one, the page freed last; null when
 * none has one.
 */
function pcpTake(s: KernelState, nid: number, movable: boolean): number | null {
  const pa = s.pageAlloc;
  const zones = s.zones?.zones ?? [];
  for (const z of allocZones(s, nid, movable)) {
    const list = pa.pcp?.[zones.indexOf(z)];
    while (list?.runs.length) {
      const run = list.runs.at(-1)!;
      const pfn = run.pfn + run.count - 1;
      if (!--run.count) list.runs.pop();
      list.count--;
      // A page a 2 MiB block took meanwhile (hvosim's blocks do not skip the lists' pages) is no longer free: skipped.
      if (!takeFreeRange(pa.freeRanges.get(z.nid) ?? [], pfn * s.arch.pageSize, (pfn + 1) * s.arch.pageSize)) continue;
      pa.nodeFree.set(z.nid, (pa.nodeFree.get(z.nid) ?? 0) - 1);
      return pfn;
    }
  }
  return null;
}

/** Take [start, end) out of a node's sorted, disjoint free ranges; false when no range holds it whole. */
function takeFreeRange(ranges: FreeRange[], start: number, end: number): boolean {
  const i = firstEndingAbove(ranges, start, (r) => r.end);
  const r = ranges[i];
  if (!r || r.start > start || r.end < end) return false;
  if (r.end > end) ranges.splice(i + 1, 0, { start: end, end: r.end });
  r.end = start;
  if (r.end <= r.start) ranges.splice(i, 1);
  return true;
}

/** Put [start, end) into a node's sorted, disjoint free ranges, joining the ranges it touches. */
function addFreeRange(ranges: FreeRange[], start: number, end: number): void {
  const i = firstEndingAbove(ranges, start - 1, (r) => r.end);
  // ranges[i] is the first range ending at or after start: it touches [start, end) if it starts by end.
  if (i < ranges.length && ranges[i]!.start <= end) {
    const r = ranges[i]!;
    r.start = Math.min(r.start, start);
    r.end = Math.max(r.end, end);
    // Join the ranges after it that now touch it.
    let j = i + 1;
    while (j < ranges.length && ranges[j]!.start <= r.end) r.end = Math.max(r.end, ranges[j++]!.end);
    if (j > i + 1) ranges.splice(i + 1, j - i - 1);
    return;
  }
  ranges.splice(i, 0, { start, end });
}

/**
 * The first PFN after `pfn` whose pages freeReservedPages() (or
 * freeRuntimePages()) would count elsewhere: where the zone index's interval
 * holding `pfn` ends, or the memblock memory region (its node) changes. One
 * call for [pfn, limit) does what calls piece by piece would.
 */
export function freedAlikeUpTo(s: KernelState, pfn: number): number {
  let limit = Infinity;
  const idx = zoneIndex(s);
  if (idx) {
    const k = firstNumberAbove(idx.bounds, pfn);
    if (k < idx.bounds.length) limit = idx.bounds[k]!;
  }
  // nidOfPhys(): the region a page lies in, or none below a region's base.
  const ps = s.arch.pageSize;
  const regs = s.memblock.memory.regions;
  const r = regs[firstRegionEndingAbove(regs, pfn * ps)];
  if (r) limit = Math.min(limit, Math.floor((r.base <= pfn * ps ? r.base + r.size : r.base) / ps));
  return limit;
}

/** __free_page() of pages the buddy allocator handed out at run time: free again, managed unchanged. */
export function freeRuntimePages(s: KernelState, pfn: number, count: number): void {
  freePagesToNode(s, nidOfPhys(s, pfn * s.arch.pageSize), count);
}

// ---------------------------------------------------------------------------
// The zones' free pages and watermarks: what hugetlb_init() leaves (hugetlbInitKeepPages())
// and what src/model/out-of-memory.ts reads to say whether the rest of the boot has memory.

/** The free pages of each zone now (s.zones.zones order): the free ranges and the reserved pages freed since memblock_free_all(). */
export function zoneFreePages(s: KernelState): number[] {
  // The reserved pages freed since memblock_free_all() are among the free ranges too.
  return (s.zones?.zones ?? []).map((z) => zoneFree(s, z));
}

/** What the page allocator looked like when hugetlb_init() ended (recordAfterHugetlbInit()). */
export interface AfterHugetlbInit {
  /** Free and managed pages per zone (s.zones.zones order). */
  free: number[];
  managed: number[];
  /** Managed pages per zone before hugetlb_init() (what init_per_zone_wmark_min() saw at postcore_initcall). */
  managedBefore: number[];
}

/** Called just before hugetlb_init(): the managed pages of every zone, as the postcore initcalls saw them. */
export function recordBeforeHugetlbInit(s: KernelState): void {
  s.pageAlloc.afterHugetlbInit = { free: [], managed: [], managedBefore: (s.zones?.zones ?? []).map((z) => z.managed) };
}

/** Called when hugetlb_init() ends: the free and managed pages of every zone then. */
export function recordAfterHugetlbInit(s: KernelState): void {
  const before = s.pageAlloc.afterHugetlbInit?.managedBefore ?? [];
  s.pageAlloc.afterHugetlbInit = { free: zoneFreePages(s), managed: (s.zones?.zones ?? []).map((z) => z.managed), managedBefore: before };
}
