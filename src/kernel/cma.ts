// mm/cma.c: the contiguous memory allocator's areas as the boot makes them: declared from memblock
// (one range where it fits, else up to CMA_MAX_RANGES free ranges above 4 GiB), handed to the page
// allocator as MIGRATE_CMA pageblocks by the core_initcall cma_init_reserved_areas(), and the pages
// an early user takes out of an area before that (cma_reserve_early()).
import { memblockAllocRangeNid, memblockEndOfDram, memblockPhysFree, memblockReserve, memblockSetBottomUp } from './memblock.js';
import { MEMBLOCK_NONE, NUMA_NO_NODE } from './memblock-flags.js';
import { roundDown, roundUp } from './memblock-regions.js';
import { forEachFreeMemRange } from './memblock-search.js';
import { freeReservedPages, zoneSpanningPfn } from './page-alloc.js';
import { PAGEBLOCK_PAGES } from './page-alloc-wmark.js';
import type { KernelState } from './state.js';
import { beginStep, prErr, printk } from './state.js';

/** CONFIG_CMA_AREAS: its Kconfig default with NUMA (the CMA build of test/fixtures/custom/7.3-cma has 20). */
const CMA_AREAS = 20;
/** CMA_MAX_RANGES (mm/cma.h): the ranges one area may take. */
const CMA_MAX_RANGES = 8;
const SZ_4G = 2 ** 32;
const SZ_1M = 2 ** 20;
const ENOMEM = 12;
const EINVAL = 22;
const ENOSPC = 28;

/** struct cma_memrange: one physical range of an area (PFNs). */
export interface CmaMemrange {
  basePfn: number;
  /** Where cma_reserve_early() takes its next pages from. */
  earlyPfn: number;
  count: number;
}

/** struct cma */
export interface Cma {
  name: string;
  nid: number;
  count: number;
  availableCount: number;
  orderPerBit: number;
  ranges: CmaMemrange[];
  /** CMA_ZONES_VALID / CMA_ZONES_INVALID once cma_validate_zones() looked. */
  zonesValid?: boolean;
  /** CMA_ACTIVATED */
  activated: boolean;
}

export interface CmaState {
  /** cma_areas[], in the order they were declared. */
  areas: Cma[];
  /** totalcma_pages: CmaTotal in /proc/meminfo. */
  totalcmaPages: number;
  /** The hugetlb_cma= state of mm/hugetlb_cma.c (hugetlb-cma.ts). */
  hugetlb: HugetlbCmaState;
}

/** The variables of mm/hugetlb_cma.c. */
export interface HugetlbCmaState {
  /** hugetlb_cma[nid]: the area of each node that has one. */
  cma: Map<number, Cma>;
  sizeInNode: Map<number, number>;
  percentInNode: Map<number, number>;
  size: number;
  percent: number;
  only: boolean;
  /** pr_warn_once() of the skipped boot-time allocation was printed. */
  warnedSkip: boolean;
}

export function createCmaState(): CmaState {
  return {
    areas: [],
    totalcmaPages: 0,
    hugetlb: { cma: new Map(), sizeInNode: new Map(), percentInNode: new Map(), size: 0, percent: 0, only: false, warnedSkip: false },
  };
}

/** CMA_MIN_ALIGNMENT_BYTES: a pageblock. */
function cmaMinAlignmentBytes(s: KernelState): number {
  return PAGEBLOCK_PAGES * s.arch.pageSize;
}

/** cma_new_area(): a slot of cma_areas[] for `size` bytes, or null when every slot is taken. */
function cmaNewArea(s: KernelState, name: string, size: number, orderPerBit: number): Cma | null {
  if (s.cma.areas.length === CMA_AREAS) {
    prErr(s, 'cma: Not enough slots for CMA reserved regions!');
    return null;
  }
  const count = size / s.arch.pageSize;
  const cma: Cma = { name, nid: NUMA_NO_NODE, count, availableCount: count, orderPerBit, ranges: [], activated: false };
  s.cma.areas.push(cma);
  s.cma.totalcmaPages += count;
  return cma;
}

/** cma_drop_area(): the last area declared gives its slot back. */
function cmaDropArea(s: KernelState, cma: Cma): void {
  s.cma.totalcmaPages -= cma.count;
  s.cma.areas.splice(s.cma.areas.indexOf(cma), 1);
}

/**
 * cma_alloc_mem(): bottom-up from 4 GiB first when there is room above it (the area then lies at the start of the
 * node, and compaction moves pages out of it), else (and on failure) top-down from `base` to `limit`. Only on `nid`.
 */
function cmaAllocMem(s: KernelState, base: number, size: number, align: number, limit: number, nid: number): number {
  const mb = s.memblock;
  let addr = 0;
  if (!mb.bottomUp && limit >= SZ_4G + size) {
    memblockSetBottomUp(mb, true);
    addr = memblockAllocRangeNid(mb, size, align, SZ_4G, limit, nid, true).addr;
    memblockSetBottomUp(mb, false);
  }
  if (!addr) addr = memblockAllocRangeNid(mb, size, align, base, limit, nid, true).addr;
  return addr;
}

