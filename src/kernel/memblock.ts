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
// The calls themselves (every memblock_add, memblock_reserve, allocation...,
// over a million on a 64 TiB machine) are kept in a compact log, not as one
// object each: MemblockCallLog holds the function and caller as ids of
// interned strings and two numbers per call in chunks of a Float64Array (an
// allocation's arguments, the same for half a million calls, are kept once).
// It makes MemblockCall objects only when someone reads them, with the keys
// in the order they always had (JSON output is unchanged).
//
// Read API (for reports): `mb.calls.length`; `mb.calls.get(i)` / `at(i)`;
// iteration (`for (const c of mb.calls)`); the usual array methods (`filter`,
// `find`, `findIndex`, `some`, `map`, `forEach`, `entries`, `slice`);
// `toArray()`; JSON.stringify gives the array of calls. There is no `calls[i]`:
// use `get(i)`. A read makes a fresh object, so changing it does not change
// the log (calls recorded as objects, such as memblock_add_node and calls
// replayed from a log, are handed out as they are). Per-field reads (`fnAt`,
// `callerAt`, `resultAt`, `sizeAt`, `baseAt`, `printedAt`) make no object.
// The calls of one boot step are `get(i)` for i from its `firstCall` to the
// next step's.
//
// Allocations in a row (the PTE tables of 65,000 gigantic pages, the pages
// themselves round the nodes) skip the search where its answer is known: a
// top-down allocation like the last one on its node takes the aligned spot
// just below that one when no memory came, no reservation went and no region
// changed node or flags since (allocHintFind() says why that is exact; the
// types count such changes in `grown` and `changed`). Anything else searches.
// memblockAllocTryNidRawMany() makes a run of identical calls that way and logs
// them in one go; tests hold both to the search and to calls one by one.

export const NUMA_NO_NODE = -1;
/** MAX_NUMNODES with Debian's CONFIG_NODES_SHIFT=10: "no node assigned yet". */
export const MAX_NUMNODES = 1024;
export const PHYS_ADDR_MAX = 2 ** 64;
/** MEMBLOCK_ALLOC_ANYWHERE: (phys_addr_t)~0, no upper limit. */
export const MEMBLOCK_ALLOC_ANYWHERE = PHYS_ADDR_MAX;
/** MEMBLOCK_ALLOC_ACCESSIBLE: up to memblock.current_limit. */
export const MEMBLOCK_ALLOC_ACCESSIBLE = 0;
/** MEMBLOCK_ALLOC_NOLEAKTRACE: like ACCESSIBLE, without kmemleak. */
export const MEMBLOCK_ALLOC_NOLEAKTRACE = 1;
/** MEMBLOCK_LOW_LIMIT on x86_64 is 0. */
export const MEMBLOCK_LOW_LIMIT = 0;

/** enum memblock_flags */
export const MEMBLOCK_NONE = 0x0;
export const MEMBLOCK_HOTPLUG = 0x1;
export const MEMBLOCK_MIRROR = 0x2;
export const MEMBLOCK_NOMAP = 0x4;
export const MEMBLOCK_DRIVER_MANAGED = 0x8;

import { hex, pa } from '../util/format.js';
import { DEFAULT_ARCH } from '../arch/index.js';

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
  /** Where the last top-down allocation on each node (NUMA_NO_NODE included) landed, so that the next one like it can skip the search (see allocHintFind()). */
  hints: Map<number, AllocHint>;
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

/** The layouts of a logged call, in the key order of its MemblockCall. */
const SHAPE_RANGE = 0; // fn, base, size, caller: numbers [base, size]
const SHAPE_ALLOC = 1; // fn, size, align, (nid,) from, maxAddr, caller (, result): numbers [args id, result]
const SHAPE_OBJECT = 2; // kept as the object it was given (memblock_add_node, calls read from logs, tests)
/** Calls per chunk of numbers (two numbers each). */
const VALS_SHIFT = 15;
const VALS_MASK = (1 << VALS_SHIFT) - 1;
const FLAG_PRINTED = 1;
const FLAG_RESULT = 2;
/**
 * A call's shape, flags and name ids share one 32-bit word: shape in bits 0-1,
 * flags in 2-3, the function's id in 4-17, the caller's in 18-31.
 */
