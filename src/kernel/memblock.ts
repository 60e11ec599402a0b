// mm/memblock.c: the boot-time memory allocator.
//
// Memory and reservations are kept as sorted, disjoint, merged arrays of
// regions, exactly as the kernel keeps them; every allocation walks the free
// ranges (memory minus reserved) the way the kernel's iterators do, so the
// result of each call is the address the kernel would return.
//
// Addresses are plain numbers: exact up to 2^53, which covers every physical
// address a machine can have. The top of the address space (PHYS_ADDR_MAX) is
// modelled as 2^64, so "size capped at the end of the address space" behaves
// as in the kernel for every base below it.
//
// The calls themselves are recorded in a compact log (src/kernel/memblock-call-log.ts,
// hvosim's own structure): read it as the array of calls the kernel made.
//
// Allocations in a row may skip the search where hvosim knows its answer:
// src/sim/memblock-hints.ts, installed as `mb.shortcuts` by the boot runner
// unless it boots stepwise.
//
// Under the calls, in files of their own: memblock-flags.ts (the flags and
// limits), memblock-regions.ts (a type's region arrays) and memblock-search.ts
// (the free ranges and the search for a free range in them).

import {
  MAX_NUMNODES,
  MEMBLOCK_ALLOC_ACCESSIBLE,
  MEMBLOCK_ALLOC_ANYWHERE,
  MEMBLOCK_NONE,
  MEMBLOCK_RSRV_KERN,
  NUMA_NO_NODE,
} from './memblock-flags.js';
import {
  firstRegionEndingAbove,
  memblockAddRange,
  memblockCnt,
  memblockIsolateRange,
  memblockMergeRegions,
  memblockRemoveRange,
  memblockRemoveRegion,
  memblockTotalSize,
  roundDown,
  roundUp,
} from './memblock-regions.js';
import { findEnd, findStart, memblockFindInRangeNode } from './memblock-search.js';
// Still exported from here for the files that import them from memblock.js (src/arch, trace/replay.ts, simulator.ts).
export { MAX_NUMNODES, MEMBLOCK_HOTPLUG, PHYS_ADDR_MAX } from './memblock-flags.js';
export { memblockAddRange, memblockRemoveRange } from './memblock-regions.js';
export { forEachFreeMemRange } from './memblock-search.js';

import { hex, pa } from '../util/format.js';
import { MemblockCallLog } from './memblock-call-log.js';
import { DEFAULT_ARCH } from '../asm/index.js';

const SMP_CACHE_BYTES = 64;

export interface MemblockRegion {
  base: number;
  size: number;
  flags: number;
  nid: number;
}

export interface MemblockType {
  name: 'memory' | 'reserved';
  regions: MemblockRegion[];
  /**
   * type->total_size, kept as the kernel keeps it: memblock_trim_memory()
   * shrinks regions without updating it, so it can exceed the sum of sizes.
   */
  totalSize: number;
  /** Changes that added to the type's coverage (memblock_add_range()). */
  grown: number;
  /** Changes that took coverage away, or changed a region's node, flags or bounds. */
  changed: number;
}

/** One recorded call, printable in the kernel's memblock=debug format. */
export interface MemblockCall {
  /** Kernel function name: memblock_add, memblock_reserve, memblock_alloc_try_nid, ... */
  fn: string;
  /** The caller (%pS without the offset). */
  caller: string;
  /** For range calls: base and size. */
  base?: number;
  size: number;
  align?: number;
  nid?: number;
  flags?: number;
  from?: number;
  maxAddr?: number;
  /** For allocations: the physical address returned, or 0 on failure. */
  result?: number;
  /** Whether memblock=debug was printing when the call was made. */
  printed: boolean;
}

/** A call as made or as read from a log, before recording says whether it was printed. */
export type MemblockCallArgs = Omit<MemblockCall, 'printed'>;

