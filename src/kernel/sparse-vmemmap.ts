// mm/sparse-vmemmap.c and arch/x86/mm/init_64.c: populating the vmemmap.
//
// Normal population maps each 2 MiB of vmemmap with one PMD leaf (a block
// from the node's sparse buffer, else from memblock) and falls back to 4 KiB
// pages under a PTE table when no block can be had or a PTE table is already
// there. HVO population (6.15 and hvo-v7) maps the head's vmemmap page with
// its own page and every other PTE of the folio onto one page: the head page
// itself in 6.15 (the tails "mirror" it), the zone's shared tail page in hvo-v7.
//
// Gigantic pages whose vmemmap nothing maps yet (every one at boot) may be
// built at once by hvosim's shortcuts (src/sim/vmemmap-runs.ts, `s.shortcuts`,
// absent when booting stepwise): the same memblock calls in the same order and
// the same tables as the walk here.
import type { Zone } from './mm-init.js';
import { memblockAllocTryNidRaw, memblockPhysFree } from './memblock.js';
import type { PteRun, PteTable } from './pgtable.js';
import {
  NO_RUNS,
  pmdSlices,
  PMD_ENTRY_SPAN,
  PMD_TABLE_SPAN,
  pteNoneRanges,
  pteSetPages,
  pteSetRange,
  PTE_SPAN,
  PTRS_PER_PTE,
  PUD_TABLE_SPAN,
  runPhys,
} from './pgtable.js';
import { memmapAllocLimit, sparseBufferAlloc, sparseBufferAllocRun } from './sparse-buffer.js';
import { firstEndingAbove } from '../util/search.js';

const runEnd = (r: PteRun) => r.from + r.count;
import type { KernelState } from './state.js';

/** vmemmap_alloc_block() before slab: __earlyonly_bootmem_alloc() from above 16 MiB on the node. */
export function vmemmapAllocBlock(s: KernelState, size: number, nid: number, caller: string): number {
  return memblockAllocTryNidRaw(s.memblock, size, size, s.arch.maxDmaAddress, memmapAllocLimit(s), nid, caller);
}

/** vmemmap_alloc_block_zero(): page-table pages (and hvo-v7's shared tail page). */
function vmemmapAllocBlockZero(s: KernelState, nid: number): number {
  return vmemmapAllocBlock(s, s.arch.pageSize, nid, 'vmemmap_alloc_block_zero');
}

/** vmemmap_alloc_block_buf(): from the node's sparse buffer, else a fresh block. */
export function vmemmapAllocBlockBuf(s: KernelState, size: number, nid: number): number {
  return sparseBufferAlloc(s, size) || vmemmapAllocBlock(s, size, nid, 'vmemmap_alloc_block_buf');
}

/** The PUD and PMD tables above a vmemmap address, allocated where missing. */
export function vmemmapPudPmdPopulate(s: KernelState, addr: number, nid: number): boolean {
  const pt = s.vmemmap;
  const pudIdx = Math.floor(addr / PUD_TABLE_SPAN);
  if (!pt.pud.has(pudIdx)) {
    const p = vmemmapAllocBlockZero(s, nid);
    if (!p) return false;
    pt.pud.set(pudIdx, p);
  }
  const pmdIdx = Math.floor(addr / PMD_TABLE_SPAN);
  if (!pt.pmd.has(pmdIdx)) {
    const p = vmemmapAllocBlockZero(s, nid);
    if (!p) return false;
    pt.pmd.set(pmdIdx, p);
  }
  return true;
}

/** vmemmap_pmd_populate(): the PTE table under a PMD entry, allocated where the entry is none; false if there is none now. */
function vmemmapPmdPopulate(s: KernelState, entry: number, nid: number): boolean {
  const pt = s.vmemmap;
  if (pt.pte.has(entry)) return true;
  if (pt.pmdLeaf.has(entry)) return false;
  const page = vmemmapAllocBlockZero(s, nid);
  if (!page) return false;
  pt.pte.add(entry, page, NO_RUNS);
  return true;
}

