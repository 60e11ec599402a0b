// Who holds a physical page at the end of a boot: what the firmware map says of it, whether
// memblock has it as memory, which memblock reservations cover it and the call that made each
// (the kernel function memblock=debug names, the memblock function, the call's number in the
// log and the boot step it was made in), and the huge page of the pool it belongs to.
import { folioOf, hugeBootPages, pmdLeafRuns, type KernelState } from '../simulator.js';
import { ALLOC_OUTCOME_CALLER, type Owner } from '../util/kernel-callers.js';
import { ownerOf } from './picture.js';

/** A part of the page memblock holds reserved, and the call that reserved it. */
export interface PageReservation {
  start: number;
  /** Exclusive. */
  end: number;
  /** The kernel function memblock=debug names for the call, or null when no recorded call covers it. */
  caller: string | null;
  /** The memblock function called (memblock_reserve, memblock_alloc_try_nid_raw, ...). */
  fn: string | null;
  /** The call's index in the memblock call log (--json-memblock's `i`). */
  call: number | null;
  /** The boot step that made the call. */
  step: string | null;
  /** The group the memory-map pictures draw it in. */
  owner: Owner;
}

export interface PageOwner {
  /** The firmware map's entry holding the page's first byte. */
  e820: { type: string; start: number; end: number } | null;
  /** The node memblock has the page's memory on, or null: no memory there. */
  nid: number | null;
  /** The reserved parts of the page, in address order. */
  reserved: PageReservation[];
  /** Bytes of the page that are memory and not reserved: memblock_free_all() gave them to the buddy allocator. */
  freeBytes: number;
  /** The huge page of the pool that holds the page (or a boot-time page hugetlb took but never gathered). */
  hugePage: { pfn: number; order: number; nid: number; gathered: boolean } | null;
  /** What the vmemmap uses the page for (a page table, part of a 2 MiB block, a page under a PTE), or null. */
  vmemmap: 'PUD table' | 'PMD table' | 'PTE table' | '2 MiB block' | 'page under a PTE' | null;
  /** Reserved at boot, then given to the page allocator by free_reserved_area() (the initrd; the image's init parts are counted, not placed). */
  freedLate: boolean;
  /** The page lies in the kernel image (_text to _end). */
  kernelImage: boolean;
  /** The node whose pg_data_t (NODE_DATA) the page holds, or null. */
  nodeData: number | null;
}

/** What the vmemmap uses the physical page at `phys` for, or null. */
function vmemmapUse(s: KernelState, phys: number): PageOwner['vmemmap'] {
  const pt = s.vmemmap;
  const ps = s.arch.pageSize;
  for (const t of pt.pud.values()) if (t === phys) return 'PUD table';
  for (const t of pt.pmd.values()) if (t === phys) return 'PMD table';
  for (const r of pmdLeafRuns(pt)) if (r.phys <= phys && phys < r.phys + r.count * s.arch.pmdSize) return '2 MiB block';
  for (const [, t] of pt.pte) {
    if (t.page === phys) return 'PTE table';
    for (const r of t.runs) if (r.phys <= phys && phys < r.phys + (r.stride ? r.count * ps : ps)) return 'page under a PTE';
  }
  return null;
}

/** The range call `i` reserves, with the caller and memblock function that own it; null for any other call. */
function reserveOf(s: KernelState, i: number): { start: number; end: number; caller: string; fn: string; call: number } | null {
  const log = s.memblock.calls;
  const fn = log.fnAt(i);
  if (fn === 'memblock_reserve') {
    const base = log.baseAt(i);
    if (base === undefined) return null;
    const caller = log.callerAt(i);
    const end = base + log.sizeAt(i);
    if (caller !== ALLOC_OUTCOME_CALLER) return { start: base, end, caller, fn, call: i };
    // The reservation an allocation makes for itself: the allocation's (or, with none recorded, the step's).
    if (i > 0 && log.resultAt(i - 1) === base && log.fnAt(i - 1) !== 'memblock_reserve')
      return { start: base, end, caller: log.callerAt(i - 1), fn: log.fnAt(i - 1), call: i - 1 };
    return { start: base, end, caller: stepOf(s, i) ?? caller, fn, call: i };
  }
  if (fn.startsWith('memblock_alloc') || fn === 'memblock_phys_alloc_range') {
    const result = log.resultAt(i);
    if (!result) return null;
    return { start: result, end: result + log.sizeAt(i), caller: log.callerAt(i), fn, call: i };
  }
  return null;
}