export interface Memblock {
  /** PAGE_SIZE of the architecture: nothing is ever found in the first page. */
  pageSize: number;
  memory: MemblockType;
  reserved: MemblockType;
  currentLimit: number;
  bottomUp: boolean;
  /** movable_node_is_enabled(): skip hotpluggable memory when allocating. */
  movableNode: boolean;
  /** Every call, in order; those made while `debug` was on are the ones memblock=debug prints. */
  calls: MemblockCallLog;
  /** memblock=debug: whether calls are printed. */
  debug: boolean;
  /** Called before each call is recorded (a replay interleaves other subsystems' calls here). */
  beforeCall?: (mb: Memblock, call: MemblockCallArgs) => void;
  /** Injected allocation failures (fault injection); none when absent. */
  faults?: MemblockFaults;
  /** Allocation calls made so far (numbered from 1 for `faults.nth`). */
  allocCount: number;
  /** The boot step making the calls (for faults limited to a step). */
  step?: string;
  /** hvosim's shortcuts for allocations in a row (src/sim/memblock-hints.ts), or null: every call searches. */
  shortcuts: MemblockShortcuts | null;
  /**
   * Reservations name a node and flags (__memblock_reserve()): memblock_reserve() NUMA_NO_NODE and no flags,
   * memblock_reserve_kern() and the allocators MEMBLOCK_RSRV_KERN (the allocators with the node asked).
   * Otherwise every reservation is MAX_NUMNODES without flags.
   */
  rsrvKern: boolean;
}

/**
 * What hvosim may put beside memblock to skip searches whose answer it knows
 * (src/sim/memblock-hints.ts): each hook answers exactly as the search would,
 * or says it cannot (-1) and leaves everything as it was.
 */
export interface MemblockShortcuts {
  /** memblock_find_in_range_node()'s answer without the search, or -1. */
  find(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number): number;
  /** A top-down find within [start, end) on `nid`, now reserved, landed at `addr`. */
  found(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number, addr: number): void;
  /** A memblock_alloc_*_nid() call placed, reserved and recorded without the search: its address, or -1 (nothing done). */
  allocNid(mb: Memblock, fn: string, size: number, align: number, minAddr: number, maxAddr: number, nid: number, caller: string): number;
  /** The same shortcuts, knowing nothing yet, for a copy of the memblock. */
  fork(): MemblockShortcuts;
}

/**
 * Allocation failures to inject, as a kernel developer would with
 * fail_memblock-style debugging: the Nth allocation, every allocation asked
 * by a named kernel function, or memory of a node that is never handed out.
 */
export interface MemblockFaults {
  /** Fail these allocations (1 = the first allocation call of the boot). */
  nth?: number[];
  /** Fail every allocation whose caller is one of these kernel functions ("name", or "name@step": only within that boot step). */
  callers?: string[];
  /** Never hand out memory of these nodes (allocations fall back as the kernel's do). */
  nodes?: number[];
}

/** Whether an injected fault makes this allocation call fail outright. */
function faultFails(mb: Memblock, caller: string): boolean {
  mb.allocCount++;
  const f = mb.faults;
  if (!f) return false;
  return !!(f.nth?.includes(mb.allocCount) || f.callers?.some((c) => c === caller || c === `${caller}@${mb.step}`));
}

/** An empty memblock; `pageSize` is the architecture's (the default architecture's when not given). */
export function memblockCreate(opts: { debug?: boolean; pageSize?: number; rsrvKern?: boolean } = {}): Memblock {
  return {
    pageSize: opts.pageSize ?? DEFAULT_ARCH.pageSize,
    memory: { name: 'memory', regions: [], totalSize: 0, grown: 0, changed: 0 },
    reserved: { name: 'reserved', regions: [], totalSize: 0, grown: 0, changed: 0 },
    currentLimit: MEMBLOCK_ALLOC_ANYWHERE,
    bottomUp: false,
    movableNode: false,
    calls: new MemblockCallLog(),
    debug: opts.debug ?? true,
    allocCount: 0,
    shortcuts: null,
    rsrvKern: opts.rsrvKern ?? false,
  };
}

/** A deep copy, so a boot can be forked (fault injection, what-if runs). */
export function memblockClone(mb: Memblock): Memblock {
  const copy = (t: MemblockType): MemblockType => ({
    name: t.name,
    regions: t.regions.map((r) => ({ ...r })),
    totalSize: t.totalSize,
    grown: t.grown,
    changed: t.changed,
  });
  // The hint points at the original's regions: the copy starts without one.
  return { ...mb, memory: copy(mb.memory), reserved: copy(mb.reserved), calls: mb.calls.clone(), shortcuts: mb.shortcuts?.fork() ?? null };
}