/**
 * vmemmap_populate_range(): every none PTE of [start, end) gets a page: a new
 * one each (reuse null, vmemmap_alloc_block_buf) or the page at `reuse`.
 * Mapped writable (PAGE_KERNEL). False when an allocation failed.
 */
export function vmemmapPopulateRange(s: KernelState, start: number, end: number, nid: number, reuse: number | null): boolean {
  // Whole tables mapped onto `reuse` share one runs array (runs are never changed in place).
  let full: PteRun[] | null = null;
  // The PUD and PMD tables above a 1 GiB of vmemmap, once there, stay: look again only on entering the next one.
  let tablesUpTo = -1;
  for (let entry = Math.floor(start / PMD_ENTRY_SPAN); entry * PMD_ENTRY_SPAN < end; entry++) {
    const base = entry * PMD_ENTRY_SPAN;
    const lo = Math.max(start, base);
    const from = Math.floor((lo - base) / PTE_SPAN);
    const count = Math.ceil((Math.min(end, base + PMD_ENTRY_SPAN) - base) / PTE_SPAN) - from;
    if (lo >= tablesUpTo) {
      if (!vmemmapPudPmdPopulate(s, lo, nid)) return false;
      tablesUpTo = (Math.floor(lo / PMD_TABLE_SPAN) + 1) * PMD_TABLE_SPAN;
    }
    if (!vmemmapPmdPopulate(s, entry, nid)) return false;
    const ptes = s.vmemmap.pte;
    if (reuse !== null && !ptes.runsAt(entry).length) {
      // A new table: every entry of the slice is none.
      ptes.setRunsAt(
        entry,
        count === PTRS_PER_PTE
          ? (full ??= [{ from, count, phys: reuse, stride: 0, readOnly: false }])
          : [{ from, count, phys: reuse, stride: 0, readOnly: false }],
      );
      continue;
    }
    const t = ptes.get(entry)!;
    for (const [a, b] of pteNoneRanges(t, from, count)) {
      if (reuse !== null) {
        pteSetRange(t, a, b - a, reuse, 0, false);
        continue;
      }
      // Each entry gets a page of its own; those had before a failed allocation stay mapped.
      if (!t.runs.length && b - a === 1) {
        const p = vmemmapAllocBlockBuf(s, s.arch.pageSize, nid);
        if (!p) return false;
        t.runs = [{ from: a, count: 1, phys: p, stride: 1, readOnly: false }];
        continue;
      }
      const got: number[] = [];
      let ok = true;
      if (!s.sparse.buffer && s.shortcuts) {
        // No sparse buffer: each page is one memblock call, the same one: hvosim makes them as a run.
        ok = s.shortcuts.allocBlockBufRun(s, b - a, nid, got, s.arch.pageSize);
      } else
        for (let i = a; i < b; i++) {
          const p = vmemmapAllocBlockBuf(s, s.arch.pageSize, nid);
          if (!p) {
            ok = false;
            break;
          }
          got.push(p);
        }
      pteSetPages(t, a, got);
      if (!ok) return false;
    }
  }
  return true;
}

/** vmemmap_populate_basepages() */
export function vmemmapPopulateBasepages(s: KernelState, start: number, end: number, nid: number): boolean {
  return vmemmapPopulateRange(s, start, end, nid, null);
}

/** vmemmap_populate_hugepages(): a 2 MiB leaf per none PMD, 4 KiB pages where no block can be had or a PTE table is there. */
function vmemmapPopulateHugepages(s: KernelState, start: number, end: number, nid: number): boolean {
  return vmemmapPopulateHugepagesUpTo(s, start, end, nid) === end;
}

