// mm/memblock.c: the free ranges, memory minus reserved (for_each_free_mem_range() and its reverse), and the
// search for a free range in them (memblock_find_in_range_node(), __memblock_find_range_{bottom_up,top_down}()).
import type { Memblock, MemblockRegion } from './memblock.js';
import {
  MEMBLOCK_ALLOC_ACCESSIBLE,
  MEMBLOCK_ALLOC_NOLEAKTRACE,
  MEMBLOCK_DRIVER_MANAGED,
  MEMBLOCK_HOTPLUG,
  MEMBLOCK_MIRROR,
  MEMBLOCK_NOMAP,
  NUMA_NO_NODE,
} from './memblock-flags.js';
import { firstRegionEndingAbove, roundDown, roundUp } from './memblock-regions.js';

/** should_skip_region(): memory regions an allocation must not use. */
function shouldSkipRegion(mb: Memblock, m: MemblockRegion, nid: number, flags: number): boolean {
  if (nid !== NUMA_NO_NODE && nid !== m.nid) return true;
  if (mb.movableNode && m.flags & MEMBLOCK_HOTPLUG && !(flags & MEMBLOCK_HOTPLUG)) return true;
  if (flags & MEMBLOCK_MIRROR && !(m.flags & MEMBLOCK_MIRROR)) return true;
  if (!(flags & MEMBLOCK_NOMAP) && m.flags & MEMBLOCK_NOMAP) return true;
  if (!(flags & MEMBLOCK_DRIVER_MANAGED) && m.flags & MEMBLOCK_DRIVER_MANAGED) return true;
  return false;
}

/**
 * for_each_free_mem_range(): visit the free ranges (memory minus reserved) on
 * `nid`, lowest first; the visitor returns true to stop.
 */
export function forEachFreeMemRange(
  mb: Memblock,
  nid: number,
  flags: number,
  visit: (start: number, end: number, m: MemblockRegion) => boolean,
): void {
  const res = mb.reserved.regions;
  for (const m of mb.memory.regions) {
    if (shouldSkipRegion(mb, m, nid, flags)) continue;
    const mEnd = m.base + m.size;
    let lo = m.base;
    for (let j = firstRegionEndingAbove(res, m.base); j < res.length; j++) {
      const r = res[j]!;
      if (r.base >= mEnd) break;
      if (r.base > lo && visit(lo, r.base, m)) return;
      lo = Math.max(lo, r.base + r.size);
      if (lo >= mEnd) break;
    }
    if (lo < mEnd && visit(lo, mEnd, m)) return;
  }
}

/** for_each_free_mem_range_reverse(): the same ranges, highest first. */
export function forEachFreeMemRangeReverse(
  mb: Memblock,
  nid: number,
  flags: number,
  visit: (start: number, end: number, m: MemblockRegion) => boolean,
): void {
  const mem = mb.memory.regions;
  const res = mb.reserved.regions;
  for (let i = mem.length - 1; i >= 0; i--) {
    const m = mem[i]!;
    if (shouldSkipRegion(mb, m, nid, flags)) continue;
    const mEnd = m.base + m.size;
    let hi = mEnd;
    // The last reserved region starting below the top of m.
    let j = firstRegionEndingAbove(res, mEnd);
    if (j >= res.length || res[j]!.base >= mEnd) j--;
    for (; j >= 0; j--) {
      const r = res[j]!;
      const rEnd = r.base + r.size;
      if (rEnd <= m.base) break;
      if (rEnd < hi && visit(rEnd, hi, m)) return;
      hi = Math.min(hi, r.base);
      if (hi <= m.base) break;
    }
    if (hi > m.base && visit(m.base, hi, m)) return;
  }
}