/** Record a call given as an object (kept as it is). */
function record(mb: Memblock, call: MemblockCallArgs): MemblockCall {
  if (mb.beforeCall) mb.beforeCall(mb, call);
  const c = call as MemblockCall;
  c.printed = mb.debug;
  mb.calls.push(c);
  return c;
}

/** Record a range call (memblock_add, _remove, _reserve, _phys_free). */
function recordRange(mb: Memblock, fn: string, base: number, size: number, caller: string): void {
  if (mb.beforeCall) mb.beforeCall(mb, { fn, base, size, caller });
  mb.calls.pushRange(fn, base, size, caller, mb.debug);
}

/** Record an allocation call (nid undefined: memblock_phys_alloc_range); returns its index in the log, for its result. */
function recordAlloc(
  mb: Memblock,
  fn: string,
  size: number,
  align: number,
  nid: number | undefined,
  from: number,
  maxAddr: number,
  caller: string,
): number {
  if (mb.beforeCall)
    mb.beforeCall(mb, nid === undefined ? { fn, size, align, from, maxAddr, caller } : { fn, size, align, nid, from, maxAddr, caller });
  return mb.calls.pushAlloc(fn, size, align, nid, from, maxAddr, caller, mb.debug);
}

/** memblock_add() */
export function memblockAdd(mb: Memblock, base: number, size: number, caller = 'memblock_add'): void {
  recordRange(mb, 'memblock_add', base, size, caller);
  memblockAddRange(mb.memory, base, size, MAX_NUMNODES, MEMBLOCK_NONE);
}

/** memblock_add_node() */
export function memblockAddNode(mb: Memblock, base: number, size: number, nid: number, flags: number, caller = 'memblock_add_node'): void {
  record(mb, { fn: 'memblock_add_node', base, size, nid, flags, caller });
  memblockAddRange(mb.memory, base, size, nid, flags);
}

/** memblock_remove() */
export function memblockRemove(mb: Memblock, base: number, size: number, caller = 'memblock_remove'): void {
  recordRange(mb, 'memblock_remove', base, size, caller);
  memblockRemoveRange(mb.memory, base, size);
}

/** memblock_reserve() */
export function memblockReserve(mb: Memblock, base: number, size: number, caller = 'memblock_reserve'): void {
  recordRange(mb, 'memblock_reserve', base, size, caller);
  memblockAddRange(mb.reserved, base, size, mb.rsrvKern ? NUMA_NO_NODE : MAX_NUMNODES, MEMBLOCK_NONE);
}

/** memblock_reserve_kern(): memblock_reserve() of memory the kernel itself uses (its image, the initrd). */
export function memblockReserveKern(mb: Memblock, base: number, size: number, caller = 'memblock_reserve_kern'): void {
  if (!mb.rsrvKern) return memblockReserve(mb, base, size, caller);
  recordRange(mb, 'memblock_reserve', base, size, caller);
  memblockAddRange(mb.reserved, base, size, NUMA_NO_NODE, MEMBLOCK_RSRV_KERN);
}

/** memblock_phys_free(): give a reservation (or part of one) back. */
export function memblockPhysFree(mb: Memblock, base: number, size: number, caller = 'memblock_phys_free'): void {
  recordRange(mb, 'memblock_phys_free', base, size, caller);
  memblockRemoveRange(mb.reserved, base, size);
}

/** memblock_set_node(): assign a node to the regions of a type inside a range. */
export function memblockSetNode(mb: Memblock, base: number, size: number, type: MemblockType, nid: number): void {
  void mb;
  type.changed++;
  const [start, end] = memblockIsolateRange(type, base, size);
  for (let i = start; i < end; i++) type.regions[i]!.nid = nid;
  memblockMergeRegions(type);
}

/** memblock_set_current_limit() */
export function memblockSetCurrentLimit(mb: Memblock, limit: number): void {
  mb.currentLimit = limit;
}

/** memblock_set_bottom_up() */
export function memblockSetBottomUp(mb: Memblock, enable: boolean): void {
  mb.bottomUp = enable;
}

