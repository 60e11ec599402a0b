// What the invariant checks carry from step to step within one boot.
//
// A campaign checks every invariant after each of a boot's twenty steps, and
// most steps leave most of the state alone. Each part of the state the checks
// read has a version (partVersion()): the vmemmap's tables, its stored pages
// and the hugetlb lists count their changes, and the rest is compared by
// value. Data derived from the state is remembered with the versions it was
// derived from (Carry.memo), and the memblock call log, which only grows, is
// read once: the scans of it keep how far they got.
import { PMD_ENTRY_SPAN, PTE_SPAN, type KernelState, type PteRun } from '../simulator.js';
import { firstEndingAbove } from '../util/search.js';
import { hex } from '../util/format.js';
import { HeldRanges, RangeUnion, uncovered, type Range } from './ranges.js';
import { pow2 } from '../util/units.js';
import { ALLOC_OUTCOME_CALLER, keptInUse } from '../util/kernel-callers.js';

/**
 * A part of the state an invariant reads. 'memblock' (regions and the call
 * log) changes at almost every step and is taken as always changed; the
 * checks that read it carry their scan of the log instead.
 */
export type StatePart = 'memblock' | 'pgtable' | 'stored' | 'hugetlb' | 'zones' | 'memory' | 'memmap';

export function sameVersion(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The version of a part of the state: two equal versions, no change in between. null: taken as changed. */
export function partVersion(s: KernelState, part: StatePart): unknown[] | null {
  switch (part) {
    case 'memblock':
      return null;
    case 'pgtable': {
      // PUD and PMD tables are only ever added, and the pages the buddy allocator gave only counted up.
      const pt = s.vmemmap;
      return [pt, pt.pud.size, pt.pmd.size, pt.pmdLeaf.gen, pt.pte.gen, pt.buddyPages, pt.leafWrites.length];
    }
    case 'stored':
      return [s.vmemmap.stored, s.vmemmap.stored.gen];
    case 'hugetlb':
      return [s.hugetlb, s.hugetlb.gen];
    case 'zones':
      // The zone layout is made once, by free_area_init(), and not changed after.
      return [s.zones, s.memmapInitDone];
    case 'memory': {
      const out: unknown[] = [];
      for (const r of s.memblock.memory.regions) out.push(r.base, r.size, r.nid);
      return out;
    }
    case 'memmap':
      return [s.memmap.bootPages, s.memmap.pages];
  }
}

/** Boot-time gigantic pages whose HVO tails may still be writable: hugetlb has not gathered them yet. */
function preGatherHvo(s: KernelState): Range[] {
  const pooled = new Set(s.hugetlb.pages.map((p) => p.pfn));
  const sp = s.arch.structPageSize;
  return s.hugetlb.bootPages
    .filter((m) => m.hvo && !pooled.has(m.addr / s.arch.pageSize))
    .map((m) => [(m.addr / s.arch.pageSize) * sp, (m.addr / s.arch.pageSize + pow2(m.order)) * sp]);
}

/** Every PTE run of the vmemmap with its virtual start, tables in the order they were made (read by entry: no table view each). */
function pteRuns(s: KernelState): { r: PteRun; vaddr: number }[] {
  const out: { r: PteRun; vaddr: number }[] = [];
  const ptes = s.vmemmap.pte;
  for (const entry of ptes.keys()) {
    for (const r of ptes.runsAt(entry)) out.push({ r, vaddr: entry * PMD_ENTRY_SPAN + r.from * PTE_SPAN });
  }
  return out;
}

/** The call log as memblock-one-owner reads it, up to where it got. */
export interface Ownership {
  /** Calls read so far. */
  k: number;
  /** Bytes live allocations hold, by caller. */
  live: HeldRanges;
  /** Every byte any reservation or allocation ever made. */
  owners: RangeUnion;
  /** Each allocation that handed out bytes a live one held: found once, reported after every step from then on. */
  clashes: string[];
}

/** The pieces of an allocation (call k) nothing is known to use. */
export interface Unused {
  k: number;
  pieces: Range[];
}

/** What memblock-nothing-lost carries: the call log and the late frees read so far, and the pieces still unused. */
interface Lost {
  k: number;
  /** Allocations by the vmemmap and hugetlb (whose bytes must stay in use): call indices. */
  ours: number[];
  /** What other subsystems took or reserved (theirs, even inside space ours gave back), as they came. */
  theirs: Range[];
  /** Entries of the late-freed list read (all but the last, which may still grow). */
  lateDone: number;
  /** What was left unused once theirs and the final late frees were taken away, and how many of each that was. */
  left: Unused[];
  leftOf: Unused[] | null;
  theirsAt: number;
  lateAt: number;
}

/** What a scan needs to know of a function or caller name, worked out once per name. */
const FREES = 1;
const ALLOCS = 2;
const RESERVE = 4;
/** A caller whose allocations must stay in use (KernelCaller.keptInUse: all of them). */
const OUR_CALLER = 8;
/** A caller whose memblock_alloc_exact_nid_raw() allocations must stay in use (sparse_init_nid()'s memmap buffer). */
const OURS_IF_EXACT_NID_RAW = 16;
const ALLOC_RANGE_NID = 32;
const EXACT_NID_RAW = 64;

function nameFlags(name: string): number {
  const kept = keptInUse(name);
  return (
    (name.includes('free') ? FREES : 0) |
    (name.includes('alloc') ? ALLOCS : 0) |
    (name === 'memblock_reserve' ? RESERVE : 0) |
    (kept === true ? OUR_CALLER : 0) |
    (kept === 'memblock_alloc_exact_nid_raw' ? OURS_IF_EXACT_NID_RAW : 0) |
    (name === ALLOC_OUTCOME_CALLER ? ALLOC_RANGE_NID : 0) |
    (name === 'memblock_alloc_exact_nid_raw' ? EXACT_NID_RAW : 0)
  );
}

/** Take [x, y) away from each allocation's pieces (dropping those left with none). */
function cut(left: Unused[], x: number, y: number): Unused[] {
  if (y <= x) return left;
  const out: Unused[] = [];
  for (const u of left) {
    if (!u.pieces.some(([a, b]) => a < y && x < b)) {
      out.push(u);
      continue;
    }
    const pieces = u.pieces.flatMap(([a, b]) => uncovered(a, b, [[x, y]]));
    if (pieces.length) out.push({ k: u.k, pieces });
  }
  return out;
}

/**
 * Work the checks carry from step to step within one boot: derived data
 * remembered with the versions of what it was derived from, and the scans of
 * the call log with how far they got.
 */
export class Carry {
  private readonly memos = new Map<string, { key: unknown[]; value: unknown }>();
  private own: Ownership | null = null;
  private lost: Lost | null = null;
  /** nameFlags() by name id of the boot's call log. */
  private flags: number[] = [];

  private flagsOf(id: number, calls: KernelState['memblock']['calls']): number {
    let f = this.flags[id];
    if (f === undefined) this.flags[id] = f = nameFlags(calls.nameOf(id));
    return f;
  }

  /** `make()`, or what it gave last time if `key` is the same as then. */
  memo<T>(name: string, key: unknown[], make: () => T): T {
    const m = this.memos.get(name);
    if (m && sameVersion(m.key, key)) return m.value as T;
    const value = make();
    this.memos.set(name, { key, value });
    return value;
  }

  /** Every PTE run of the vmemmap with its virtual start. */
  pteRuns(s: KernelState): { r: PteRun; vaddr: number }[] {
    return this.memo('pteRuns', [s.vmemmap.pte.gen], () => pteRuns(s));
  }

  /** preGatherHvo(), as long as the hugetlb lists stay the same. */
  preGatherHvo(s: KernelState): Range[] {
    return this.memo('preGatherHvo', [s.hugetlb.gen], () => preGatherHvo(s));
  }

  /** The call log read up to its end for memblock-one-owner: who holds what, who ever owned what, clashes. */
  ownership(s: KernelState): Ownership {
    const o = (this.own ??= { k: 0, live: new HeldRanges(), owners: new RangeUnion(), clashes: [] });
    // The calls are read field by field (no call object made for each).
    const calls = s.memblock.calls;
    for (; o.k < calls.length; o.k++) {
      const k = o.k;
      const fn = this.flagsOf(calls.fnIdAt(k), calls);
      const base = calls.baseAt(k);
      if (fn & FREES && base !== undefined) {
        o.live.release(base, base + calls.sizeAt(k));
        continue;
      }
      if (fn & RESERVE && base !== undefined) o.owners.add(base, base + calls.sizeAt(k));
      const a = calls.resultAt(k);
      if (!a || !(fn & ALLOCS)) continue;
      const b = a + calls.sizeAt(k);
      const caller = calls.callerAt(k);
      const clash = o.live.holder(a, b);
      if (clash !== null) o.clashes.push(`${calls.fnAt(k)} for ${caller} returned [${hex(a)}-${hex(b - 1)}], which ${clash} still holds`);
      o.live.take(a, b, caller);
      o.owners.add(a, b);
    }
    return o;
  }

  /**
   * For memblock-nothing-lost: the pieces of the vmemmap's and hugetlb's
   * memblock allocations that neither `inUse` (what the vmemmap and the
   * pools use), nor other subsystems, nor the final late frees account for.
   * Given too, as lists to take away at each step: the late frees' last entry
   * (it may still grow) and what is left of the sparse buffer (it shrinks).
   *
   * `inUse` is asked again only when the vmemmap or the pools change; what
   * other subsystems take and the late frees, which only grow, are taken away
   * as they come.
   */
  unusedOfOurs(s: KernelState, inUse: () => Range[]): { left: Unused[]; also: Range[][] } {
    const t = (this.lost ??= { k: 0, ours: [], theirs: [], lateDone: 0, left: [], leftOf: null, theirsAt: 0, lateAt: 0 });
    const calls = s.memblock.calls;
    for (; t.k < calls.length; t.k++) {
      const k = t.k;
      const fn = this.flagsOf(calls.fnIdAt(k), calls);
      if (!(fn & (ALLOCS | RESERVE))) continue;
      const caller = this.flagsOf(calls.callerIdAt(k), calls);
      const result = calls.resultAt(k);
      if (result && fn & ALLOCS) {
        // Ours: the vmemmap's and hugetlb's allocations, and the memmap buffer sparse_init_nid() takes exactly on its node.
        if (caller & OUR_CALLER || (fn & EXACT_NID_RAW && caller & OURS_IF_EXACT_NID_RAW)) t.ours.push(k);
        else t.theirs.push([result, result + calls.sizeAt(k)]);
      }
      const base = calls.baseAt(k);
      if (fn & RESERVE && base !== undefined && !(caller & ALLOC_RANGE_NID)) t.theirs.push([base, base + calls.sizeAt(k)]);
    }
    const late = s.pageAlloc.lateFreed;
    t.lateDone = Math.max(t.lateDone, late.length - 1);
    const open = this.memo('unused of ours', [...partVersion(s, 'pgtable')!, s.hugetlb.gen, t.ours.length], () => {
      const used = inUse();
      const out: Unused[] = [];
      // Allocations one after another mostly lie in the same range in use: try the last one first.
      let hit: Range | undefined;
      for (const k of t.ours) {
        const a = calls.resultAt(k)!;
        const b = a + calls.sizeAt(k);
        if (hit && hit[0] <= a && b <= hit[1]) continue;
        const pieces = uncovered(a, b, used);
        if (pieces.length) out.push({ k, pieces });
        else hit = used[firstEndingAbove(used, a, (r) => r[1])];
      }
      return out;
    });
    if (t.leftOf !== open) {
      // Start again from what the vmemmap and the pools leave: take away all of theirs and the final late frees.
      const theirs = new RangeUnion();
      for (const [a, b] of t.theirs) theirs.add(a, b);
      for (let i = 0; i < t.lateDone; i++) theirs.add(late[i]!.start, late[i]!.end);
      t.left = [];
      for (const u of open) {
        const pieces = u.pieces.flatMap(([a, b]) => uncovered(a, b, theirs.ranges));
        if (pieces.length) t.left.push({ k: u.k, pieces });
      }
      t.leftOf = open;
    } else {
      for (let i = t.theirsAt; i < t.theirs.length; i++) t.left = cut(t.left, t.theirs[i]![0], t.theirs[i]![1]);
      for (let i = t.lateAt; i < t.lateDone; i++) t.left = cut(t.left, late[i]!.start, late[i]!.end);
    }
    t.theirsAt = t.theirs.length;
    t.lateAt = t.lateDone;
    const also: Range[][] = [];
    const last = late[late.length - 1];
    if (last) also.push([[last.start, last.end]]);
    const b = s.sparse.buffer;
    if (b) also.push([[b.next, b.end]]);
    return { left: t.left, also };
  }
}