const META_FLAG_SHIFT = 2;
const META_FN_SHIFT = 4;
const META_CALLER_SHIFT = 18;
const META_ID_MAX = 0x3fff;
const meta = (shape: number, flag: number, fn: number, caller: number): number => (shape | (flag << META_FLAG_SHIFT) | (fn << META_FN_SHIFT) | (caller << META_CALLER_SHIFT)) >>> 0;

/** The arguments of an allocation call, kept once however many calls make it with them. */
interface AllocArgs {
  size: number;
  align: number;
  /** undefined: memblock_phys_alloc_range(), which takes no node. */
  nid: number | undefined;
  from: number;
  maxAddr: number;
}

/**
 * The log of memblock calls, compact (see the top of this module). Per call:
 * a shape, the printed and result flags, the fn and caller string ids (one
 * 32-bit word in a typed array), and two numbers in fixed chunks of a Float64Array (a growing
 * log is never copied whole): base and size for a range call; for an
 * allocation, the id of its arguments (the same arguments come back half a
 * million times on a large machine, so they are kept once) and its result.
 * Reads make MemblockCall objects in the key order kernel-facing code used.
 */
export class MemblockCallLog implements Iterable<MemblockCall> {
  private n = 0;
  private meta = new Uint32Array(256);
  private vals: Float64Array[] = [new Float64Array(512)];
  private objs = new Map<number, MemblockCall>();
  private strs: string[] = [];
  private ids = new Map<string, number>();
  private args: AllocArgs[] = [];
  private argIds = new Map<string, number>();
  /** The id of the last arguments used with each node (index nid + 2; -2 is memblock_phys_alloc_range's "no node"), -1 for none. */
  private lastArgs: number[] = [];
  /** Ids of the reservation an allocation records (memblock_reserve from memblock_alloc_range_nid), once looked up. */
  private reserveIds: [number, number] | null = null;
  /** The last few strings looked up (the fn and caller of the calls a step makes in turn), tried before the map. */
  private recent: (string | null)[] = [null, null, null, null, null, null, null, null];
  private recentId = [-1, -1, -1, -1, -1, -1, -1, -1];
  private recentNext = 0;

  get length(): number {
    return this.n;
  }

  private id(str: string): number {
    const rs = this.recent;
    for (let k = 0; k < 8; k++) if (rs[k] === str) return this.recentId[k]!;
    let i = this.ids.get(str);
    if (i === undefined) {
      i = this.strs.length;
      if (i > META_ID_MAX) throw new Error('memblock call log: too many distinct function names');
      this.strs.push(str);
      this.ids.set(str, i);
    }
    const k = this.recentNext;
    rs[k] = str;
    this.recentId[k] = i;
    this.recentNext = (k + 1) & 7;
    return i;
  }

