// mm/sparse-vmemmap.c: sparse_vmemmap_init_nid_early() and _late(), the hooks
// through which sparse_init_nid() and free_area_init() hand boot-time gigantic
// pages to hugetlb_vmemmap. Apart from sparse-vmemmap.ts so that it and
// hugetlb-vmemmap.ts (which populates through it) do not import each other.
import { hugetlbVmemmapInitEarly, hugetlbVmemmapInitLate } from './hugetlb-vmemmap.js';
import type { KernelState } from './state.js';

/** sparse_vmemmap_init_nid_early(): the hook sparse_init_nid() calls before populating sections (6.15, hvo-v7). */
export function sparseVmemmapInitNidEarly(s: KernelState, nid: number): void {
  if (s.kernel.bootVmemmap === 'gather') return;
  hugetlbVmemmapInitEarly(s, nid);
  // 7.3: the zones are set up before sparse_init(), so the HVO mapping is built here, before the node's sections.
  if (s.kernel.bootVmemmap === 'sparse-init') hugetlbVmemmapInitLate(s, nid);
}

/** sparse_vmemmap_init_nid_late(): the hook free_area_init() calls once zones are sized (6.15, hvo-v7). */
export function sparseVmemmapInitNidLate(s: KernelState, nid: number): void {
  if (s.kernel.bootVmemmap === 'early' || s.kernel.bootVmemmap === 'deferred') hugetlbVmemmapInitLate(s, nid);
}