/** __cma_declare_contiguous_nid() without a fixed base: one range of `size` bytes; 0 or a negative errno. */
function cmaDeclareContiguousNidInner(
  s: KernelState,
  size: number,
  limit: number,
  alignment: number,
  orderPerBit: number,
  name: string,
  nid: number,
): { err: number; cma?: Cma } {
  const memblockEnd = memblockEndOfDram(s.memblock);
  if (s.cma.areas.length === CMA_AREAS) {
    prErr(s, 'cma: Not enough slots for CMA reserved regions!');
    return { err: -ENOSPC };
  }
  if (!size) return { err: -EINVAL };
  if (alignment && (alignment & (alignment - 1)) !== 0) return { err: -EINVAL };
  alignment = Math.max(alignment, cmaMinAlignmentBytes(s));
  const base = 0;
  size = roundUp(size, alignment);
  limit = roundDown(limit, alignment);
  if ((size / s.arch.pageSize) % 2 ** orderPerBit !== 0) return { err: -EINVAL };
  if (limit === 0 || limit > memblockEnd) limit = memblockEnd;
  if (base + size > limit) {
    prErr(s, `cma: Size (${hexPa(size)}) of region at ${hexPa(base)} exceeds limit (${hexPa(limit)})`);
    return { err: -EINVAL };
  }
  const addr = cmaAllocMem(s, base, size, alignment, limit, nid);
  if (!addr) return { err: -ENOMEM };
  // cma_init_reserved_mem(): the range is reserved and aligned, so only a full table of areas can refuse it.
  const cma = cmaNewArea(s, name, size, orderPerBit);
  if (!cma) {
    memblockPhysFree(s.memblock, addr, size, 'cma_declare_contiguous_nid');
    return { err: -ENOSPC };
  }
  const pfn = addr / s.arch.pageSize;
  cma.ranges = [{ basePfn: pfn, earlyPfn: pfn, count: cma.count }];
  cma.nid = nid;
  return { err: 0, cma };
}

/** %pa: a physical address as the kernel prints it. */
function hexPa(x: number): string {
  return `0x${x.toString(16).padStart(16, '0')}`;
}

interface InitMemrange {
  base: number;
  size: number;
}

/** list_insert_sorted(): before the first entry `cmp` holds for, else before the last entry (as the kernel's loop leaves it). */
function listInsertSorted(list: InitMemrange[], mrp: InitMemrange, cmp: (l: InitMemrange, r: InitMemrange) => boolean): void {
  if (!list.length) {
    list.push(mrp);
    return;
  }
  const i = list.findIndex((l) => cmp(l, mrp));
  list.splice(i >= 0 ? i : list.length - 1, 0, mrp);
}

/**
 * cma_declare_contiguous_multi(): an area of `totalSize` bytes on `nid`, in one range if memblock has one, else
 * over up to CMA_MAX_RANGES free ranges above 4 GiB. Returns the area, or a negative errno; prints the outcome.
 */
export function cmaDeclareContiguousMulti(
  s: KernelState,
  totalSize: number,
  align: number,
  orderPerBit: number,
  name: string,
  nid: number,
): { err: number; cma?: Cma } {
  const mib = Math.floor(totalSize / SZ_1M);
  const first = cmaDeclareContiguousNidInner(s, totalSize, 0, align, orderPerBit, name, nid);
  if (first.err !== -ENOMEM) {
    if (first.err) prErr(s, `cma: Failed to reserve ${mib} MiB`);
    else printk(s, `cma: Reserved ${mib} MiB in 1 range`);
    return first;
  }
  const cma = cmaNewArea(s, name, totalSize, orderPerBit);
  if (!cma) {
    prErr(s, `cma: Failed to reserve ${mib} MiB`);
    return { err: -ENOSPC };
  }
  align = Math.max(align, cmaMinAlignmentBytes(s));
  const unit = s.arch.pageSize * 2 ** orderPerBit;
  const ranges: InitMemrange[] = [];
  let sizesum = 0;
  forEachFreeMemRange(s.memblock, nid, MEMBLOCK_NONE, (rStart, rEnd) => {
    if (rStart < SZ_4G) return false;
    const start = roundUp(rStart, align);
    if (start >= rEnd) return false;
    const end = roundDown(rEnd, align);
    if (end <= start) return false;
    const size = roundDown(end - start, unit);
    if (!size) return false;
    sizesum += size;
    if (ranges.length >= CMA_MAX_RANGES) {
      const last = ranges[ranges.length - 1]!;
      if (size < last.size) return false;
      ranges.pop();
      sizesum -= last.size;
    }
    listInsertSorted(ranges, { base: start, size }, (l, r) => l.size > r.size);
    return false;
  });
  if (sizesum < totalSize) {
    cmaDropArea(s, cma);
    prErr(s, `cma: Failed to reserve ${mib} MiB`);
    return { err: -ENOMEM };
  }
  // By address, lowest first, as a bottom-up allocation would go, until they hold the total.
  const final: InitMemrange[] = [];
  sizesum = 0;
  for (const mlp of ranges) {
    listInsertSorted(final, mlp, (l, r) => l.base < r.base);
    sizesum += mlp.size;
    if (sizesum >= totalSize) break;
  }
  let sizeleft = totalSize;
  for (const mlp of final) {
    const size = Math.min(sizeleft, mlp.size);
    memblockReserve(s.memblock, mlp.base, size, 'cma_declare_contiguous_multi');
    const pfn = mlp.base / s.arch.pageSize;
    cma.ranges.push({ basePfn: pfn, earlyPfn: pfn, count: size / s.arch.pageSize });
    sizeleft -= size;
    if (sizeleft === 0) break;
  }
  cma.nid = nid;
  const nr = cma.ranges.length;
  printk(s, `cma: Reserved ${mib} MiB in ${nr} range${nr === 1 ? '' : 's'}`);
  return { err: 0, cma };
}

