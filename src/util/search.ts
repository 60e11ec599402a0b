// Binary search over sorted, disjoint ranges (memblock regions, PTE runs, section runs, folios).

/** Index of the first item whose end lies above `x` (items.length if none); `end` gives an item's exclusive end. */
export function firstEndingAbove<T>(items: readonly T[], x: number, end: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end(items[mid]!) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first number above `x` in an ascending array (its length if none): no callback, for hot paths. */
export function firstNumberAbove(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