/** The boot step that made memblock call `i`. */
function stepOf(s: KernelState, i: number): string | null {
  let lo = 0;
  let hi = s.steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.steps[mid]!.firstCall <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo ? s.steps[lo - 1]!.fn : null;
}

/** The last call that reserved the byte at `addr`, scanning back from the newest. */
function lastReserveAt(s: KernelState, addr: number): ReturnType<typeof reserveOf> {
  for (let i = s.memblock.calls.length - 1; i >= 0; i--) {
    const r = reserveOf(s, i);
    if (r && r.start <= addr && addr < r.end) return r;
  }
  return null;
}

/** Who holds the page of `pfn` at the end of the boot. */
export function pageOwner(s: KernelState, pfn: number): PageOwner {
  const ps = s.arch.pageSize;
  const a = pfn * ps;
  const b = a + ps;
  const e = s.e820.find((x) => x.start <= a && a < x.end);
  let memBytes = 0;
  let nid: number | null = null;
  for (const r of s.memblock.memory.regions) {
    const lo = Math.max(a, r.base);
    const hi = Math.min(b, r.base + r.size);
    if (lo < hi) {
      memBytes += hi - lo;
      nid ??= r.nid;
    }
  }
  const reserved: PageReservation[] = [];
  let reservedBytes = 0;
  for (const r of s.memblock.reserved.regions) {
    let pos = Math.max(a, r.base);
    const end = Math.min(b, r.base + r.size);
    while (pos < end) {
      const c = lastReserveAt(s, pos);
      const to = c ? Math.min(end, c.end) : end;
      const caller = c?.caller ?? null;
      reserved.push({
        start: pos,
        end: to,
        caller,
        fn: c?.fn ?? null,
        call: c?.call ?? null,
        step: c ? stepOf(s, c.call) : null,
        owner: ownerOf(caller ?? ''),
      });
      // Reserved memory counts against the page's memory only where there is memory.
      for (const m of s.memblock.memory.regions) reservedBytes += Math.max(0, Math.min(to, m.base + m.size) - Math.max(pos, m.base));
      pos = to;
    }
  }
  const f = folioOf(s, pfn);
  let hugePage: PageOwner['hugePage'] = f ? { pfn: f.pfn, order: f.order, nid: f.nid, gathered: true } : null;
  if (!hugePage)
    for (const m of hugeBootPages(s)) {
      const first = m.addr / ps;
      if (first <= pfn && pfn < first + 2 ** m.order) hugePage = { pfn: first, order: m.order, nid: m.nid, gathered: false };
    }
  // hvosim frees the image's init parts by count from the image's start, not where they lie: no answer inside the image.
  const image = s.archSetup.kernelImage(s);
  const inImage = a < image.start + image.size && image.start < b;
  let nodeData: number | null = null;
  for (const [n, addr] of s.nodeData) if (addr && addr < b && a < addr + s.build.pgdatSize) nodeData = n;
  return {
    e820: e ? { type: e.type, start: e.start, end: e.end } : null,
    nid,
    reserved,
    freeBytes: Math.max(0, memBytes - reservedBytes),
    hugePage,
    vmemmap: vmemmapUse(s, a),
    freedLate: !inImage && s.pageAlloc.lateFreed.some((r) => r.start < b && a < r.end),
    kernelImage: inImage,
    nodeData,
  };
}
