// Whole numbers as a user writes them: exactly, or not at all.

/**
 * A decimal whole number written with digits only, within [min, max], or null. Read exactly
 * (BigInt): digits beyond what a double holds are refused, never rounded to a neighbour.
 * `max` is at most Number.MAX_SAFE_INTEGER.
 */
export function parseWhole(v: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | null {
  if (!/^\d+$/.test(v)) return null;
  const n = BigInt(v);
  if (n < BigInt(min) || n > BigInt(Math.min(max, Number.MAX_SAFE_INTEGER))) return null;
  return Number(n);
}
