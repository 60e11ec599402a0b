// The storage behind the vmemmap page tables of pgtable.ts (the PMD leaves and PTE tables that arch/x86/mm/init_64.c
// and mm/sparse-vmemmap.c build, and the vmemmap pages HVO stores): hvosim's own compact tables, not kernel code.
//
// 2 MiB leaves are kept in PmdLeaves: one slot of a Float64Array per PMD entry
// (the vmemmap of 64 TiB has 2^19 entries: 4 MiB; a slot holds the block's
// address plus one, 0 for none), not a Map entry each, so
// populating or splitting half a million leaves makes no objects. It reads
// like the Map it replaced (get, has, set, delete, size, keys, values,
// entries, iteration in entry order); pmdLeafRuns() gives the leaves as runs
// of consecutive entries backed by consecutive 2 MiB blocks.
//
// PTE tables are kept in PteTables: arrays indexed by PMD entry, in chunks of
// 1024 entries (the table's page, its runs), not an object and a Map entry
// each (HVO on 64 TiB makes 520,000 tables). It reads like the Map it
// replaced, iterating in the order the tables were made; get() hands out a
// small PteTable view that reads and writes through (a new view each time:
// compare tables by entry, not by identity); add() makes a table. Tables may
// share one runs array where they map the same (HVO maps whole tables onto
// one page), so a runs array is changed in place only by pgtable.ts's pteSetRuns() (and
// pteSetRange(), which calls it), and only one its table holds alone
// (PteTables.spliceRunsAt() makes a new one in place of a shared one: copy on
// write). Run objects are never changed; treat the runs arrays you read as
// read-only, and read them again after changing the table.
//
// Stored vmemmap pages (heads and shared tails: 65,000 heads on 64 TiB) are
// kept in StoredPages, a small hash table keyed by page address that reads
// like a Map, in insertion order (a Map hashes such large numbers slowly).
import type { PteRun, PteTable, StoredVmemmapPage } from './pgtable.js';

/**
 * 2 MiB leaves by PMD entry index: the physical block each maps. A Map-like
 * table over a Float64Array indexed by entry (-1: no leaf), grown on demand.
 */
export class PmdLeaves implements Iterable<[number, number]> {
  /** phys + 1 of each entry's block, 0 for none (a new array is all none without being filled). */
  private slot = new Float64Array(0);
  private n = 0;
  /** One past the highest entry ever set (iteration bound). */
  private hi = 0;
  private g = 0;

  get size(): number {
    return this.n;
  }
  /** Changes so far (any set or delete): readers that derive data from the leaves compare it to know when to redo it. */
  get gen(): number {
    return this.g;
  }
  get(entry: number): number | undefined {
    const v = entry < this.hi ? this.slot[entry]! : 0;
    return v ? v - 1 : undefined;
  }
  has(entry: number): boolean {
    return entry < this.hi && this.slot[entry]! !== 0;
  }
  set(entry: number, phys: number): this {
    if (entry >= this.slot.length) {
      let cap = Math.max(1024, this.slot.length);
      while (cap <= entry) cap *= 2;
      const b = new Float64Array(cap);
      b.set(this.slot.subarray(0, this.hi));
      this.slot = b;
    }
    if (entry >= this.hi) this.hi = entry + 1;
    this.g++;
    if (this.slot[entry] === 0) this.n++;
    this.slot[entry] = phys + 1;
    return this;
  }
  /** How many entries from `entry` on certainly have no leaf (none was ever set there): Infinity, or 0 if unsure. */
  noneAhead(entry: number): number {
    return entry >= this.hi ? Infinity : 0;
  }
  /** set() of `count` consecutive entries from `entry`, onto blocks `step` bytes apart from `phys` (none of them set yet). */
  setRun(entry: number, count: number, phys: number, step: number): void {
    if (count <= 0) return;
    this.set(entry + count - 1, phys + (count - 1) * step);
    const a = this.slot;
    for (let k = 0; k < count - 1; k++) a[entry + k] = phys + k * step + 1;
    this.n += count - 1;
    this.g++;
  }
  delete(entry: number): boolean {
    if (!this.has(entry)) return false;
    this.slot[entry] = 0;
    this.n--;
    this.g++;
    return true;
  }
  *entries(): IterableIterator<[number, number]> {
    for (let e = 0; e < this.hi; e++) if (this.slot[e]! !== 0) yield [e, this.slot[e]! - 1];
  }
  *keys(): IterableIterator<number> {
    for (let e = 0; e < this.hi; e++) if (this.slot[e]! !== 0) yield e;
  }
  *values(): IterableIterator<number> {
    for (let e = 0; e < this.hi; e++) if (this.slot[e]! !== 0) yield this.slot[e]! - 1;
  }
  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }
  /** Leaves as runs: `count` consecutive entries from `entry`, mapping consecutive blocks (`blockSpan` bytes each) from `phys`. */
  *runs(blockSpan: number): IterableIterator<{ entry: number; count: number; phys: number }> {
    const a = this.slot;
    for (let e = 0; e < this.hi; ) {
      if (a[e]! === 0) {
        e++;
        continue;
      }
      let k = 1;
      while (e + k < this.hi && a[e + k]! === a[e]! + k * blockSpan) k++;
      yield { entry: e, count: k, phys: a[e]! - 1 };
      e += k;
    }
  }
}

