// Byte ranges for the invariants: merging, what a set of ranges leaves
// uncovered, and two sorted structures that grow call by call (the memblock
// call log only grows, so the checks that read it carry these from step to
// step instead of rebuilding them).
import { firstEndingAbove } from '../util/search.js';

/** [start, end). */
export type Range = [number, number];

const rangeEnd = (r: Range) => r[1];

/**
 * firstEndingAbove() of sorted, disjoint items, trying `hint` and the item
 * after it first (lookups that follow each other mostly land together).
 */
function firstAbove<T>(items: readonly T[], x: number, hint: number, end: (item: T) => number): number {
  for (let i = hint; i <= hint + 1 && i <= items.length; i++) {
    if ((i === items.length || end(items[i]!) > x) && (i === 0 || end(items[i - 1]!) <= x)) return i;
  }
  return firstEndingAbove(items, x, end);
}

/**
 * Sort and merge [start, end) ranges (touching ones merge). The union only
 * needs the starts and the ends each in order, so they are sorted apart, as
 * numbers (a typed-array sort, not a comparator over pairs), then swept: a
 * merged range opens when the count of open ranges leaves 0 and closes when it
 * returns to 0, starts going before ends at a tie.
 */
export function mergeRanges(rs: readonly Range[]): Range[] {
  let n = 0;
  let sorted = true;
  let prev = -Infinity;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    const a = r[0];
    if (r[1] <= a) continue;
    n++;
    if (a < prev) sorted = false;
    prev = a;
  }
  const out: Range[] = [];
  if (sorted) {
    // Already in order (memblock regions, runs of one table): one pass.
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      const a = r[0];
      const b = r[1];
      if (b <= a) continue;
      const last = out[out.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    return out;
  }
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    if (r[1] <= r[0]) continue;
    starts[k] = r[0];
    ends[k++] = r[1];
  }
  starts.sort();
  ends.sort();
  let open = 0;
  let from = 0;
  for (let i = 0, j = 0; i < n || j < n; ) {
    if (i < n && starts[i]! <= ends[j]!) {
      if (open++ === 0) from = starts[i]!;
      i++;
    } else {
      if (--open === 0) out.push([from, ends[j]!]);
      j++;
    }
  }
  return out;
}

/** The pieces of [a, b) that sorted, disjoint `merged` ranges do not cover, in order. */
export function uncovered(a: number, b: number, merged: readonly Range[]): Range[] {
  const out: Range[] = [];
  let at = a;
  for (let i = firstEndingAbove(merged, a, rangeEnd); i < merged.length && merged[i]![0] < b; i++) {
    const [x, y] = merged[i]!;
    if (x > at) out.push([at, Math.min(x, b)]);
    at = Math.max(at, y);
    if (at >= b) break;
  }
  if (at < b) out.push([at, b]);
  return out;
}

/** The first piece of [a, b) that sorted, disjoint `merged` ranges do not cover, or null (uncovered()[0], without the rest). */
export function firstGap(a: number, b: number, merged: readonly Range[]): Range | null {
  let at = a;
  for (let i = firstEndingAbove(merged, a, rangeEnd); i < merged.length && merged[i]![0] < b; i++) {
    const r = merged[i]!;
    if (r[0] > at) return [at, Math.min(r[0], b)];
    at = Math.max(at, r[1]);
    if (at >= b) return null;
  }
  return at < b ? [at, b] : null;
}

/** The pieces of [a, b) that none of several sorted, disjoint range lists covers, in order. */
export function uncoveredByAll(a: number, b: number, lists: readonly (readonly Range[])[]): Range[] {
  let pieces: Range[] = [[a, b]];
  for (const l of lists) {
    if (!pieces.length) break;
    pieces = pieces.length === 1 ? uncovered(pieces[0]![0], pieces[0]![1], l) : pieces.flatMap(([x, y]) => uncovered(x, y, l));
  }
  return pieces;
}

/** A union of ranges kept merged (touching ones merge) as ranges are added: `ranges` is always sorted and disjoint. */
export class RangeUnion {
  readonly ranges: Range[] = [];
  private g = 0;
  /** Where the last add landed: the next one mostly lands there too. */
  private hint = 0;

  /** Adds so far that changed the union. */
  get gen(): number {
    return this.g;
  }

  add(a: number, b: number): void {
    if (b <= a) return;
    const rs = this.ranges;
    // The first range that ends at or after a (integers: ending above a - 1) is the first that touches or overlaps.
    const i = (this.hint = firstAbove(rs, a - 1, this.hint, rangeEnd));
    let j = i;
    let lo = a;
    let hi = b;
    while (j < rs.length && rs[j]![0] <= b) {
      lo = Math.min(lo, rs[j]![0]);
      hi = Math.max(hi, rs[j]![1]);
      j++;
    }
    if (j === i + 1 && lo === rs[i]![0] && hi === rs[i]![1]) return;
    this.g++;
    if (j === i + 1) {
      rs[i]![0] = lo;
      rs[i]![1] = hi;
    } else rs.splice(i, j - i, [lo, hi]);
  }
}

interface Held {
  a: number;
  b: number;
  who: string;
}

/**
 * Bytes held, and by whom: sorted, disjoint pieces. Holding bytes someone
 * already holds leaves them to the first holder; letting go of a range frees
 * it from whoever holds it.
 */
export class HeldRanges {
  private readonly held: Held[] = [];
  /** Where the last lookup landed (allocations by one caller mostly follow each other). */
  private hint = 0;

  /** The first piece ending above x. */
  private find(x: number): number {
    return (this.hint = firstAbove(this.held, x, this.hint, heldEnd));
  }

  /** Who holds some byte of [a, b): the lowest-addressed holder, or null. */
  holder(a: number, b: number): string | null {
    const h = this.held[this.find(a)];
    return h && h.a < b ? h.who : null;
  }

  /** `who` takes [a, b): the bytes nobody holds yet. */
  take(a: number, b: number, who: string): void {
    const hs = this.held;
    let i = this.find(a);
    let at = a;
    while (at < b && i < hs.length && hs[i]!.a < b) {
      const h = hs[i]!;
      if (h.a > at) i += this.put(i, at, h.a, who);
      at = Math.max(at, h.b);
      i++;
    }
    if (at < b) this.put(i, at, b, who);
  }

  /**
   * `who` holds [a, b), which lies between pieces i - 1 and i: it joins a
   * neighbour `who` holds and touches (allocations by one caller mostly
   * follow each other), else it is a new piece. Returns how many pieces were added.
   */
  private put(i: number, a: number, b: number, who: string): number {
    const hs = this.held;
    const prev = hs[i - 1];
    if (prev && prev.b === a && prev.who === who) {
      prev.b = b;
      return 0;
    }
    const next = hs[i];
    if (next && next.a === b && next.who === who) {
      next.a = a;
      return 0;
    }
    hs.splice(i, 0, { a, b, who });
    return 1;
  }

  /** [a, b) is let go of, whoever held it. */
  release(a: number, b: number): void {
    const hs = this.held;
    let i = this.find(a);
    while (i < hs.length && hs[i]!.a < b) {
      const h = hs[i]!;
      if (h.a < a && h.b > b) {
        hs.splice(i + 1, 0, { a: b, b: h.b, who: h.who });
        h.b = a;
        return;
      }
      if (h.a < a) {
        h.b = a;
        i++;
      } else if (h.b > b) {
        h.a = b;
        return;
      } else hs.splice(i, 1);
    }
  }
}

const heldEnd = (h: Held) => h.b;
