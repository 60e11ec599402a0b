// mm/hugetlb_vmemmap.c as of 6.1: HVO by remapping a live vmemmap.
//
// The vmemmap of a huge page is mapped by 2 MiB leaves at boot. To optimize
// it, each PMD is split into a PTE table (a page from the allocator), the
// first vmemmap page stays as it is and every other vmemmap page of the folio
// is remapped read-only onto it; the pages no longer mapped go back to the
// allocator (free_bootmem_page(): the managed count grows by one per page).
import { allocPagesNode, bootCpuNode, freeReservedPages } from './page-alloc.js';
import type { PteTable } from './pgtable.js';
import { PMD_ENTRY_SPAN, pteLookup, pteSetRange, PTE_SPAN, PTRS_PER_PTE } from './pgtable.js';
import type { KernelState } from './state.js';

/** HUGETLB_VMEMMAP_RESERVE_SIZE: the vmemmap kept per huge page (one base page). */
export function vmemmapReserveSize(s: KernelState): number {
  return s.arch.pageSize;
}

/** hugetlb_vmemmap_size(): bytes of struct page for one huge page of `order`. */
export function hugetlbVmemmapSize(s: KernelState, order: number): number {
  return 2 ** order * s.arch.structPageSize;
}

/** hugetlb_vmemmap_optimizable_size(): what HVO can free per huge page (0 if struct page is not a power of two). */
export function hugetlbVmemmapOptimizableSize(s: KernelState, order: number): number {
  const sp = s.arch.structPageSize;
  if ((sp & (sp - 1)) !== 0) return 0;
  return Math.max(0, hugetlbVmemmapSize(s, order) - vmemmapReserveSize(s));
}

export interface HvoStats {
  /** Huge pages whose vmemmap was optimized. */
  optimized: number;
  /** Vmemmap pages given back to the allocator. */
  vmemmapPagesFreed: number;
  /** PTE tables allocated to split 2 MiB vmemmap leaves. */
  pteTables: number;
  /** Optimizations that could not get a PTE table. */
  failed: number;
}

export function createHvoStats(): HvoStats {
  return { optimized: 0, vmemmapPagesFreed: 0, pteTables: 0, failed: 0 };
}

/** split_vmemmap_huge_pmd(): turn a 2 MiB leaf into a PTE table mapping the same pages. */
function splitVmemmapHugePmd(s: KernelState, entry: number): boolean {
  const pt = s.vmemmap;
  const leaf = pt.pmdLeaf.get(entry);
  if (leaf === undefined) return true;
  // pte_alloc_one_kernel(): a page from the allocator on the running CPU's node (the boot CPU's).
  const pfn = allocPagesNode(s, bootCpuNode(s), 0, false);
  if (pfn === null) return false;
  const table: PteTable = { page: pfn * s.arch.pageSize, runs: [{ from: 0, count: PTRS_PER_PTE, phys: leaf, stride: 1, readOnly: false }] };
  pt.pmdLeaf.delete(entry);
  pt.pte.set(entry, table);
  s.hvo.pteTables++;
  return true;
}

/** vmemmap_remap_free(): split, keep the page at `reuse`, remap [reuse + 1 page, end) onto it read-only, free the old pages. */
function vmemmapRemapFree(s: KernelState, reuse: number, end: number): boolean {
  const pt = s.vmemmap;
  for (let e = Math.floor(reuse / PMD_ENTRY_SPAN); e * PMD_ENTRY_SPAN < end; e++) if (!splitVmemmapHugePmd(s, e)) return false;
  const first = pt.pte.get(Math.floor(reuse / PMD_ENTRY_SPAN))!;
  const reusePhys = pteLookup(first, Math.floor((reuse % PMD_ENTRY_SPAN) / PTE_SPAN))!.phys;
  for (let addr = reuse + PTE_SPAN; addr < end; ) {
    const entry = Math.floor(addr / PMD_ENTRY_SPAN);
    const t = pt.pte.get(entry)!;
    const from = Math.floor((addr % PMD_ENTRY_SPAN) / PTE_SPAN);
    const count = Math.min(PTRS_PER_PTE - from, (end - addr) / PTE_SPAN);
    // Give back what the entries mapped before (boot vmemmap: reserved pages, so managed grows).
    for (const r of t.runs) {
      const a = Math.max(r.from, from);
      const b = Math.min(r.from + r.count, from + count);
      if (a >= b || !r.stride) continue;
      freeReservedPages(s, (r.phys + (a - r.from) * PTE_SPAN) / s.arch.pageSize, b - a);
      s.hvo.vmemmapPagesFreed += b - a;
    }
    pteSetRange(t, from, count, reusePhys, 0, true);
    addr += count * PTE_SPAN;
  }
  return true;
}

/** hugetlb_vmemmap_optimize() (6.1): HVO for one huge page if enabled; true when its vmemmap is now optimized. */
export function hugetlbVmemmapOptimize(s: KernelState, order: number, headPfn: number): boolean {
  if (!s.hugetlb.vmemmapOptimizeEnabled) return false;
  if (!hugetlbVmemmapOptimizableSize(s, order)) return false;
  const start = headPfn * s.arch.structPageSize;
  const end = start + hugetlbVmemmapSize(s, order);
  if (!vmemmapRemapFree(s, start, end)) {
    s.hvo.failed++;
    return false;
  }
  s.hvo.optimized++;
  return true;
}
