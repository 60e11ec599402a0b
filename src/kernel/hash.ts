// mm/mm_init.c: alloc_large_system_hash()'s sizing of the boot-time hash tables
// (dentry, inode, ...), shared by the tables taken from memblock early (others.ts)
// and those vmalloc'd before the initcalls on NUMA machines (page-alloc.ts).
import type { KernelState } from './state.js';

/** nr_kernel_pages as free_area_init() left it (calcNrKernelPages()). */
function nrKernelPages(s: KernelState): number {
  const n = s.zones?.nrKernelPages;
  if (n === undefined) throw new Error('alloc_large_system_hash() before free_area_init() counted nr_kernel_pages');
  return n;
}

/** The size alloc_large_system_hash() gives a table of one bucket per 2^scale bytes of memory (a power of two of buckets). */
export function largeSystemHashBytes(s: KernelState, bucketsize: number, scale: number): number {
  const mib = 2 ** 20 / s.arch.pageSize;
  const pages = nrKernelPages(s);
  let n = Math.ceil(pages / mib) * mib;
  // Above 64 GiB the table grows with the square root of memory (one more scale step per 4x: ADAPT_SCALE_*).
  for (let adapt = 2 ** 36 / s.arch.pageSize; adapt < n; adapt *= 4) scale++;
  n = scale > s.arch.pageShift ? Math.floor(n / 2 ** (scale - s.arch.pageShift)) : n * 2 ** (s.arch.pageShift - scale);
  if (n * bucketsize < s.arch.pageSize) n = s.arch.pageSize / bucketsize;
  n = 2 ** Math.ceil(Math.log2(n));
  // At most 1/16 of memory and 2^31 buckets; the table is a power of two of buckets (ilog2).
  const max = Math.min(Math.floor((pages * s.arch.pageSize) / 16 / bucketsize), 2 ** 31);
  return bucketsize * 2 ** Math.floor(Math.log2(Math.min(n, max)));
}

/**
 * vfs_caches_init() with hashdist on (more than one node): the dentry and inode
 * hashes are vmalloc'd from the page allocator before the initcalls, spread
 * over the nodes, rather than taken from memblock early. Their bytes.
 */
export function hashdistHashBytes(s: KernelState): number {
  if ((s.zones?.nodeSpan.size ?? 0) <= 1) return 0;
  return largeSystemHashBytes(s, 8, 13) + largeSystemHashBytes(s, 8, 14);
}