/**
 * Stored vmemmap pages by physical address: a Map-like hash table keyed by
 * page address (a Map hashes such large numbers slowly: one is looked up for
 * every PTE run HVO frees or checks). Iteration in insertion order, as a Map.
 */
export class StoredPages implements Iterable<[number, StoredVmemmapPage]> {
  /** The size of a vmemmap page (PTE_SPAN): the hash works on page numbers. A # field: not part of the table's contents. */
  readonly #pageSize: number;
  constructor(pageSize: number) {
    this.#pageSize = pageSize;
  }
  private keysA = new Float64Array(16);
  private valsA: (StoredVmemmapPage | undefined)[] = [];
  /** Entries used (dead ones included) and alive. */
  private used = 0;
  private alive = 0;
  /** Open addressing: entry index + 1 per slot, 0 when empty. */
  private slots = new Int32Array(32);

  private g = 0;

  get size(): number {
    return this.alive;
  }
  /** Changes so far (set, delete, setState). */
  get gen(): number {
    return this.g;
  }
  /** A stored page's state moves on: the one way to change it (its field is readonly), so gen sees it. */
  setState<P extends StoredVmemmapPage>(p: P, state: P['state']): void {
    (p as { state: P['state'] }).state = state;
    this.g++;
  }
  /** log2 of the slot count, for the hash's top bits. */
  private bits = 5;
  /** Fibonacci hashing of the page number: the top bits of a multiply (pages of aligned blocks share their low bits). */
  private hash(key: number): number {
    const p = key / this.#pageSize;
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }
  /** The entry index of a key, or -1. */
  private find(key: number): number {
    const mask = this.slots.length - 1;
    for (let h = this.hash(key); ; h = (h + 1) & mask) {
      const e = this.slots[h]!;
      if (e === 0) return -1;
      if (this.keysA[e - 1] === key && this.valsA[e - 1] !== undefined) return e - 1;
    }
  }
  get(key: number): StoredVmemmapPage | undefined {
    const e = this.find(key);
    return e < 0 ? undefined : this.valsA[e];
  }
  has(key: number): boolean {
    return this.find(key) >= 0;
  }
  set(key: number, v: StoredVmemmapPage): this {
    this.g++;
    const e = this.find(key);
    if (e >= 0) {
      this.valsA[e] = v;
      return this;
    }
    if ((this.used + 1) * 2 > this.slots.length || this.used === this.keysA.length) this.rebuild();
    const i = this.used++;
    this.keysA[i] = key;
    this.valsA[i] = v;
    this.alive++;
    const mask = this.slots.length - 1;
    let h = this.hash(key);
    while (this.slots[h] !== 0) h = (h + 1) & mask;
    this.slots[h] = i + 1;
    return this;
  }
  delete(key: number): boolean {
    const e = this.find(key);
    if (e < 0) return false;
    this.g++;
    // The slot keeps pointing at the dead entry (find() skips it) until the next rebuild.
    this.valsA[e] = undefined;
    this.alive--;
    return true;
  }
  /** Drop dead entries and size the arrays for more. */
  private rebuild(): void {
    const keys: number[] = [];
    const vals: StoredVmemmapPage[] = [];
    for (let i = 0; i < this.used; i++) {
      const v = this.valsA[i];
      if (v !== undefined) {
        keys.push(this.keysA[i]!);
        vals.push(v);
      }
    }
    let cap = 16;
    while (cap < (keys.length + 1) * 2) cap *= 2;
    this.keysA = new Float64Array(cap);
    this.keysA.set(keys);
    this.valsA = vals;
    this.used = keys.length;
    this.slots = new Int32Array(cap * 2);
    this.bits = Math.log2(cap * 2);
    const mask = this.slots.length - 1;
    for (let i = 0; i < keys.length; i++) {
      let h = this.hash(keys[i]!);
      while (this.slots[h] !== 0) h = (h + 1) & mask;
      this.slots[h] = i + 1;
    }
  }
  *entries(): IterableIterator<[number, StoredVmemmapPage]> {
    for (let i = 0; i < this.used; i++) {
      const v = this.valsA[i];
      if (v !== undefined) yield [this.keysA[i]!, v];
    }
  }
  *keys(): IterableIterator<number> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<StoredVmemmapPage> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[number, StoredVmemmapPage]> {
    return this.entries();
  }
}

/**
 * PTE tables by PMD entry index: a Map-like table over arrays indexed by
 * entry, in chunks (the tables' pages in Float64Arrays, their runs in
 * arrays), so a table is no object of its own. get() hands out a PteTable that reads and
 * writes through to them; iteration in the order tables were added.
 */
