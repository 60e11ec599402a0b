// mm/memblock.c: the sorted, disjoint, merged region arrays of a memblock type (memblock_add_range(),
// memblock_isolate_range(), memblock_remove_range(), memblock_merge_regions()), as the kernel keeps them.
import type { MemblockRegion, MemblockType } from './memblock.js';
import { PHYS_ADDR_MAX } from './memblock-flags.js';

/** type->cnt: the kernel keeps one empty dummy region in an empty array. */
export function memblockCnt(type: MemblockType): number {
  return Math.max(1, type.regions.length);
}

/** type->total_size */
export function memblockTotalSize(type: MemblockType): number {
  return type.totalSize;
}

/** memblock_cap_size(): keep base + size within the address space. */
function memblockCapSize(base: number, size: number): number {
  return Math.min(size, PHYS_ADDR_MAX - base);
}

/** memblock_insert_region() */
function memblockInsertRegion(type: MemblockType, idx: number, base: number, size: number, nid: number, flags: number): void {
  type.regions.splice(idx, 0, { base, size, flags, nid });
  type.totalSize += size;
}

/** memblock_remove_region() */
export function memblockRemoveRegion(type: MemblockType, idx: number): void {
  type.changed++;
  type.totalSize -= type.regions[idx]!.size;
  type.regions.splice(idx, 1);
}

/** memblock_merge_regions(): merge neighbours that touch and share node and flags. */
export function memblockMergeRegions(type: MemblockType): void {
  const regs = type.regions;
  let i = 0;
  while (i < regs.length - 1) {
    const cur = regs[i]!;
    const next = regs[i + 1]!;
    if (cur.base + cur.size !== next.base || cur.nid !== next.nid || cur.flags !== next.flags) {
      if (cur.base + cur.size > next.base) throw new Error(`memblock.${type.name}: overlapping regions at index ${i}`);
      i++;
      continue;
    }
    cur.size += next.size;
    regs.splice(i + 1, 1);
  }
}

/** Index of the first region whose end lies above addr (binary search). */
export function firstRegionEndingAbove(regs: MemblockRegion[], addr: number): number {
  // firstEndingAbove() written out for regions: it runs several times in every call.
  let lo = 0;
  let hi = regs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = regs[mid]!;
    if (r.base + r.size <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** memblock_add_range(): add [base, base+size) to a type; overlaps keep the existing region's node and flags. */
export function memblockAddRange(type: MemblockType, base: number, size: number, nid: number, flags: number): void {
  size = memblockCapSize(base, size);
  if (!size) return;
  type.grown++;
  const end = base + size;
  const regs = type.regions;
  // Regions before `idx` end at or below `base` and are untouched.
  let idx = firstRegionEndingAbove(regs, base);
  const next = regs[idx];
  if (!next || next.base >= end) {
    // Nothing overlaps: the new region would go in at idx. Where it would merge at once with a
    // neighbour, grow that neighbour instead (the regions come out the same, without inserting
    // one only to remove it), then merge on from where memblock_merge_regions() would look.
    const prev = idx > 0 ? regs[idx - 1]! : undefined;
    if (prev && prev.base + prev.size === base && prev.nid === nid && prev.flags === flags) {
      prev.size += size;
      type.totalSize += size;
      memblockMergeRegionsFrom(type, idx - 1, end);
      return;
    }
    if (next && next.base === end && next.nid === nid && next.flags === flags) {
      next.base = base;
      next.size += size;
      type.totalSize += size;
      memblockMergeRegionsFrom(type, Math.max(0, idx - 1), end);
      return;
    }
  }
  let cur = base;
  for (; idx < regs.length; idx++) {
    const r = regs[idx]!;
    const rbase = r.base;
    const rend = rbase + r.size;
    if (rbase >= end) break;
    if (rbase > cur) {
      memblockInsertRegion(type, idx, cur, rbase - cur, nid, flags);
      idx++;
    }
    cur = Math.min(rend, end);
  }
  if (cur < end) memblockInsertRegion(type, idx, cur, end - cur, nid, flags);
  memblockMergeRegionsAround(type, base, end);
}

/** memblock_merge_regions() restricted to the neighbourhood of [base, end): same result, without a full scan. */
function memblockMergeRegionsAround(type: MemblockType, base: number, end: number): void {
  memblockMergeRegionsFrom(type, Math.max(0, firstRegionEndingAbove(type.regions, base) - 1), end);
}

/** The merging of memblockMergeRegionsAround(), from region i on while regions start at or below end. */
function memblockMergeRegionsFrom(type: MemblockType, i: number, end: number): void {
  const regs = type.regions;
  while (i < regs.length - 1) {
    const cur = regs[i]!;
    if (cur.base > end) break;
    const next = regs[i + 1]!;
    if (cur.base + cur.size !== next.base || cur.nid !== next.nid || cur.flags !== next.flags) {
      i++;
      continue;
    }
    cur.size += next.size;
    regs.splice(i + 1, 1);
  }
}

/**
 * memblock_isolate_range(): split regions so that [base, base+size) starts and
 * ends on region boundaries; returns the index range [start, end) of regions inside.
 */
export function memblockIsolateRange(type: MemblockType, base: number, size: number): [number, number] {
  size = memblockCapSize(base, size);
  if (!size) return [0, 0];
  const end = base + size;
  const regs = type.regions;
  let startRgn = 0;
  let endRgn = 0;
  for (let idx = firstRegionEndingAbove(regs, base); idx < regs.length; idx++) {
    const r = regs[idx]!;
    const rbase = r.base;
    const rend = rbase + r.size;
    if (rbase >= end) break;
    if (rend <= base) continue;
    if (rbase < base) {
      // Cut off the part below base; go on with the upper part (now at idx + 1).
      r.base = base;
      r.size -= base - rbase;
      type.totalSize -= base - rbase;
      memblockInsertRegion(type, idx, rbase, base - rbase, r.nid, r.flags);
    } else if (rend > end) {
      // Cut off the part above end; look at the lower part again.
      r.base = end;
      r.size -= end - rbase;
      type.totalSize -= end - rbase;
      memblockInsertRegion(type, idx, rbase, end - rbase, r.nid, r.flags);
      idx--;
    } else {
      if (!endRgn) startRgn = idx;
      endRgn = idx + 1;
    }
  }
  return [startRgn, endRgn];
}

/** memblock_remove_range() */
export function memblockRemoveRange(type: MemblockType, base: number, size: number): void {
  const [start, end] = memblockIsolateRange(type, base, size);
  for (let i = end - 1; i >= start; i--) memblockRemoveRegion(type, i);
}

/** round_up(), for any alignment. */
export function roundUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}
/** round_down(), for any alignment. */
export function roundDown(x: number, align: number): number {
  return Math.floor(x / align) * align;
}
