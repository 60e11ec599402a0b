// hvosim's own speed-up beside mm/memblock.c, not the kernel's: allocations in
// a row skip the search where its answer is known.
//
// Allocations in a row (the PTE tables of 65,000 gigantic pages, the pages
// themselves round the nodes) skip the search where its answer is known: a
// top-down allocation like the last one on its node takes the aligned spot
// just below that one when no memory came, no reservation went and no region
// changed node or flags since (allocHintFind() says why that is exact; the
// types count such changes in `grown` and `changed`). Anything else searches.
// memblockAllocTryNidRawMany() makes a run of identical calls that way and logs
// them in one go; tests hold both to the search and to calls one by one.
//
// The boot runner installs these as `mb.shortcuts` (memblockHints()) unless it
// boots stepwise; tests hold them to the search and to calls one by one.
import type { Memblock, MemblockRegion, MemblockShortcuts } from '../kernel/memblock.js';
import { memblockAllocTryNidRaw } from '../kernel/memblock.js';
import { MAX_NUMNODES, MEMBLOCK_NONE, MEMBLOCK_RSRV_KERN } from '../kernel/memblock-flags.js';
import { firstRegionEndingAbove, memblockAddRange, roundDown } from '../kernel/memblock-regions.js';
import { findEnd, findStart } from '../kernel/memblock-search.js';

/** The shortcuts: one hint per node (NUMA_NO_NODE included), where the last top-down allocation there landed. */
export class MemblockHints implements MemblockShortcuts {
  readonly hints = new Map<number, AllocHint>();
  find(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number): number {
    return allocHintFind(mb, size, align, start, end, nid, flags);
  }
  found(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number, addr: number): void {
    allocHintSet(mb, size, align, start, end, nid, flags, addr);
  }
  allocNid(mb: Memblock, fn: string, size: number, align: number, minAddr: number, maxAddr: number, nid: number, caller: string): number {
    return allocNidByHint(mb, fn, size, align, minAddr, maxAddr, nid, caller);
  }
  fork(): MemblockShortcuts {
    return new MemblockHints();
  }
}

/** A fresh set of shortcuts for one memblock. */
export function memblockHints(): MemblockHints {
  return new MemblockHints();
}

/** The hints of a memblock whose shortcuts are these, else undefined (every call searches). */
function hintsOf(mb: Memblock): Map<number, AllocHint> | undefined {
  return mb.shortcuts instanceof MemblockHints ? mb.shortcuts.hints : undefined;
}

/**
 * The last top-down find on a node that an allocation reserved: its arguments (start
 * and end as clamped), where it landed, the memory region it lay in and the
 * reserved region that holds it now, and the counters of memblock's changes
 * when it was made.
 */
export interface AllocHint {
  size: number;
  align: number;
  start: number;
  end: number;
  nid: number;
  flags: number;
  movableNode: boolean;
  addr: number;
  mem: MemblockRegion;
  res: MemblockRegion;
  resIdx: number;
  memGrown: number;
  memChanged: number;
  resChanged: number;
}

/**
 * The answer of memblockFindRangeTopDown() for the same arguments as the last
 * allocation on the node, found without the search when it can be known: -1
 * when it can't.
 *
 * That allocation's search returned the highest fit A; no free range above it had room.
 * Since then, if no memory came and no reservation went (and no region changed
 * node or flags), free space has only shrunk, so nothing above A has room now
 * either, nor has what is left of A's free range above A. The highest fit is
 * then the highest aligned spot below A, if that spot is free, on the same
 * memory region, and above `start`; otherwise the search decides.
 */
export function allocHintFind(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number): number {
  const h = hintsOf(mb)?.get(nid);
  return h && allocHintValid(mb, h, size, align, start, end, nid, flags) ? allocHintSpot(mb, h, size, align, start) : -1;
}

/** Whether a hint was left by an allocation with these arguments, and nothing that could open room above it has happened since. */
function allocHintValid(
  mb: Memblock,
  h: AllocHint,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
  flags: number,
): boolean {
  if (h.size !== size || h.align !== align || h.start !== start || h.end !== end || h.nid !== nid || h.flags !== flags) return false;
  return (
    h.movableNode === mb.movableNode &&
    h.memGrown === mb.memory.grown &&
    h.memChanged === mb.memory.changed &&
    h.resChanged === mb.reserved.changed
  );
}