  /** Append a call of a shape; returns its index. */
  private add(shape: number, fn: string, caller: string, printed: boolean): number {
    const fi = this.id(fn);
    const ci = this.id(caller);
    const i = this.n;
    if (i === this.meta.length) {
      const grown = new Uint32Array(i * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    // Room for the call's two numbers: the first chunk grows up to full size, later ones are made full.
    const ci2 = i >>> VALS_SHIFT;
    const w = (i & VALS_MASK) * 2;
    const c = this.vals[ci2];
    if (!c) this.vals[ci2] = new Float64Array(2 << VALS_SHIFT);
    else if (w + 2 > c.length) {
      const b = new Float64Array(Math.min(2 << VALS_SHIFT, c.length * 2));
      b.set(c);
      this.vals[ci2] = b;
    }
    this.n = i + 1;
    this.meta[i] = meta(shape, printed ? FLAG_PRINTED : 0, fi, ci);
    return i;
  }

  private shapeAt(i: number): number {
    return this.meta[i]! & 3;
  }
  private flagAt(i: number): number {
    return (this.meta[i]! >>> META_FLAG_SHIFT) & 3;
  }
  private rawFnId(i: number): number {
    return (this.meta[i]! >>> META_FN_SHIFT) & META_ID_MAX;
  }
  private rawCallerId(i: number): number {
    return this.meta[i]! >>> META_CALLER_SHIFT;
  }

  /** The k-th (0 or 1) number of call i. */
  private val(i: number, k: number): number {
    return this.vals[i >>> VALS_SHIFT]![(i & VALS_MASK) * 2 + k]!;
  }
  private setVal(i: number, k: number, x: number): void {
    this.vals[i >>> VALS_SHIFT]![(i & VALS_MASK) * 2 + k] = x;
  }

  /** A range call (memblock_add, _remove, _reserve, _phys_free). */
  pushRange(fn: string, base: number, size: number, caller: string, printed: boolean): number {
    const i = this.add(SHAPE_RANGE, fn, caller, printed);
    const v = this.vals[i >>> VALS_SHIFT]!;
    const w = (i & VALS_MASK) * 2;
    v[w] = base;
    v[w + 1] = size;
    return i;
  }

  /** The id of an allocation's arguments (the last ones again, most of the time). */
  private argsId(size: number, align: number, nid: number | undefined, from: number, maxAddr: number): number {
    // The last arguments used with this node (allocations go round the nodes), else a lookup by value.
    const slot = (nid === undefined ? -2 : nid) + 2;
    const lastId = slot < this.lastArgs.length ? this.lastArgs[slot]! : -1;
    const last = lastId < 0 ? undefined : this.args[lastId]!;
    if (last && last.size === size && last.align === align && last.from === from && last.maxAddr === maxAddr) return lastId;
    const key = `${size},${align},${nid},${from},${maxAddr}`;
    let a = this.argIds.get(key);
    if (a === undefined) {
      a = this.args.length;
      this.args.push({ size, align, nid, from, maxAddr });
      this.argIds.set(key, a);
    }
    while (this.lastArgs.length <= slot) this.lastArgs.push(-1);
    this.lastArgs[slot] = a;
    return a;
  }

  /** An allocation call: with a node (nid not undefined) or without (memblock_phys_alloc_range). Its result comes later (setResult). */
  pushAlloc(fn: string, size: number, align: number, nid: number | undefined, from: number, maxAddr: number, caller: string, printed: boolean): number {
    const a = this.argsId(size, align, nid, from, maxAddr);
    const i = this.add(SHAPE_ALLOC, fn, caller, printed);
    this.setVal(i, 0, a);
    return i;
  }

  /**
   * `count` allocation calls with the same arguments, each followed by the
   * memblock_reserve() of what it returned (results[first] on): what
   * pushAlloc(), pushRange() and setResult() would record call by call. The
   * caller is one for all, or each call's (callers[callerFirst] on).
   */
  pushAllocsReserved(
    fn: string,
    size: number,
    align: number,
    nid: number,
    from: number,
    maxAddr: number,
    caller: string | readonly string[],
    printed: boolean,
    results: number[],
    first: number,
    count: number,
    callerFirst = first,
  ): void {
    if (count <= 0) return;
    const a = this.argsId(size, align, nid, from, maxAddr);
    const fi = this.id(fn);
    const one = typeof caller === 'string';
    const ci = one ? this.id(caller) : 0;
    const [ri, rci] = (this.reserveIds ??= [this.id('memblock_reserve'), this.id('memblock_alloc_range_nid')]);
    const pf = printed ? FLAG_PRINTED : 0;
    const reserveMeta = meta(SHAPE_RANGE, pf, ri, rci);
    const oneMeta = meta(SHAPE_ALLOC, pf | FLAG_RESULT, fi, ci);
    for (let k = 0; k < count; ) {
      const i = this.n;
      const v = this.vals[i >>> VALS_SHIFT];
      const w = (i & VALS_MASK) * 2;
      if (i + 2 > this.meta.length || v === undefined || w + 4 > v.length) {
        // No room for both calls yet: the general way, which makes it.
        const r = results[first + k]!;
        this.setVal(this.add(SHAPE_ALLOC, fn, one ? caller : caller[callerFirst + k]!, printed), 0, a);
        this.pushRange('memblock_reserve', r, size, 'memblock_alloc_range_nid', printed);
        this.setResult(i, r);
        k++;
        continue;
      }
      // As many pairs as this chunk and the word array hold, written straight in.
      const pairs = Math.min(count - k, Math.floor((v.length - w) / 4), Math.floor((this.meta.length - i) / 2));
      const metaArr = this.meta;
      // With a caller per call, the word of the last caller seen (they take turns among a few).
      let lastBy = '';
      let lastMeta = oneMeta;
      for (let t = 0; t < pairs; t++) {
        const r = results[first + k + t]!;
        const j = i + 2 * t;
        const x = w + 4 * t;
        if (!one) {
          const by = caller[callerFirst + k + t]!;
          if (by !== lastBy) {
            lastBy = by;
            lastMeta = meta(SHAPE_ALLOC, pf | FLAG_RESULT, fi, this.id(by));
          }
        }
        metaArr[j] = lastMeta;
        v[x] = a;
        v[x + 1] = r;
        metaArr[j + 1] = reserveMeta;
        v[x + 2] = r;
        v[x + 3] = size;
      }
      this.n = i + 2 * pairs;
      k += pairs;
    }
  }

  /** Append a call given as an object (kept as it is); returns the new length, as Array.push does. */
  push(c: MemblockCall): number {
    const i = this.add(SHAPE_OBJECT, c.fn, c.caller, c.printed);
    this.objs.set(i, c);
    return this.n;
  }

  /** The physical address an allocation returned (0: it failed). */
  setResult(i: number, result: number): void {
    if (this.shapeAt(i) === SHAPE_OBJECT) {
      this.objs.get(i)!.result = result;
      return;
    }
    this.setVal(i, 1, result);
    this.meta[i] = (this.meta[i]! | (FLAG_RESULT << META_FLAG_SHIFT)) >>> 0;
  }

  fnAt(i: number): string {
    return this.shapeAt(i) === SHAPE_OBJECT ? this.objs.get(i)!.fn : this.strs[this.rawFnId(i)]!;
  }
  callerAt(i: number): string {
    return this.shapeAt(i) === SHAPE_OBJECT ? this.objs.get(i)!.caller : this.strs[this.rawCallerId(i)]!;
  }
  /** The id of call i's function name: a small number, the same for every call of that name in this log (nameOf() gives it back). */
  fnIdAt(i: number): number {
    return this.shapeAt(i) === SHAPE_OBJECT ? this.id(this.objs.get(i)!.fn) : this.rawFnId(i);
  }
  /** The id of call i's caller, as fnIdAt(). */
  callerIdAt(i: number): number {
    return this.shapeAt(i) === SHAPE_OBJECT ? this.id(this.objs.get(i)!.caller) : this.rawCallerId(i);
  }
  /** The name an id stands for. */
  nameOf(id: number): string {
    return this.strs[id]!;
  }
  printedAt(i: number): boolean {
    return this.shapeAt(i) === SHAPE_OBJECT ? this.objs.get(i)!.printed : (this.flagAt(i) & FLAG_PRINTED) !== 0;
  }
  /** The result of an allocation, or undefined (not an allocation, or none yet). */
  resultAt(i: number): number | undefined {
    const sh = this.shapeAt(i);
    if (sh === SHAPE_OBJECT) return this.objs.get(i)!.result;
    return sh === SHAPE_ALLOC && this.flagAt(i) & FLAG_RESULT ? this.val(i, 1) : undefined;
  }
  sizeAt(i: number): number {
    const sh = this.shapeAt(i);
    if (sh === SHAPE_OBJECT) return this.objs.get(i)!.size;
    return sh === SHAPE_RANGE ? this.val(i, 1) : this.args[this.val(i, 0)]!.size;
  }
  /** The base of a range call (undefined for allocations). */
  baseAt(i: number): number | undefined {
    const sh = this.shapeAt(i);
    if (sh === SHAPE_OBJECT) return this.objs.get(i)!.base;
    return sh === SHAPE_RANGE ? this.val(i, 0) : undefined;
  }

  /** Call i as an object (a fresh one each time, but for calls kept as objects). */
  get(i: number): MemblockCall {
    const sh = this.shapeAt(i);
    if (sh === SHAPE_OBJECT) return this.objs.get(i)!;
    const fn = this.strs[this.rawFnId(i)]!;
    const caller = this.strs[this.rawCallerId(i)]!;
    const printed = (this.flagAt(i) & FLAG_PRINTED) !== 0;
    if (sh === SHAPE_RANGE) return { fn, base: this.val(i, 0), size: this.val(i, 1), caller, printed };
    const a = this.args[this.val(i, 0)]!;
    const c: MemblockCall =
      a.nid !== undefined
        ? { fn, size: a.size, align: a.align, nid: a.nid, from: a.from, maxAddr: a.maxAddr, caller, printed }
        : { fn, size: a.size, align: a.align, from: a.from, maxAddr: a.maxAddr, caller, printed };
    if (this.flagAt(i) & FLAG_RESULT) c.result = this.val(i, 1);
    return c;
  }

  at(i: number): MemblockCall | undefined {
    if (i < 0) i += this.n;
    return i >= 0 && i < this.n ? this.get(i) : undefined;
  }

  *[Symbol.iterator](): Iterator<MemblockCall> {
    for (let i = 0; i < this.n; i++) yield this.get(i);
  }
  *entries(): IterableIterator<[number, MemblockCall]> {
    for (let i = 0; i < this.n; i++) yield [i, this.get(i)];
  }
  slice(start = 0, end = this.n): MemblockCall[] {
    if (start < 0) start = Math.max(0, this.n + start);
    if (end < 0) end += this.n;
    const out: MemblockCall[] = [];
    for (let i = start; i < Math.min(end, this.n); i++) out.push(this.get(i));
    return out;
  }
  toArray(): MemblockCall[] {
    return this.slice();
  }
  toJSON(): MemblockCall[] {
    return this.slice();
  }
  filter(pred: (c: MemblockCall, i: number) => unknown): MemblockCall[] {
    const out: MemblockCall[] = [];
    for (let i = 0; i < this.n; i++) {
      const c = this.get(i);
      if (pred(c, i)) out.push(c);
    }
    return out;
  }
  map<T>(fn: (c: MemblockCall, i: number) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.n; i++) out.push(fn(this.get(i), i));
    return out;
  }
  forEach(fn: (c: MemblockCall, i: number) => void): void {
    for (let i = 0; i < this.n; i++) fn(this.get(i), i);
  }
  findIndex(pred: (c: MemblockCall, i: number) => unknown): number {
    for (let i = 0; i < this.n; i++) if (pred(this.get(i), i)) return i;
    return -1;
  }
  find(pred: (c: MemblockCall, i: number) => unknown): MemblockCall | undefined {
    const i = this.findIndex(pred);
    return i < 0 ? undefined : this.get(i);
  }
  some(pred: (c: MemblockCall, i: number) => unknown): boolean {
    return this.findIndex(pred) >= 0;
  }

  /** A copy that grows on its own. */
  clone(): MemblockCallLog {
    const c = new MemblockCallLog();
    c.n = this.n;
    c.meta = this.meta.slice();
    c.vals = this.vals.map((v) => v.slice());
    c.objs = new Map([...this.objs].map(([i, o]) => [i, { ...o }]));
    c.strs = this.strs.slice();
    c.ids = new Map(this.ids);
    c.args = this.args.slice();
    c.argIds = new Map(this.argIds);
    return c;
  }
}

/** Whether an injected fault makes this allocation call fail outright. */
function faultFails(mb: Memblock, caller: string): boolean {
  mb.allocCount++;
  const f = mb.faults;
  if (!f) return false;
  return !!(f.nth?.includes(mb.allocCount) || f.callers?.some((c) => c === caller || c === `${caller}@${mb.step}`));
}

/** An empty memblock; `pageSize` is the architecture's (the default architecture's when not given). */
export function memblockCreate(opts: { debug?: boolean; pageSize?: number } = {}): Memblock {
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
    hints: new Map(),
  };
}

