// mm/sparse-vmemmap.c and arch/x86/mm/init_64.c: populating the vmemmap with 2 MiB blocks.
import type { KernelState } from './state.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, memblockAllocTryNidRaw } from './memblock.js';
import { PMD_ENTRY_SPAN, PMD_TABLE_SPAN, PUD_TABLE_SPAN } from './pgtable.js';
import { sparseBufferAlloc } from './sparse.js';

/** vmemmap_alloc_block() before slab: __earlyonly_bootmem_alloc() from above 16 MiB on the node. */
export function vmemmapAllocBlock(s: KernelState, size: number, nid: number, caller: string): number {
  return memblockAllocTryNidRaw(s.memblock, size, size, s.arch.maxDmaAddress, MEMBLOCK_ALLOC_ACCESSIBLE, nid, caller);
}

/** vmemmap_alloc_block_buf(): from the node's sparse buffer, else a fresh block. */
function vmemmapAllocBlockBuf(s: KernelState, size: number, nid: number): number {
  return sparseBufferAlloc(s, size) || vmemmapAllocBlock(s, size, nid, 'vmemmap_alloc_block_buf');
}

/** vmemmap_populate() -> vmemmap_populate_hugepages(): a PUD and a PMD table where missing, a 2 MiB leaf per PMD entry. */
export function vmemmapPopulate(s: KernelState, start: number, end: number, nid: number): void {
  const pt = s.vmemmap;
  for (let addr = Math.floor(start / PMD_ENTRY_SPAN) * PMD_ENTRY_SPAN; addr < end; addr += PMD_ENTRY_SPAN) {
    const pudIdx = Math.floor(addr / PUD_TABLE_SPAN);
    if (!pt.pud.has(pudIdx)) pt.pud.set(pudIdx, vmemmapAllocBlock(s, s.arch.pageSize, nid, 'vmemmap_alloc_block_zero'));
    const pmdIdx = Math.floor(addr / PMD_TABLE_SPAN);
    if (!pt.pmd.has(pmdIdx)) pt.pmd.set(pmdIdx, vmemmapAllocBlock(s, s.arch.pageSize, nid, 'vmemmap_alloc_block_zero'));
    const entry = addr / PMD_ENTRY_SPAN;
    if (pt.pmdLeaf.has(entry)) continue;
    const p = vmemmapAllocBlockBuf(s, s.arch.pmdSize, nid);
    if (p) pt.pmdLeaf.set(entry, p);
  }
}
