// Sizes as people and the kernel write them.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** 2^n for a whole n >= 0: a shift where it fits (2 ** n is a call to Math.pow, ten times slower, and runs for every page). */
export function pow2(n: number): number {
  return n < 31 ? 1 << n : 2 ** n;
}

const SUFFIX: Record<string, number> = { k: KiB, m: MiB, g: GiB, t: TiB, p: 1024 * TiB, e: 1024 * 1024 * TiB };

/**
 * memparse() from lib/cmdline.c: a number (decimal, 0x hex or 0 octal) and an
 * optional K/M/G/T/P/E suffix. Returns the value and what was not consumed.
 */
export function memparse(s: string): { value: number; rest: string } {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kKmMgGtTpPeE]?)/.exec(s);
  if (!m) return { value: 0, rest: s };
  const num = m[1]!;
  let v: number;
  if (/^0[xX]/.test(num)) v = Number(BigInt(num));
  else if (num.length > 1 && num.startsWith('0')) v = parseInt(num, 8);
  else v = Number(num);
  const suf = m[2]!.toLowerCase();
  if (suf) v *= SUFFIX[suf]!;
  return { value: v, rest: s.slice(m[0].length) };
}

/** How parseSize() sizes are written, for error lines. */
export const SIZE_EXAMPLES = '4G, 512M, 1P, 0x1000 or 4096';

/**
 * A whole size string ("4G", "1500M", "1P", "0x1000", "4096"): memparse()'s syntax (K, M, G, T, P, E),
 * the one every size hvosim reads is written in (machine files, QEMU properties, --plan-margin); null
 * when it is not one, or is beyond a double's whole numbers.
 */
export function parseSize(s: string | number): number | null {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s : null;
  const t = s.trim();
  const { value, rest } = memparse(t);
  if (rest !== '' || t === '') return null;
  return Number.isSafeInteger(value) ? value : null;
}

/** string_get_size(..., STRING_UNITS_2) with the precision the kernel uses in "1.00 GiB". */
export function stringGetSize2(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${bytes} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** Human size for tables: the one formatter, formatBytes() in format.ts. */
export { formatBytes as humanSize } from './format.js';

/** A size as a parameter or machine file writes it: the largest binary suffix that divides it (4T, 3G, 2M, 64K). */
export function sizeSuffixed(bytes: number): string {
  for (const [u, m] of [
    ['T', TiB],
    ['G', GiB],
    ['M', MiB],
    ['K', KiB],
  ] as const)
    if (bytes && bytes % m === 0) return `${bytes / m}${u}`;
  return String(bytes);
}