export class PteTables implements Iterable<[number, PteTable]> {
  /** Chunks of PTE_CHUNK entries, made when a table of theirs is: page and runs of each entry (runs undefined: no table). */
  private pages: (Float64Array | undefined)[] = [];
  private runsOf: ((PteRun[] | undefined)[] | undefined)[] = [];
  /** 1 where the entry's runs array is its own (made by spliceRunsAt()), free to change in place. */
  private owned: (Uint8Array | undefined)[] = [];
  private order: number[] = [];
  private n = 0;
  private g = 0;

  get size(): number {
    return this.n;
  }
  /** Changes so far (a table made, dropped, or its page or runs replaced). */
  get gen(): number {
    return this.g;
  }
  get(entry: number): PteTable | undefined {
    return this.has(entry) ? new PteTableRef(this, entry) : undefined;
  }
  has(entry: number): boolean {
    const c = this.runsOf[entry >>> PTE_CHUNK_SHIFT];
    return c !== undefined && c[entry & PTE_CHUNK_MASK] !== undefined;
  }
  /** Add (or replace) the table of an entry. */
  set(entry: number, table: PteTable): this {
    this.add(entry, table.page, table.runs);
    return this;
  }
  /** Make the table of an entry: a new page with the given runs. */
  add(entry: number, page: number, runs: PteRun[]): void {
    const ci = entry >>> PTE_CHUNK_SHIFT;
    while (this.runsOf.length <= ci) {
      this.runsOf.push(undefined);
      this.pages.push(undefined);
    }
    let c = this.runsOf[ci];
    if (c === undefined) {
      c = new Array<PteRun[] | undefined>(PTE_CHUNK).fill(undefined);
      this.runsOf[ci] = c;
      this.pages[ci] = new Float64Array(PTE_CHUNK);
      this.owned[ci] = new Uint8Array(PTE_CHUNK);
    }
    const i = entry & PTE_CHUNK_MASK;
    this.g++;
    if (c[i] === undefined) {
      this.n++;
      this.order.push(entry);
    }
    c[i] = runs;
    this.owned[ci]![i] = 0;
    this.pages[ci]![i] = page;
  }
  delete(entry: number): boolean {
    if (!this.has(entry)) return false;
    this.runsOf[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK] = undefined;
    this.n--;
    this.g++;
    this.order = this.order.filter((e) => e !== entry);
    return true;
  }
  /** How many entries from `entry` on certainly have no table (their chunk has none yet), or 0 if unsure. */
  noneAhead(entry: number): number {
    return this.runsOf[entry >>> PTE_CHUNK_SHIFT] === undefined ? PTE_CHUNK - (entry & PTE_CHUNK_MASK) : 0;
  }
  /** The page holding the table of an entry (the entry must have one). */
  pageAt(entry: number): number {
    return this.pages[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK]!;
  }
  /** The runs of the table of an entry (the entry must have one). */
  runsAt(entry: number): PteRun[] {
    return this.runsOf[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK]!;
  }
  setRunsAt(entry: number, runs: PteRun[]): void {
    this.g++;
    this.runsOf[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK] = runs;
    this.owned[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK] = 0;
  }
  /**
   * Replace runs [i, j) of an entry's table by `put`: in place when the
   * table holds its runs array alone, else in a new array of its own (copy
   * on write: other tables may share the old one).
   */
  spliceRunsAt(entry: number, i: number, j: number, put: PteRun[]): void {
    const ci = entry >>> PTE_CHUNK_SHIFT;
    const k = entry & PTE_CHUNK_MASK;
    const c = this.runsOf[ci]!;
    const own = this.owned[ci]!;
    this.g++;
    if (own[k]) c[k]!.splice(i, j - i, ...put);
    else {
      c[k] = c[k]!.slice(0, i).concat(put, c[k]!.slice(j));
      own[k] = 1;
    }
  }
  setPageAt(entry: number, page: number): void {
    this.g++;
    this.pages[entry >>> PTE_CHUNK_SHIFT]![entry & PTE_CHUNK_MASK] = page;
  }
  *entries(): IterableIterator<[number, PteTable]> {
    for (const e of this.order) yield [e, new PteTableRef(this, e)];
  }
  *keys(): IterableIterator<number> {
    yield* this.order;
  }
  *values(): IterableIterator<PteTable> {
    for (const e of this.order) yield new PteTableRef(this, e);
  }
  [Symbol.iterator](): IterableIterator<[number, PteTable]> {
    return this.entries();
  }
}

/** PteTables keeps entries in chunks of 1024 (2 GiB of vmemmap): memory follows the tables, not the highest entry. */
const PTE_CHUNK_SHIFT = 10;
const PTE_CHUNK = 1 << PTE_CHUNK_SHIFT;
const PTE_CHUNK_MASK = PTE_CHUNK - 1;

/** A PTE table as PteTables hands it out: page and runs read and write the stored table. */
export class PteTableRef implements PteTable {
  constructor(
    readonly tables: PteTables,
    readonly entry: number,
  ) {}
  get page(): number {
    return this.tables.pageAt(this.entry);
  }
  set page(p: number) {
    this.tables.setPageAt(this.entry, p);
  }
  get runs(): PteRun[] {
    return this.tables.runsAt(this.entry);
  }
  set runs(r: PteRun[]) {
    this.tables.setRunsAt(this.entry, r);
  }
}