/** __memblock_find_range_bottom_up(): the free ranges of for_each_free_mem_range(), walked inline (no visitor: it runs for every allocation). */
function memblockFindRangeBottomUp(
  mb: Memblock,
  start: number,
  end: number,
  size: number,
  align: number,
  nid: number,
  flags: number,
): number {
  const down = mb.faults?.nodes;
  const res = mb.reserved.regions;
  const tryRange = (lo: number, hi: number): number => {
    const thisStart = clamp(lo, start, end);
    const thisEnd = clamp(hi, start, end);
    const cand = roundUp(thisStart, align);
    return cand < thisEnd && thisEnd - cand >= size ? cand : 0;
  };
  for (const m of mb.memory.regions) {
    if (shouldSkipRegion(mb, m, nid, flags)) continue;
    if (down?.includes(m.nid)) continue;
    const mEnd = m.base + m.size;
    let lo = m.base;
    for (let j = firstRegionEndingAbove(res, m.base); j < res.length; j++) {
      const r = res[j]!;
      if (r.base >= mEnd) break;
      if (r.base > lo) {
        const found = tryRange(lo, r.base);
        if (found) return found;
      }
      lo = Math.max(lo, r.base + r.size);
      if (lo >= mEnd) break;
    }
    if (lo < mEnd) {
      const found = tryRange(lo, mEnd);
      if (found) return found;
    }
  }
  return 0;
}

/** __memblock_find_range_top_down(): the free ranges of for_each_free_mem_range_reverse(), walked inline. */
function memblockFindRangeTopDown(
  mb: Memblock,
  start: number,
  end: number,
  size: number,
  align: number,
  nid: number,
  flags: number,
): number {
  const down = mb.faults?.nodes;
  const mem = mb.memory.regions;
  const res = mb.reserved.regions;
  for (let i = mem.length - 1; i >= 0; i--) {
    const m = mem[i]!;
    if (shouldSkipRegion(mb, m, nid, flags)) continue;
    if (down?.includes(m.nid)) continue;
    // The free ranges of m, highest first: [rEnd, hi) above each reservation, then [m.base, hi).
    const mEnd = m.base + m.size;
    let hi = mEnd;
    let j = firstRegionEndingAbove(res, mEnd);
    if (j >= res.length || res[j]!.base >= mEnd) j--;
    for (; j >= -1; j--) {
      let lo: number;
      if (j >= 0) {
        const r = res[j]!;
        const rEnd = r.base + r.size;
        if (rEnd <= m.base) {
          j = -1;
          lo = m.base;
        } else lo = rEnd;
      } else lo = m.base;
      if (j < 0 && hi <= m.base) break;
      if (lo < hi) {
        const thisStart = clamp(lo, start, end);
        const thisEnd = clamp(hi, start, end);
        if (thisEnd >= size) {
          const cand = roundDown(thisEnd - size, align);
          if (cand >= thisStart) return cand;
        }
      }
      if (j < 0) break;
      hi = Math.min(hi, res[j]!.base);
      if (hi <= m.base) break;
    }
  }
  return 0;
}

/** clamp() */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** Where memblock_find_in_range_node() starts looking: never in the first page. */
export function findStart(mb: Memblock, start: number): number {
  return Math.max(start, mb.pageSize);
}

/** Where it stops: the current limit for "accessible" memory, and never below where it starts. */
export function findEnd(mb: Memblock, start: number, end: number): number {
  return Math.max(findStart(mb, start), end === MEMBLOCK_ALLOC_ACCESSIBLE || end === MEMBLOCK_ALLOC_NOLEAKTRACE ? mb.currentLimit : end);
}

/** memblock_find_in_range_node(): a free, aligned range of `size` in [start, end) on `nid`, or 0. */
export function memblockFindInRangeNode(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
  flags: number,
): number {
  end = findEnd(mb, start, end);
  start = findStart(mb, start);
  if (mb.bottomUp) return memblockFindRangeBottomUp(mb, start, end, size, align, nid, flags);
  if (mb.faults?.nodes?.length) return memblockFindRangeTopDown(mb, start, end, size, align, nid, flags);
  const known = mb.shortcuts ? mb.shortcuts.find(mb, size, align, start, end, nid, flags) : -1;
  return known >= 0 ? known : memblockFindRangeTopDown(mb, start, end, size, align, nid, flags);
}