/** memblock_trim_memory(): drop partial pages at both ends of every memory region. */
export function memblockTrimMemory(mb: Memblock, align: number): void {
  mb.memory.changed++;
  const regs = mb.memory.regions;
  for (let i = 0; i < regs.length; i++) {
    const r = regs[i]!;
    const start = roundUp(r.base, align);
    const end = roundDown(r.base + r.size, align);
    if (start === r.base && end === r.base + r.size) continue;
    if (start < end) {
      r.base = start;
      r.size = end - start;
    } else {
      memblockRemoveRegion(mb.memory, i);
      i--;
    }
  }
}

/** memblock_mark_hotplug() / memblock_clear_hotplug() / memblock_mark_nomap() ...: set or clear a flag on a memory range. */
export function memblockSetclrFlag(mb: Memblock, base: number, size: number, set: boolean, flag: number): void {
  mb.memory.changed++;
  const [start, end] = memblockIsolateRange(mb.memory, base, size);
  for (let i = start; i < end; i++) {
    const r = mb.memory.regions[i]!;
    r.flags = set ? r.flags | flag : r.flags & ~flag;
  }
  memblockMergeRegions(mb.memory);
}

/** memblock_find_in_range_node() and the reservation of what it found (memblock_alloc_range_nid()'s two steps); 0 if nothing was found. */
function memblockFindAndReserve(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number): number {
  const found = memblockFindInRangeNode(mb, size, align, start, end, nid, flags);
  if (!found) return 0;
  recordRange(mb, 'memblock_reserve', found, size, 'memblock_alloc_range_nid');
  if (mb.rsrvKern) memblockAddRange(mb.reserved, found, size, nid, MEMBLOCK_RSRV_KERN);
  else memblockAddRange(mb.reserved, found, size, MAX_NUMNODES, MEMBLOCK_NONE);
  if (mb.shortcuts && !mb.bottomUp && !mb.faults?.nodes?.length)
    mb.shortcuts.found(mb, size, align, findStart(mb, start), findEnd(mb, start, end), nid, flags, found);
  return found;
}

/**
 * An allocation's outcome beyond its address, for tools that explain boots:
 * whether it had to leave the asked node or drop its low limit.
 */
export interface AllocOutcome {
  addr: number;
  /** The node fallback (NUMA_NO_NODE) was needed. */
  fellBackToAnyNode: boolean;
  /** The retry without the lower limit was needed. */
  droppedLowLimit: boolean;
}

/** memblock_alloc_range_nid(): find and reserve; on failure on `nid`, try any node unless exact. */
export function memblockAllocRangeNid(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
  nid: number,
  exactNid: boolean,
): AllocOutcome {
  const flags = MEMBLOCK_NONE;
  if (!align) align = SMP_CACHE_BYTES; // the kernel dumps a stack and goes on
  if (nid === MAX_NUMNODES) nid = NUMA_NO_NODE; // deprecated spelling, warned once
  let found = memblockFindAndReserve(mb, size, align, start, end, nid, flags);
  if (found) return { addr: found, fellBackToAnyNode: false, droppedLowLimit: false };
  if (nid !== NUMA_NO_NODE && !exactNid) {
    found = memblockFindAndReserve(mb, size, align, start, end, NUMA_NO_NODE, flags);
    if (found) return { addr: found, fellBackToAnyNode: true, droppedLowLimit: false };
  }
  return { addr: 0, fellBackToAnyNode: false, droppedLowLimit: false };
}

/** memblock_phys_alloc_range() */
export function memblockPhysAllocRange(mb: Memblock, size: number, align: number, start: number, end: number, caller: string): number {
  const call = recordAlloc(mb, 'memblock_phys_alloc_range', size, align, undefined, start, end, caller);
  const addr = faultFails(mb, caller) ? 0 : memblockAllocRangeNid(mb, size, align, start, end, NUMA_NO_NODE, false).addr;
  mb.calls.setResult(call, addr);
  return addr;
}

/** memblock_phys_alloc_try_nid(): not printed by memblock=debug; only its reservation shows. */
export function memblockPhysAllocTryNid(mb: Memblock, size: number, align: number, nid: number): number {
  return memblockAllocRangeNid(mb, size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false).addr;
}