/** vmemmap_populate_hugepages(), saying how far it got: the address of the PMD entry that failed, or end. */
function vmemmapPopulateHugepagesUpTo(s: KernelState, start: number, end: number, nid: number): number {
  const pt = s.vmemmap;
  // The PUD and PMD tables above a 1 GiB of vmemmap, once there, stay: look again only on entering the next one.
  let tablesUpTo = -1;
  for (let addr = Math.floor(start / PMD_ENTRY_SPAN) * PMD_ENTRY_SPAN; addr < end; addr += PMD_ENTRY_SPAN) {
    if (addr >= tablesUpTo) {
      if (!vmemmapPudPmdPopulate(s, addr, nid)) return Math.max(addr, start);
      tablesUpTo = (Math.floor(addr / PMD_TABLE_SPAN) + 1) * PMD_TABLE_SPAN;
    }
    const entry = addr / PMD_ENTRY_SPAN;
    if (pt.pmdLeaf.has(entry)) continue;
    if (!pt.pte.has(entry) && !s.sparse.buffer && s.shortcuts) {
      // No sparse buffer: each none entry of this PMD table is one memblock call, the same one: hvosim makes them as a run.
      const n = noneEntriesFrom(s, entry, Math.ceil((Math.min(end, tablesUpTo) - addr) / PMD_ENTRY_SPAN));
      const got: number[] = [];
      const ok = s.shortcuts.allocBlockBufRun(s, n, nid, got, s.arch.pmdSize);
      for (let k = 0; k < got.length; k++) pt.pmdLeaf.set(entry + k, got[k]!);
      addr += (got.length - 1) * PMD_ENTRY_SPAN;
      if (ok) continue;
      // The block for the next entry failed: that entry falls back to base pages.
      addr += PMD_ENTRY_SPAN;
    } else if (!pt.pte.has(entry)) {
      const p = vmemmapAllocBlockBuf(s, s.arch.pmdSize, nid);
      if (p) {
        pt.pmdLeaf.set(entry, p);
        // The none entries right after it in this PMD table would each take the next block of the
        // sparse buffer while it lasts (no call to memblock): give them those blocks as one run.
        const n = noneEntriesFrom(s, entry + 1, Math.ceil((Math.min(end, tablesUpTo) - addr) / PMD_ENTRY_SPAN) - 1);
        const first = n ? sparseBufferAllocRun(s, s.arch.pmdSize, n) : { addr: 0, count: 0 };
        if (first.count) {
          pt.pmdLeaf.setRun(entry + 1, first.count, first.addr, PMD_ENTRY_SPAN);
          addr += first.count * PMD_ENTRY_SPAN;
        }
        continue;
      }
    }
    if (!vmemmapPopulateBasepages(s, Math.max(addr, start), Math.min(addr + PMD_ENTRY_SPAN, end), nid)) return Math.max(addr, start);
  }
  return end;
}

/** How many PMD entries from `entry` on, at most `most`, are none (neither a leaf nor a PTE table). */
function noneEntriesFrom(s: KernelState, entry: number, most: number): number {
  const pt = s.vmemmap;
  let n = 0;
  while (n < most) {
    const e = entry + n;
    // Stretches no leaf and no table was ever made in are skipped whole.
    const sure = Math.min(pt.pmdLeaf.noneAhead(e), pt.pte.noneAhead(e));
    if (sure > 0) n = Math.min(most, n + sure);
    else if (!pt.pmdLeaf.has(e) && !pt.pte.has(e)) n++;
    else break;
  }
  return n;
}

/**
 * vmemmap_populate() for the memmaps of consecutive sections, which
 * sparse_init_nid() asks for one section at a time: one walk over them,
 * returning where the first section that failed starts (end if none did).
 * The same calls in the same order as section by section, as long as a
 * section's memmap is whole PMD entries (it is 2 MiB on x86_64); otherwise
 * it goes section by section.
 */
export function vmemmapPopulateSections(s: KernelState, start: number, end: number, nid: number, perSection: number): number {
  const sectionMemmap = (s.arch.sectionSize / s.arch.pageSize) * s.arch.structPageSize;
  if (perSection % PMD_ENTRY_SPAN !== 0 || perSection < sectionMemmap) {
    for (let a = start; a < end; a += perSection) if (!vmemmapPopulate(s, a, a + perSection, nid)) return a;
    return end;
  }
  const reached = vmemmapPopulateHugepagesUpTo(s, start, end, nid);
  return reached === end ? end : start + Math.floor((reached - start) / perSection) * perSection;
}

