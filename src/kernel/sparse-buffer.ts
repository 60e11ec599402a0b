// mm/sparse.c, the memmap buffer: sparse_buffer_init(), sparse_buffer_alloc()
// and sparse_buffer_fini(). Kept apart from sparse.ts because the vmemmap code
// (sparse-vmemmap.ts) takes its blocks from it while sparse.ts drives it, and
// the two files must not import each other.
import { memblockAllocExactNidRaw, memblockPhysFree } from './memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_NOLEAKTRACE } from './memblock-flags.js';
import type { KernelState } from './state.js';

/** section_map_size(): the memmap of one section, PMD aligned. */
export function sectionMapSize(s: KernelState): number {
  const bytes = (s.arch.sectionSize / s.arch.pageSize) * s.arch.structPageSize;
  return Math.ceil(bytes / s.arch.pmdSize) * s.arch.pmdSize;
}

/** memmap_alloc()'s max_addr: MEMBLOCK_ALLOC_NOLEAKTRACE where the generation passes it (kmemleak skips the memmap), else ACCESSIBLE. */
export function memmapAllocLimit(s: KernelState): number {
  return s.kernel.memblockAllocNoLeakTrace ? MEMBLOCK_ALLOC_NOLEAKTRACE : MEMBLOCK_ALLOC_ACCESSIBLE;
}

/** sparse_buffer_init(): one node's memmaps in one piece, on that node only. */
export function sparseBufferInit(s: KernelState, size: number, nid: number): void {
  const addr = memblockAllocExactNidRaw(
    s.memblock,
    size,
    sectionMapSize(s),
    s.arch.maxDmaAddress,
    memmapAllocLimit(s),
    nid,
    'sparse_init_nid',
  );
  s.sparse.buffer = addr ? { start: addr, end: addr + size, next: addr, nid } : null;
}

/** sparse_buffer_alloc(): the next piece of the buffer, or 0 when it is used up. */
export function sparseBufferAlloc(s: KernelState, size: number): number {
  const b = s.sparse.buffer;
  if (!b) return 0;
  const ptr = Math.ceil(b.next / size) * size;
  if (ptr + size > b.end) return 0;
  if (ptr > b.next) memblockPhysFree(s.memblock, b.next, ptr - b.next, 'sparse_buffer_alloc');
  b.next = ptr + size;
  return ptr;
}

/**
 * sparse_buffer_alloc() asked `count` times in a row for blocks of `size`
 * right after one of that size: while the buffer lasts, each takes the block
 * after the last (aligned already, so nothing is freed). Returns the first
 * block and how many the buffer had (fewer than `count` when it runs out).
 */
export function sparseBufferAllocRun(s: KernelState, size: number, count: number): { addr: number; count: number } {
  const n = Math.min(count, sparseBufferBlocksLeft(s, size));
  const b = s.sparse.buffer;
  if (!b || !n) return { addr: 0, count: 0 };
  const addr = b.next;
  b.next += n * size;
  return { addr, count: n };
}

/** How many blocks of `size` sparse_buffer_alloc() would hand out in a row from here, none of them giving memblock anything back first. */
export function sparseBufferBlocksLeft(s: KernelState, size: number): number {
  const b = s.sparse.buffer;
  if (!b || b.next % size !== 0) return 0;
  return Math.max(0, Math.floor((b.end - b.next) / size));
}

/** sparse_buffer_fini(): give back what the node's memmaps did not use. */
export function sparseBufferFini(s: KernelState): void {
  const b = s.sparse.buffer;
  if (b && b.end > b.next) memblockPhysFree(s.memblock, b.next, b.end - b.next, 'sparse_buffer_fini');
  s.sparse.buffer = null;
}