/** memblock_alloc_internal(): clamp to the current limit, retry without the low limit. */
export function memblockAllocInternal(
  mb: Memblock,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  exactNid: boolean,
): AllocOutcome {
  if (maxAddr > mb.currentLimit) maxAddr = mb.currentLimit;
  const first = memblockAllocRangeNid(mb, size, align, minAddr, maxAddr, nid, exactNid);
  if (first.addr || !minAddr) return first;
  const retry = memblockAllocRangeNid(mb, size, align, 0, maxAddr, nid, exactNid);
  return { ...retry, droppedLowLimit: retry.addr !== 0 };
}

/**
 * memblock_alloc_try_nid() and friends: a call recorded, faults injected, then
 * memblock_alloc_internal(). hvosim's shortcuts (when installed) may place the
 * call without the search, with the same log and reservation.
 */
function allocNidAddr(
  mb: Memblock,
  fn: string,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  exactNid: boolean,
  caller: string,
): number {
  if (mb.shortcuts) {
    const a = mb.shortcuts.allocNid(mb, fn, size, align, minAddr, maxAddr, nid, caller);
    if (a >= 0) return a;
  }
  return allocNidCall(mb, fn, size, align, minAddr, maxAddr, nid, exactNid, caller).addr;
}

function allocNidCall(
  mb: Memblock,
  fn: string,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  exactNid: boolean,
  caller: string,
): AllocOutcome {
  const call = recordAlloc(mb, fn, size, align, nid, minAddr, maxAddr, caller);
  const out = faultFails(mb, caller)
    ? { addr: 0, fellBackToAnyNode: false, droppedLowLimit: false }
    : memblockAllocInternal(mb, size, align, minAddr, maxAddr, nid, exactNid);
  mb.calls.setResult(call, out.addr);
  return out;
}

/** memblock_alloc_try_nid(): zeroed memory, any node as a fallback. Returns the physical address or 0. */
export function memblockAllocTryNid(
  mb: Memblock,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string,
): number {
  return allocNidAddr(mb, 'memblock_alloc_try_nid', size, align, minAddr, maxAddr, nid, false, caller);
}

/** memblock_alloc_try_nid_raw(): as memblock_alloc_try_nid, not zeroed. */
export function memblockAllocTryNidRaw(
  mb: Memblock,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string,
): number {
  return allocNidAddr(mb, 'memblock_alloc_try_nid_raw', size, align, minAddr, maxAddr, nid, false, caller);
}

/** memblock_alloc_exact_nid_raw(): only on `nid`, no node fallback. */
export function memblockAllocExactNidRaw(
  mb: Memblock,
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string,
): number {
  return allocNidAddr(mb, 'memblock_alloc_exact_nid_raw', size, align, minAddr, maxAddr, nid, true, caller);
}

/** The same three, returning the whole outcome (for explanations). */
export function memblockAllocNidOutcome(
  mb: Memblock,
  fn: 'memblock_alloc_try_nid' | 'memblock_alloc_try_nid_raw' | 'memblock_alloc_exact_nid_raw',
  size: number,
  align: number,
  minAddr: number,
  maxAddr: number,
  nid: number,
  caller: string,
): AllocOutcome {
  return allocNidCall(mb, fn, size, align, minAddr, maxAddr, nid, fn === 'memblock_alloc_exact_nid_raw', caller);
}

/** memblock_is_region_reserved(): does [base, base+size) overlap a reservation? */
export function memblockIsRegionReserved(mb: Memblock, base: number, size: number): boolean {
  const res = mb.reserved.regions;
  const j = firstRegionEndingAbove(res, base);
  return j < res.length && res[j]!.base < base + size;
}

/** memblock_is_region_memory(): is [base, base+size) inside one memory region? */
export function memblockIsRegionMemory(mb: Memblock, base: number, size: number): boolean {
  const mem = mb.memory.regions;
  const j = firstRegionEndingAbove(mem, base);
  if (j >= mem.length) return false;
  const r = mem[j]!;
  return r.base <= base && base + size <= r.base + r.size;
}

/** memblock_phys_mem_size() */
export function memblockPhysMemSize(mb: Memblock): number {
  return memblockTotalSize(mb.memory);
}

/** memblock_reserved_size() */
export function memblockReservedSize(mb: Memblock): number {
  return memblockTotalSize(mb.reserved);
}

/** memblock_start_of_DRAM() */
export function memblockStartOfDram(mb: Memblock): number {
  return mb.memory.regions[0]?.base ?? 0;
}