/** The highest aligned spot below the hint's last allocation, if it is free, on the same memory region and above `start`; else -1. */
function allocHintSpot(mb: Memblock, h: AllocHint, size: number, align: number, start: number): number {
  const cand = roundDown(h.addr - size, align);
  if (cand < start || cand < h.mem.base) return -1;
  const res = mb.reserved.regions;
  const k = h.resIdx;
  // Free: the reservation holding A starts at or above the spot's end, and the one below it ends at or below the spot.
  if (res[k] !== h.res || h.res.base < cand + size) return -1;
  if (k > 0 && res[k - 1]!.base + res[k - 1]!.size > cand) return -1;
  return cand;
}

/**
 * Reserve the hint's free spot `cand` by growing the reservation just above
 * it down over it, when that is all memblock_add_range() would do (it touches
 * that reservation, and does not join the one below); false, and nothing
 * changed, otherwise.
 */
function allocHintGrow(mb: Memblock, h: AllocHint, cand: number, size: number, nid: number, flags: number): boolean {
  const res = mb.reserved;
  const r = h.res;
  if (r.base !== cand + size || r.nid !== nid || r.flags !== flags) return false;
  const prev = h.resIdx > 0 ? res.regions[h.resIdx - 1]! : undefined;
  if (prev !== undefined && prev.base + prev.size === cand && prev.nid === nid && prev.flags === flags) return false;
  res.grown++;
  r.base = cand;
  r.size += size;
  res.totalSize += size;
  h.addr = cand;
  return true;
}

/** Remember where a top-down find on `nid`, now reserved, landed (see allocHintFind()). */
function allocHintSet(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
  flags: number,
  addr: number,
): void {
  const mem = mb.memory.regions;
  const res = mb.reserved.regions;
  const mi = firstRegionEndingAbove(mem, addr);
  const ri = firstRegionEndingAbove(res, addr);
  const m = mem[mi];
  const r = res[ri];
  const hints = hintsOf(mb);
  if (!hints) return;
  if (!m || m.base > addr || !r || r.base > addr) {
    hints.delete(nid);
    return;
  }
  const h = hints.get(nid);
  if (h) {
    // Kept and changed in place: one object per boot, not one per allocation.
    h.size = size;
    h.align = align;
    h.start = start;
    h.end = end;
    h.nid = nid;
    h.flags = flags;
    h.movableNode = mb.movableNode;
    h.addr = addr;
    h.mem = m;
    h.res = r;
    h.resIdx = ri;
    h.memGrown = mb.memory.grown;
    h.memChanged = mb.memory.changed;
    h.resChanged = mb.reserved.changed;
    return;
  }
  hints.set(nid, {
    size,
    align,
    start,
    end,
    nid,
    flags,
    movableNode: mb.movableNode,
    addr,
    mem: m,
    res: r,
    resIdx: ri,
    memGrown: mb.memory.grown,
    memChanged: mb.memory.changed,
    resChanged: mb.reserved.changed,
  });
}

/** The node and flags memblock_alloc_range_nid() reserves an allocation on `nid` with (see Memblock.rsrvKern). */
function reservedAs(mb: Memblock, nid: number): [number, number] {
  return mb.rsrvKern ? [nid, MEMBLOCK_RSRV_KERN] : [MAX_NUMNODES, MEMBLOCK_NONE];
}

/** Whether an allocation may be placed by a hint: no faults to inject, no hook watching the calls, top-down, a real alignment and node. */
function allocQuickOk(mb: Memblock, align: number, nid: number): boolean {
  return !mb.faults && !mb.beforeCall && !mb.bottomUp && align !== 0 && nid !== MAX_NUMNODES;
}

/**
 * The spot the node's hint gives an allocation (see allocHintFind()), reserved
 * as memblock_add_range() would reserve it, the hint moved on; -1 (and nothing
 * changed) when the hint cannot say. `start` and `end` are the search's bounds.
 */
