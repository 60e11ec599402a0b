// The log of memblock calls, kept beside memblock as its record: hvosim's own structure, not the kernel's (the
// kernel prints its calls under memblock=debug and keeps none).
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
import type { MemblockCall } from './memblock.js';

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
const meta = (shape: number, flag: number, fn: number, caller: number): number =>
  (shape | (flag << META_FLAG_SHIFT) | (fn << META_FN_SHIFT) | (caller << META_CALLER_SHIFT)) >>> 0;

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
  pushAlloc(
    fn: string,
    size: number,
    align: number,
    nid: number | undefined,
    from: number,
    maxAddr: number,
    caller: string,
    printed: boolean,
  ): number {
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
