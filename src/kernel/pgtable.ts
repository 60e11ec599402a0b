// The kernel page tables that map the vmemmap (x86_64, 4-level): which tables
// exist, which PMD entries are 2 MiB leaves, and which point to PTE tables.
// Addresses are offsets from VMEMMAP_START.
//
// Nothing is kept per base page. A PTE table is a short list of runs: a run
// maps `count` consecutive entries either onto consecutive physical pages
// (stride 1, what splitting a 2 MiB leaf gives) or all onto one page (stride 0,
// what HVO does with the tail vmemmap pages).
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
// one page), so a runs array is changed in place only by pteSetRuns() (and
// pteSetRange(), which calls it), and only one its table holds alone
// (PteTables.spliceRunsAt() makes a new one in place of a shared one: copy on
// write). Run objects are never changed; treat the runs arrays you read as
// read-only, and read them again after changing the table.
//
// Stored vmemmap pages (heads and shared tails: 65,000 heads on 64 TiB) are
// kept in StoredPages, a small hash table keyed by page address that reads
// like a Map, in insertion order (a Map hashes such large numbers slowly).
//
// Read API (for reports): `pt.pmdLeaf`, `pt.pte` and `pt.stored` read like
// Maps; `pmdLeafRuns(pt)` gives runs of leaves; each table's `runs` are its
// PTE runs; `vmemmapTranslate()` walks one address.
import { DEFAULT_ARCH } from '../asm/index.js';
import { firstEndingAbove } from '../util/search.js';

export interface PteRun {
  /** First entry index (0..511). */
  from: number;
  count: number;
  /** Physical address mapped by the first entry of the run. */
  phys: number;
  /** 1: entry i maps phys + i pages; 0: every entry maps phys. */
  stride: 0 | 1;
  readOnly: boolean;
}

export interface PteTable {
  /** Physical page holding the table. */
  page: number;
  runs: PteRun[];
}

/**
 * A vmemmap page whose struct pages are not simply those of the PFNs it is
 * mapped for: a head page whose tails alias it (6.1/6.15 "fake heads", or its
 * runtime copy), or a zone's shared tail page (hvo-v7). Only these are stored;
 * every other vmemmap page is derived from the PFN that maps it.
 */