/** vmemmap_populate() on x86_64: base pages below one section's memmap (2 MiB), else 2 MiB leaves. */
export function vmemmapPopulate(s: KernelState, start: number, end: number, nid: number): boolean {
  const sectionMemmap = (s.arch.sectionSize / s.arch.pageSize) * s.arch.structPageSize;
  if (end - start < sectionMemmap) return vmemmapPopulateBasepages(s, start, end, nid);
  return vmemmapPopulateHugepages(s, start, end, nid);
}

/**
 * vmemmap_get_tail() (hvo-v7): the zone's shared tail page for `order`,
 * allocated (zeroed, from memblock, on the zone's node) on first use. It is
 * not counted in nr_memmap_boot_pages, and its struct pages are only
 * initialized by hugetlb_vmemmap_init() (late_initcall).
 */
function vmemmapGetTail(s: KernelState, order: number, zone: Zone): number {
  const have = zone.vmemmapTails.get(order);
  if (have !== undefined) return have;
  const p = vmemmapAllocBlockZero(s, zone.nid);
  if (!p) return 0;
  zone.vmemmapTails.set(order, p);
  s.vmemmap.stored.set(p, { kind: 'tail', nid: zone.nid, zoneIdx: zone.idx, order, state: 'zero', boot: true });
  return p;
}

/**
 * vmemmap_populate_hvo(): own pages for the first `headsize` of the folio's
 * vmemmap, every later PTE onto one page: in 6.15 the last head page (the
 * tails mirror it, "fake heads"), in hvo-v7 the zone's shared tail page.
 * Everything is mapped writable; vmemmap_wrprotect_hvo() protects it later.
 */
export function vmemmapPopulateHvo(
  s: KernelState,
  start: number,
  end: number,
  nid: number,
  headsize: number,
  order: number,
  zone: Zone | null,
): boolean {
  let reuse = 0;
  if (s.kernel.hvoTails === 'zone-shared') {
    if (!zone) return false;
    reuse = vmemmapGetTail(s, order, zone);
    if (!reuse) return false;
  }
  // hvosim's shortcut for a folio whose vmemmap nothing maps yet (src/sim/vmemmap-runs.ts).
  const fresh = headsize === PTE_SPAN ? (s.shortcuts?.populateHvoFresh(s, start, end, nid, reuse) ?? null) : null;
  if (fresh !== null) return fresh;
  let head = 0;
  for (let addr = start; addr < start + headsize; addr += PTE_SPAN) {
    if (!vmemmapPopulateRange(s, addr, addr + PTE_SPAN, nid, null)) return false;
    head = vmemmapPteAt(s, addr)!;
  }
  if (s.kernel.hvoTails === 'head') {
    reuse = head;
    s.vmemmap.stored.set(head, { kind: 'head', basePfn: (start + headsize - PTE_SPAN) / s.arch.structPageSize, state: 'raw', boot: true });
  }
  return vmemmapPopulateRange(s, start + headsize, end, nid, reuse);
}

/** The first PFN of [startPfn, endPfn) whose struct page the vmemmap does not map, or null. */
export function firstUnmappedStructPage(s: KernelState, startPfn: number, endPfn: number): number | null {
  const sp = s.arch.structPageSize;
  for (const { entry, lo, from, count } of pmdSlices(startPfn * sp, endPfn * sp)) {
    if (s.vmemmap.pmdLeaf.has(entry)) continue;
    const t = s.vmemmap.pte.get(entry);
    if (!t) return Math.ceil(lo / sp);
    const none = pteNoneRanges(t, from, count)[0];
    if (none) return Math.max(startPfn, Math.ceil((entry * PMD_ENTRY_SPAN + none[0] * PTE_SPAN) / sp));
  }
  return null;
}