/** memblock_end_of_DRAM() */
export function memblockEndOfDram(mb: Memblock): number {
  const r = mb.memory.regions[mb.memory.regions.length - 1];
  return r ? r.base + r.size : 0;
}

/** The line memblock_dbg() prints for a call (the caller without its +off/size). */
export function memblockDbgLine(c: MemblockCall): string {
  switch (c.fn) {
    case 'memblock_add':
    case 'memblock_remove':
    case 'memblock_reserve':
    case 'memblock_phys_free':
      return `${c.fn}: [${pa(c.base!)}-${pa(c.base! + c.size - 1)}] ${c.caller}`;
    case 'memblock_add_node':
      return `${c.fn}: [${pa(c.base!)}-${pa(c.base! + c.size - 1)}] nid=${c.nid} flags=${(c.flags ?? 0).toString(16)} ${c.caller}`;
    case 'memblock_phys_alloc_range':
      return `${c.fn}: ${c.size} bytes align=${hex(c.align!)} from=${pa(c.from!)} max_addr=${pa(c.maxAddr!)} ${c.caller}`;
    default:
      return `${c.fn}: ${c.size} bytes align=${hex(c.align!)} nid=${c.nid} from=${pa(c.from!)} max_addr=${pa(c.maxAddr!)} ${c.caller}`;
  }
}

/** memblock_dump_all(): the "MEMBLOCK configuration:" block. */
export function memblockDumpAll(mb: Memblock): string[] {
  const out = ['MEMBLOCK configuration:'];
  out.push(` memory size = ${pa(memblockPhysMemSize(mb))} reserved size = ${pa(memblockReservedSize(mb))}`);
  for (const type of [mb.memory, mb.reserved]) {
    out.push(` ${type.name}.cnt  = ${hex(memblockCnt(type))}`);
    const regs = type.regions.length ? type.regions : [{ base: 0, size: 0, flags: 0, nid: MAX_NUMNODES }];
    regs.forEach((r, i) => {
      const node = r.nid >= 0 && r.nid !== MAX_NUMNODES ? ` on node ${r.nid}` : '';
      out.push(` ${type.name}[${hex(i)}]\t[${pa(r.base)}-${pa(r.base + r.size - 1)}], ${pa(r.size)} bytes${node} flags: ${hex(r.flags)}`);
    });
  }
  return out;
}

export interface PfnRange {
  start: number;
  end: number;
  nid: number;
}

/** for_each_mem_pfn_range(): whole pages of each memory region (of `nid`, or all with MAX_NUMNODES). */
export function memblockPfnRanges(mb: Memblock, nid: number = MAX_NUMNODES, pageSize = mb.pageSize): PfnRange[] {
  const out: PfnRange[] = [];
  for (const r of mb.memory.regions) {
    if (nid !== MAX_NUMNODES && r.nid !== nid) continue;
    const start = Math.ceil(r.base / pageSize);
    const end = Math.floor((r.base + r.size) / pageSize);
    if (start < end) out.push({ start, end, nid: r.nid });
  }
  return out;
}

/**
 * A call another subsystem made, applied as the log shows it: an allocation
 * takes the address the kernel printed (0: it failed) instead of searching.
 */
export function memblockApplyLogged(mb: Memblock, call: MemblockCallArgs, result: number): void {
  const hook = mb.beforeCall;
  mb.beforeCall = undefined;
  try {
    switch (call.fn) {
      case 'memblock_add':
        return memblockAdd(mb, call.base!, call.size, call.caller);
      case 'memblock_add_node':
        return memblockAddNode(mb, call.base!, call.size, call.nid!, call.flags ?? 0, call.caller);
      case 'memblock_remove':
        return memblockRemove(mb, call.base!, call.size, call.caller);
      case 'memblock_reserve':
        return memblockReserve(mb, call.base!, call.size, call.caller);
      case 'memblock_phys_free':
        return memblockPhysFree(mb, call.base!, call.size, call.caller);
      default: {
        const c = record(mb, { ...call });
        c.result = result;
        if (result) memblockReserve(mb, result, call.size, 'memblock_alloc_range_nid');
      }
    }
  } finally {
    mb.beforeCall = hook;
  }
}