function allocHintTake(mb: Memblock, size: number, align: number, start: number, end: number, nid: number): number {
  const cand = allocHintFind(mb, size, align, start, end, nid, MEMBLOCK_NONE);
  if (cand < 0) return -1;
  const [rnid, rflags] = reservedAs(mb, nid);
  if (!allocHintGrow(mb, hintsOf(mb)!.get(nid)!, cand, size, rnid, rflags)) {
    memblockAddRange(mb.reserved, cand, size, rnid, rflags);
    allocHintSet(mb, size, align, start, end, nid, MEMBLOCK_NONE, cand);
  }
  return cand;
}

/**
 * A memblock_alloc_*_nid() call placed by the node's hint when it can say: the
 * same log and reservation as the search would leave; -1 (nothing done) when not.
 */
function allocNidByHint(
  mb: Memblock,
  fn: string,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string,
): number {
  if (allocQuickOk(mb, align, nid)) {
    const a = allocHintTake(mb, size, align, findStart(mb, minAddr), findEnd(mb, minAddr, Math.min(maxAddr, mb.currentLimit)), nid);
    if (a >= 0) {
      mb.allocCount++;
      const call = mb.calls.pushAlloc(fn, size, align, nid, minAddr, maxAddr, caller, mb.debug);
      mb.calls.pushRange('memblock_reserve', a, size, 'memblock_alloc_range_nid', mb.debug);
      mb.calls.setResult(call, a);
      return a;
    }
  }
  return -1;
}

/**
 * `count` calls of memblock_alloc_try_nid_raw() in a row with the same
 * arguments and nothing between them (the PTE tables of a gigantic page's
 * vmemmap), made by one caller or, with an array, call i by caller[i]: the
 * same log, reservations and addresses as the calls one by one.
 * A call the hint of the last one on the node can place (see allocHintFind()) skips the search
 * and grows the reservation below it in place. The addresses go to `out`
 * from index `at` on;
 * returns how many calls succeeded: the calls stop at the first that fails,
 * as the kernel's callers give up there.
 */
export function memblockAllocTryNidRawMany(
  mb: Memblock,
  count: number,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string | readonly string[],
  out: number[],
  at = 0,
): number {
  // The bounds the first search of each call uses (memblock_alloc_internal(), then memblock_find_in_range_node()).
  const start = findStart(mb, minAddr);
  const end = findEnd(mb, minAddr, Math.min(maxAddr, mb.currentLimit));
  const quick = hintsOf(mb) !== undefined && allocQuickOk(mb, align, nid);
  let i = 0;
  while (i < count) {
    // The calls the hint can place, one after another; then their log entries at once (no hook watches the log).
    let q = 0;
    const h = quick ? hintsOf(mb)!.get(nid) : undefined;
    if (h && allocHintValid(mb, h, size, align, start, end, nid, MEMBLOCK_NONE)) {
      // The hint stays valid as long as only this loop changes memblock: each call takes the free spot below
      // the last, growing the reservation above it, while that is all it takes.
      while (i + q < count) {
        const cand = allocHintSpot(mb, h, size, align, start);
        if (cand < 0 || !allocHintGrow(mb, h, cand, size, ...reservedAs(mb, nid))) break;
        out[at + i + q] = cand;
        q++;
      }
    }
    // What the tight loop left (a join, a gap): one call at a time through the hint.
    while (quick && i + q < count) {
      const cand = allocHintTake(mb, size, align, start, end, nid);
      if (cand < 0) break;
      out[at + i + q] = cand;
      q++;
    }
    if (q) {
      mb.allocCount += q;
      mb.calls.pushAllocsReserved('memblock_alloc_try_nid_raw', size, align, nid, minAddr, maxAddr, caller, mb.debug, out, at + i, q, i);
      i += q;
      continue;
    }
    // The hint cannot say: the search.
    const a = memblockAllocTryNidRaw(mb, size, align, minAddr, maxAddr, nid, typeof caller === 'string' ? caller : caller[i]!);
    if (!a) return i;
    out[at + i++] = a;
  }
  return count;
}
