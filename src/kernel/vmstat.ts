// mm/vmstat.c: the global memmap counters shown in /proc/vmstat (6.15 and later).
import type { KernelState } from './state.js';

/** memmap_boot_pages_add(): vmemmap pages taken from memblock at boot (nr_memmap_boot_pages). */
export function memmapBootPagesAdd(s: KernelState, delta: number): void {
  s.memmap.bootPages += delta;
}

/** memmap_pages_add(): vmemmap pages taken from the buddy allocator (nr_memmap_pages). */
export function memmapPagesAdd(s: KernelState, delta: number): void {
  s.memmap.pages += delta;
}
