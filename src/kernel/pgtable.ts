// The kernel page tables that map the vmemmap (x86_64, 4-level): which tables
// exist, which PMD entries are 2 MiB leaves, and which point to PTE tables.
// Addresses are offsets from VMEMMAP_START.
//
// Nothing is kept per base page. A PTE table is a short list of runs: a run
// maps `count` consecutive entries either onto consecutive physical pages
// (stride 1, what splitting a 2 MiB leaf gives) or all onto one page (stride 0,
// what HVO does with the tail vmemmap pages).
//
// The tables' storage (PmdLeaves, PteTables, StoredPages: hvosim's compact
// Map-like tables, none an object per entry) is in pgtable-storage.ts.
//
// Read API (for reports): `pt.pmdLeaf`, `pt.pte` and `pt.stored` read like
// Maps; `pmdLeafRuns(pt)` gives runs of leaves; each table's `runs` are its
// PTE runs; `vmemmapTranslate()` walks one address.
import { DEFAULT_ARCH } from '../asm/index.js';
import { firstEndingAbove } from '../util/search.js';
import { PmdLeaves, PteTableRef, PteTables, StoredPages } from './pgtable-storage.js';

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

/** The 2 MiB leaves as runs of consecutive entries backed by consecutive blocks (for reports). */
export function pmdLeafRuns(pt: VmemmapPageTables): IterableIterator<{ entry: number; count: number; phys: number }> {
  return pt.pmdLeaf.runs(PMD_ENTRY_SPAN);
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
    stored: new StoredPages(PTE_SPAN),
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