/** cma_validate_zones(): no range of the area spans two zones (the answer is kept). */
export function cmaValidateZones(s: KernelState, cma: Cma): boolean {
  if (cma.zonesValid !== undefined) return cma.zonesValid;
  cma.zonesValid = cma.ranges.every((r) => !pfnRangeIntersectsZones(s, cma.nid, r.basePfn, r.count));
  return cma.zonesValid;
}

/** pfn_range_intersects_zones(): the PFNs meet more than one spanned zone of the node. */
function pfnRangeIntersectsZones(s: KernelState, nid: number, start: number, count: number): boolean {
  let hits = 0;
  for (const z of s.zones?.zones ?? [])
    if (z.nid === nid && z.spanned > 0 && z.startPfn < start + count && start < z.startPfn + z.spanned) hits++;
  return hits > 1;
}

/**
 * cma_reserve_early(): `size` bytes from the bottom of the first range with room, before the area is activated
 * (those pages never reach the page allocator). Returns the physical address, or 0.
 */
export function cmaReserveEarly(s: KernelState, cma: Cma | undefined, size: number): number {
  if (!cma?.count || cma.activated) return 0;
  if (size % cmaMinAlignmentBytes(s) !== 0 || size % (s.arch.pageSize * 2 ** cma.orderPerBit) !== 0) return 0;
  const pages = size / s.arch.pageSize;
  if (pages > cma.availableCount) return 0;
  for (const r of cma.ranges) {
    if (pages <= r.count - (r.earlyPfn - r.basePfn)) {
      const addr = r.earlyPfn * s.arch.pageSize;
      r.earlyPfn += pages;
      cma.availableCount -= pages;
      return addr;
    }
  }
  return 0;
}

/** cma_activate_area(): the area's pages (but those taken early) join the allocator, or all of them if it spans zones. */
function cmaActivateArea(s: KernelState, cma: Cma): void {
  if (!cmaValidateZones(s, cma)) {
    for (const r of cma.ranges) freeReservedPages(s, r.earlyPfn, r.basePfn + r.count - r.earlyPfn);
    s.cma.totalcmaPages -= cma.count;
    cma.availableCount = cma.count = 0;
    prErr(s, `CMA area ${cma.name} could not be activated`);
    return;
  }
  // init_cma_reserved_pageblock() per pageblock: free, managed, MIGRATE_CMA.
  for (const r of cma.ranges) freeReservedPages(s, r.earlyPfn, r.basePfn + r.count - r.earlyPfn);
  cma.activated = true;
}

/** cma_init_reserved_areas() (core_initcall) */
export function cmaInitReservedAreas(s: KernelState): void {
  if (!s.cma.areas.length) return;
  beginStep(s, 'cma_init_reserved_areas');
  for (const cma of s.cma.areas) cmaActivateArea(s, cma);
}

/** The CMA pages of a zone (zone->cma_pages): its share of the activated areas, and of early pages taken from them. */
export function zoneCmaPages(s: KernelState, nid: number, zoneName: string): number {
  let n = 0;
  for (const cma of s.cma.areas) {
    if (!cma.count) continue;
    for (const r of cma.ranges) {
      const z = zoneSpanningPfn(s, r.basePfn);
      if (z && z.nid === nid && z.name === zoneName) n += r.count;
    }
  }
  return n;
}

/** The pages of the areas no early user took (CmaFree of an idle system: nothing has allocated from them yet). */
export function cmaFreePages(s: KernelState): number {
  let n = 0;
  for (const cma of s.cma.areas) if (cma.count) n += cma.availableCount;
  return n;
}