export type StoredVmemmapPage =
  | {
      kind: 'head';
      /** PFN whose struct page is slot 0 (slots hold basePfn .. basePfn + 63). */
      basePfn: number;
      /** raw: never written; plain: generic init wrote through the aliases; folio: hugetlb initialized the head and first tails. */
      readonly state: 'raw' | 'plain' | 'folio';
      /** Allocated from memblock at boot (counted in nr_memmap_boot_pages) or from the buddy allocator. */
      boot: boolean;
    }
  | {
      kind: 'tail';
      nid: number;
      zoneIdx: number;
      order: number;
      /** zero: as allocated; plain: generic init wrote through the aliases; init: init_compound_tail() ran. */
      readonly state: 'zero' | 'plain' | 'init';
      boot: boolean;
    };

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
  /** Leaves as runs: `count` consecutive entries from `entry`, mapping consecutive 2 MiB blocks from `phys`. */
  *runs(): IterableIterator<{ entry: number; count: number; phys: number }> {
    const a = this.slot;
    for (let e = 0; e < this.hi; ) {
      if (a[e]! === 0) {
        e++;
        continue;
      }
      let k = 1;
      while (e + k < this.hi && a[e + k]! === a[e]! + k * PMD_ENTRY_SPAN) k++;
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
    const p = key / PTE_SPAN;
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
class PteTableRef implements PteTable {
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

/** The 2 MiB leaves as runs of consecutive entries backed by consecutive blocks (for reports). */
export function pmdLeafRuns(pt: VmemmapPageTables): IterableIterator<{ entry: number; count: number; phys: number }> {
  return pt.pmdLeaf.runs();
}

export interface VmemmapPageTables {
  /** PUD tables by index (each maps 512 GiB of vmemmap): physical page of the table. */
  pud: Map<number, number>;
  /** PMD tables by index (each maps 1 GiB of vmemmap). */
  pmd: Map<number, number>;
  /** 2 MiB leaves by PMD entry index: the physical block they map. */
  pmdLeaf: PmdLeaves;
  /** PTE tables by PMD entry index (a PMD entry is a leaf or a table, never both). */
  pte: PteTables;
  /** Stored vmemmap pages by physical address. */
  stored: StoredPages;
  /** How many pages of their own the buddy allocator gave (a restored vmemmap); every other one came from memblock. */
  buddyPages: number;
  /**
   * Writes vmemmap_wrprotect_hvo() made through a 2 MiB leaf it took for a PTE table: `count`
   * 8-byte words from word `from` of the leaf's first page (struct-page memory), _PAGE_RW cleared.
   */
  leafWrites: { entry: number; phys: number; from: number; count: number }[];
}

export function createVmemmapPageTables(): VmemmapPageTables {
  return {
    pud: new Map(),
    pmd: new Map(),
    pmdLeaf: new PmdLeaves(),
    pte: new PteTables(),
    stored: new StoredPages(),
    buddyPages: 0,
    leafWrites: [],
  };
}

/** The runs of a new, empty PTE table: one frozen array every such table shares until it maps something. */
export const NO_RUNS: PteRun[] = Object.freeze([]) as unknown as PteRun[];

/** Index helpers: how many bytes of vmemmap one entry of each level maps. */
// The vmemmap's geometry is the architecture's (src/arch): one PTE maps a base
// page of struct pages, a PMD entry a PMD's worth, a table PTRS_PER_PTE entries.
export const PTE_SPAN = DEFAULT_ARCH.pageSize;
export const PTRS_PER_PTE = DEFAULT_ARCH.ptrsPerTable;
export const PMD_ENTRY_SPAN = DEFAULT_ARCH.pmdSize;
export const PMD_TABLE_SPAN = DEFAULT_ARCH.pudSize;
export const PUD_TABLE_SPAN = DEFAULT_ARCH.pudSize * DEFAULT_ARCH.ptrsPerTable;

/** What one PTE maps: physical page and protection. */
export function pteLookup(t: PteTable, idx: number): { phys: number; readOnly: boolean } | null {
  // Runs are sorted and disjoint: the first that ends past idx is the only one that can hold it.
  const runs = t.runs;
  const r = runs[firstEndingAbove(runs, idx, pteRunEnd)];
  if (r && idx >= r.from) return { phys: r.phys + (r.stride ? (idx - r.from) * PTE_SPAN : 0), readOnly: r.readOnly };
  return null;
}

const pteRunEnd = (r: PteRun) => r.from + r.count;

/** Point entries [from, from+count) at new pages (or, with phys null, at nothing: pte_clear()), splitting the runs they cut. */
export function pteSetRange(t: PteTable, from: number, count: number, phys: number | null, stride: 0 | 1, readOnly: boolean): void {
  pteSetRuns(t, from, count, phys === null ? [] : [{ from, count, phys, stride, readOnly }]);
}

/** Entries [from, from+count) map as `put` says (sorted runs within the range; entries none of them covers map nothing), splitting the runs they cut. */
export function pteSetRuns(t: PteTable, from: number, count: number, put: PteRun[]): void {
  const runs = t.runs;
  if (!runs.length) {
    t.runs = put;
    return;
  }
  const end = from + count;
  // Runs are sorted and disjoint: those before the range stay, then what is left of the first run it cuts,
  // the new runs, what is left of the last run it cuts, and those after (copied whole, not run by run).
  const i = firstEndingAbove(runs, from, pteRunEnd);
  let j = i;
  while (j < runs.length && runs[j]!.from < end) j++;
  const mid: PteRun[] = [];
  const first = runs[i];
  if (i < j && first!.from < from) mid.push({ ...first!, count: from - first!.from });
  for (const r of put) mid.push(r);
  const last = runs[j - 1];
  if (i < j && last!.from + last!.count > end) {
    const r = last!;
    mid.push({ ...r, from: end, count: r.from + r.count - end, phys: r.phys + (r.stride ? (end - r.from) * PTE_SPAN : 0) });
  }
  if (t instanceof PteTableRef) t.tables.spliceRunsAt(t.entry, i, j, mid);
  else t.runs = runs.slice(0, i).concat(mid, runs.slice(j));
}

/**
 * Point entries from, from+1, ... at the pages in `phys` (one writable
 * single-entry run each, as pteSetRange() entry by entry would leave them).
 */
export function pteSetPages(t: PteTable, from: number, phys: number[]): void {
  if (!phys.length) return;
  pteSetRuns(
    t,
    from,
    phys.length,
    phys.map((p, k) => ({ from: from + k, count: 1, phys: p, stride: 1, readOnly: false })),
  );
}

/**
 * Point entries from, from+1, ... at the pages in `phys`, writable, pages
 * that follow each other in one run (the mapping pteSetPages() makes, in
 * fewer runs: a restored folio's 4,095 pages are mostly consecutive).
 */
export function pteSetPageRuns(t: PteTable, from: number, phys: number[]): void {
  const put: PteRun[] = [];
  for (let k = 0; k < phys.length; ) {
    let n = 1;
    while (k + n < phys.length && phys[k + n] === phys[k]! + n * PTE_SPAN) n++;
    put.push({ from: from + k, count: n, phys: phys[k]!, stride: 1, readOnly: false });
    k += n;
  }
  pteSetRuns(t, from, phys.length, put);
}

/** Entries of [from, from+count) that map nothing yet, as [start, end) index pairs. */
export function pteNoneRanges(t: PteTable, from: number, count: number): [number, number][] {
  if (!t.runs.length) return [[from, from + count]];
  const out: [number, number][] = [];
  let at = from;
  const end = from + count;
  for (const r of t.runs) {
    if (r.from + r.count <= at) continue;
    if (r.from >= end) break;
    if (r.from > at) out.push([at, r.from]);
    at = Math.max(at, r.from + r.count);
    if (at >= end) break;
  }
  if (at < end) out.push([at, end]);
  return out;
}

/** Where a vmemmap address is mapped: the physical address behind it, or null if unmapped. */
export function vmemmapTranslate(pt: VmemmapPageTables, off: number): { phys: number; readOnly: boolean; level: 'pmd' | 'pte' } | null {
  const entry = Math.floor(off / PMD_ENTRY_SPAN);
  const leaf = pt.pmdLeaf.get(entry);
  if (leaf !== undefined) return { phys: leaf + (off % PMD_ENTRY_SPAN), readOnly: false, level: 'pmd' };
  const t = pt.pte.get(entry);
  if (!t) return null;
  const idx = Math.floor((off % PMD_ENTRY_SPAN) / PTE_SPAN);
  const e = pteLookup(t, idx);
  return e ? { phys: e.phys + (off % PTE_SPAN), readOnly: e.readOnly, level: 'pte' } : null;
}

/** One PMD entry's share of a vmemmap range: [lo, hi) in bytes, PTE indexes [from, from + count). */
export interface PmdSlice {
  entry: number;
  lo: number;
  hi: number;
  from: number;
  count: number;
}

/** The PMD entries a vmemmap range [start, end) crosses, each with its share of the range. */
export function* pmdSlices(start: number, end: number): Generator<PmdSlice> {
  for (let entry = Math.floor(start / PMD_ENTRY_SPAN); entry * PMD_ENTRY_SPAN < end; entry++) {
    const base = entry * PMD_ENTRY_SPAN;
    const lo = Math.max(start, base);
    const hi = Math.min(end, base + PMD_ENTRY_SPAN);
    const from = Math.floor((lo - base) / PTE_SPAN);
    yield { entry, lo, hi, from, count: Math.ceil((hi - base) / PTE_SPAN) - from };
  }
}

/** The runs of a PTE table that map entries of [from, from + count), with the indexes [a, b) they cover there. */
export function* runsIn(t: PteTable, from: number, count: number): Generator<{ r: PteRun; a: number; b: number }> {
  // Runs are sorted and disjoint: start at the first one that ends past `from`. (pteSetRange() may change
  // the array in place: a caller that remaps while it walks walks a copy.)
  const runs = t.runs;
  for (let i = firstEndingAbove(runs, from, (r) => r.from + r.count); i < runs.length && runs[i]!.from < from + count; i++) {
    const r = runs[i]!;
    yield { r, a: Math.max(r.from, from), b: Math.min(r.from + r.count, from + count) };
  }
}

/** The physical page entry `idx` of a run maps. */
export function runPhys(r: PteRun, idx: number): number {
  return r.phys + (r.stride ? (idx - r.from) * PTE_SPAN : 0);
}