/** A deep copy, so a boot can be forked (fault injection, what-if runs). */
export function memblockClone(mb: Memblock): Memblock {
  const copy = (t: MemblockType): MemblockType => ({ name: t.name, regions: t.regions.map((r) => ({ ...r })), totalSize: t.totalSize, grown: t.grown, changed: t.changed });
  // The hint points at the original's regions: the copy starts without one.
  return { ...mb, memory: copy(mb.memory), reserved: copy(mb.reserved), calls: mb.calls.clone(), hints: new Map() };
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
function recordAlloc(mb: Memblock, fn: string, size: number, align: number, nid: number | undefined, from: number, maxAddr: number, caller: string): number {
  if (mb.beforeCall) mb.beforeCall(mb, nid === undefined ? { fn, size, align, from, maxAddr, caller } : { fn, size, align, nid, from, maxAddr, caller });
  return mb.calls.pushAlloc(fn, size, align, nid, from, maxAddr, caller, mb.debug);
}

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
function memblockRemoveRegion(type: MemblockType, idx: number): void {
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
  memblockAddRange(mb.reserved, base, size, MAX_NUMNODES, MEMBLOCK_NONE);
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

export function roundUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}
export function roundDown(x: number, align: number): number {
  return Math.floor(x / align) * align;
}

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
function memblockFindRangeBottomUp(mb: Memblock, start: number, end: number, size: number, align: number, nid: number, flags: number): number {
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
function memblockFindRangeTopDown(mb: Memblock, start: number, end: number, size: number, align: number, nid: number, flags: number): number {
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
  const h = mb.hints.get(nid);
  return h && allocHintValid(mb, h, size, align, start, end, nid, flags) ? allocHintSpot(mb, h, size, align, start) : -1;
}

/** Whether a hint was left by an allocation with these arguments, and nothing that could open room above it has happened since. */
function allocHintValid(mb: Memblock, h: AllocHint, size: number, align: number, start: number, end: number, nid: number, flags: number): boolean {
  if (h.size !== size || h.align !== align || h.start !== start || h.end !== end || h.nid !== nid || h.flags !== flags) return false;
  return h.movableNode === mb.movableNode && h.memGrown === mb.memory.grown && h.memChanged === mb.memory.changed && h.resChanged === mb.reserved.changed;
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
function allocHintGrow(mb: Memblock, h: AllocHint, cand: number, size: number): boolean {
  const res = mb.reserved;
  const r = h.res;
  if (r.base !== cand + size || r.nid !== MAX_NUMNODES || r.flags !== MEMBLOCK_NONE) return false;
  const prev = h.resIdx > 0 ? res.regions[h.resIdx - 1]! : undefined;
  if (prev !== undefined && prev.base + prev.size === cand && prev.nid === MAX_NUMNODES && prev.flags === MEMBLOCK_NONE) return false;
  res.grown++;
  r.base = cand;
  r.size += size;
  res.totalSize += size;
  h.addr = cand;
  return true;
}

/** Remember where a top-down find on `nid`, now reserved, landed (see allocHintFind()). */
function allocHintSet(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number, addr: number): void {
  const mem = mb.memory.regions;
  const res = mb.reserved.regions;
  const mi = firstRegionEndingAbove(mem, addr);
  const ri = firstRegionEndingAbove(res, addr);
  const m = mem[mi];
  const r = res[ri];
  if (!m || m.base > addr || !r || r.base > addr) {
    mb.hints.delete(nid);
    return;
  }
  const h = mb.hints.get(nid);
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
  mb.hints.set(nid, { size, align, start, end, nid, flags, movableNode: mb.movableNode, addr, mem: m, res: r, resIdx: ri, memGrown: mb.memory.grown, memChanged: mb.memory.changed, resChanged: mb.reserved.changed });
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** Where memblock_find_in_range_node() starts looking: never in the first page. */
function findStart(mb: Memblock, start: number): number {
  return Math.max(start, mb.pageSize);
}

/** Where it stops: the current limit for "accessible" memory, and never below where it starts. */
function findEnd(mb: Memblock, start: number, end: number): number {
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
  const known = allocHintFind(mb, size, align, start, end, nid, flags);
  return known >= 0 ? known : memblockFindRangeTopDown(mb, start, end, size, align, nid, flags);
}

/** memblock_find_in_range_node() and the reservation of what it found (memblock_alloc_range_nid()'s two steps); 0 if nothing was found. */
function memblockFindAndReserve(mb: Memblock, size: number, align: number, start: number, end: number, nid: number, flags: number): number {
  const found = memblockFindInRangeNode(mb, size, align, start, end, nid, flags);
  if (!found) return 0;
  memblockReserve(mb, found, size, 'memblock_alloc_range_nid');
  if (!mb.bottomUp && !mb.faults?.nodes?.length) allocHintSet(mb, size, align, findStart(mb, start), findEnd(mb, start, end), nid, flags, found);
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
  if (!allocHintGrow(mb, mb.hints.get(nid)!, cand, size)) {
    memblockAddRange(mb.reserved, cand, size, MAX_NUMNODES, MEMBLOCK_NONE);
    allocHintSet(mb, size, align, start, end, nid, MEMBLOCK_NONE, cand);
  }
  return cand;
}

/**
 * allocNidCall()'s address, placed by the node's hint when it can say (the
 * same log and reservation as the search would leave), else by allocNidCall().
 */
function allocNidAddr(mb: Memblock, fn: string, size: number, align: number, minAddr: number, maxAddr: number, nid: number, exactNid: boolean, caller: string): number {
  if (allocQuickOk(mb, align, nid)) {
    const a = allocHintTake(mb, size, align, findStart(mb, minAddr), findEnd(mb, minAddr, maxAddr > mb.currentLimit ? mb.currentLimit : maxAddr), nid);
    if (a >= 0) {
      mb.allocCount++;
      const call = mb.calls.pushAlloc(fn, size, align, nid, minAddr, maxAddr, caller, mb.debug);
      mb.calls.pushRange('memblock_reserve', a, size, 'memblock_alloc_range_nid', mb.debug);
      mb.calls.setResult(call, a);
      return a;
    }
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
export function memblockAllocTryNid(mb: Memblock, size: number, align: number, minAddr: number, maxAddr: number, nid: number, caller: string): number {
  return allocNidAddr(mb, 'memblock_alloc_try_nid', size, align, minAddr, maxAddr, nid, false, caller);
}

/** memblock_alloc_try_nid_raw(): as memblock_alloc_try_nid, not zeroed. */
export function memblockAllocTryNidRaw(mb: Memblock, size: number, align: number, minAddr: number, maxAddr: number, nid: number, caller: string): number {
  return allocNidAddr(mb, 'memblock_alloc_try_nid_raw', size, align, minAddr, maxAddr, nid, false, caller);
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
  const end = findEnd(mb, minAddr, maxAddr > mb.currentLimit ? mb.currentLimit : maxAddr);
  const quick = allocQuickOk(mb, align, nid);
  let i = 0;
  while (i < count) {
    // The calls the hint can place, one after another; then their log entries at once (no hook watches the log).
    let q = 0;
    const h = quick ? mb.hints.get(nid) : undefined;
    if (h && allocHintValid(mb, h, size, align, start, end, nid, MEMBLOCK_NONE)) {
      // The hint stays valid as long as only this loop changes memblock: each call takes the free spot below
      // the last, growing the reservation above it, while that is all it takes.
      while (i + q < count) {
        const cand = allocHintSpot(mb, h, size, align, start);
        if (cand < 0 || !allocHintGrow(mb, h, cand, size)) break;
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
    const a = allocNidCall(mb, 'memblock_alloc_try_nid_raw', size, align, minAddr, maxAddr, nid, false, typeof caller === 'string' ? caller : caller[i]!).addr;
    if (!a) return i;
    out[at + i++] = a;
  }
  return count;
}

/** memblock_alloc_exact_nid_raw(): only on `nid`, no node fallback. */
export function memblockAllocExactNidRaw(mb: Memblock, size: number, align: number, minAddr: number, maxAddr: number, nid: number, caller: string): number {
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
      const node = r.nid !== MAX_NUMNODES ? ` on node ${r.nid}` : '';
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