/** The physical page a PTE-mapped vmemmap address maps, or null. */
export function vmemmapPteAt(s: KernelState, addr: number): number | null {
  const entry = Math.floor(addr / PMD_ENTRY_SPAN);
  const pte = s.vmemmap.pte;
  if (!pte.has(entry)) return null;
  // pteLookup() on the table's runs, without the table's view or the lookup's object (it runs for every folio).
  const runs = pte.runsAt(entry);
  const idx = Math.floor((addr % PMD_ENTRY_SPAN) / PTE_SPAN);
  const r = runs[firstEndingAbove(runs, idx, runEnd)];
  return r && idx >= r.from ? runPhys(r, idx) : null;
}

/** Apply `fn` to each PTE table's slice [from, from+count) covering [start, end). */
function forEachPteSlice(s: KernelState, start: number, end: number, fn: (t: PteTable, from: number, count: number) => void): void {
  for (let entry = Math.floor(start / PMD_ENTRY_SPAN); entry * PMD_ENTRY_SPAN < end; entry++) {
    const base = entry * PMD_ENTRY_SPAN;
    const from = Math.floor((Math.max(start, base) - base) / PTE_SPAN);
    const count = Math.ceil((Math.min(end, base + PMD_ENTRY_SPAN) - base) / PTE_SPAN) - from;
    const t = s.vmemmap.pte.get(entry);
    if (t) fn(t, from, count);
  }
}

/**
 * vmemmap_undo_hvo() (6.15): clear the mirrored tail PTEs, clear the head
 * PTEs and give their pages back to memblock, then populate normally. The
 * PTE tables stay, so the normal population is 4 KiB page by 4 KiB page.
 */
export function vmemmapUndoHvo(s: KernelState, start: number, end: number, nid: number, headsize: number): boolean {
  forEachPteSlice(s, start + headsize, end, (t, from, count) => pteSetRange(t, from, count, null, 1, false));
  for (let addr = start; addr < start + headsize; addr += PTE_SPAN) {
    const phys = vmemmapPteAt(s, addr);
    forEachPteSlice(s, addr, addr + PTE_SPAN, (t, from, count) => pteSetRange(t, from, count, null, 1, false));
    if (phys === null) continue;
    memblockPhysFree(s.memblock, phys, s.arch.pageSize, 'vmemmap_undo_hvo');
    s.vmemmap.stored.delete(phys);
  }
  return vmemmapPopulate(s, start, end, nid);
}

/** vmemmap_wrprotect_hvo(): the PTEs of [start + headsize, end) become read-only. */
export function vmemmapWrprotectHvo(s: KernelState, start: number, end: number, headsize: number): void {
  // hvosim's shortcut for the usual case (src/sim/vmemmap-runs.ts).
  if (s.shortcuts?.wrprotectHvo(s, start, end, headsize)) return;
  // The walk takes every PMD for a PTE table (virt_to_kpte()). Where the fallback mapped the range
  // with 2 MiB leaves, the entries it clears _PAGE_RW in are words of the leaf's first page: struct pages.
  for (const { entry, from, count } of pmdSlices(start + headsize, end)) {
    const leaf = s.vmemmap.pmdLeaf.get(entry);
    if (leaf !== undefined) s.vmemmap.leafWrites.push({ entry, phys: leaf, from, count });
  }
  forEachPteSlice(s, start + headsize, end, (t, from, count) => {
    // Runs are sorted and disjoint; pteSetRange() may change the table's array, so this walks a copy of it.
    const runs = t.runs.slice();
    for (let i = firstEndingAbove(runs, from, runEnd); i < runs.length && runs[i]!.from < from + count; i++) {
      const r = runs[i]!;
      if (r.readOnly) continue;
      const a = Math.max(r.from, from);
      pteSetRange(t, a, Math.min(r.from + r.count, from + count) - a, runPhys(r, a), r.stride, true);
    }
  });
}
