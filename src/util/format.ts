// Number formatting the kernel's printk uses.

/** %pa of a phys_addr_t on a 64-bit kernel: 0x then 16 hex digits. */
export function pa(x: number): string {
  if (x < 0) {
    // (phys_addr_t)-1 and friends wrap around in the kernel; only -1 occurs in practice.
    return `0x${BigInt.asUintN(64, BigInt(x)).toString(16).padStart(16, '0')}`;
  }
  if (x >= 2 ** 64) return '0xffffffffffffffff';
  return `0x${BigInt(x).toString(16).padStart(16, '0')}`;
}

/** "%#llx"-like hex with 0x prefix, no padding. */
export function hex(x: number): string {
  return `0x${BigInt(x).toString(16)}`;
}

/** "%#x"-like: 0 prints as "0x0" in the memblock dump (the kernel uses %#x, which prints plain 0, but memblock_dump pads as 0x%x). */
export function hexFlags(x: number): string {
  return `0x${x.toString(16)}`;
}

/** Parse a hex number that may exceed 2^53 only when it is exactly representable. */
export function parseHex(s: string): number {
  const t = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (!/^[0-9a-fA-F]+$/.test(t)) throw new Error(`not a hex number: ${s}`);
  return Number(BigInt(`0x${t}`));
}

/** printk "%#010Lx" / "%#010llx": 0x and at least 8 hex digits. */
export function hex010(x: number): string {
  return `0x${BigInt(x).toString(16).padStart(8, '0')}`;
}

/** printk "%#018Lx": 0x and at least 16 hex digits (same as %pa for our purposes). */
export function hex018(x: number): string {
  return `0x${BigInt(x).toString(16).padStart(16, '0')}`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * A size for people, the one formatter of every table, summary and picture: the largest binary
 * unit in which it is at least 1, with at most two decimals and no trailing zeros. A size that is
 * not a whole number of hundredths there is cut down, never rounded up, so a node 384 KiB short of
 * 3 GiB reads "2.99 GiB", not "3.0 GiB" beside a node of exactly "3 GiB".
 */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const hundredths = Math.floor(v * 100 + 1e-9);
  const text = (hundredths / 100).toFixed(2).replace(/\.?0+$/, '');
  return `${text} ${BYTE_UNITS[i]}`;
}

/**
 * A count of things of one size in words, the size after the noun so that no two numbers touch
 * ("4 pages of 1 GiB", "1 slot of 2 MiB", never "4 1 GiB pages").
 */
export function countOfSize(n: number, noun: string, size: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'} of ${size}`;
}
