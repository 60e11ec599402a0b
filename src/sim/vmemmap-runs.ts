// hvosim's own speed-ups beside mm/sparse-vmemmap.c and mm/hugetlb_vmemmap.c,
// not the kernel's: gigantic pages whose vmemmap nothing maps yet (every one at
// boot) are built directly, up to 64 in a row by vmemmapPopulateHvoRun() (their
// memblock calls in one run, then their tables), one alone by
// vmemmapPopulateHvoFresh(); the same memblock calls in the same order and the
// same tables as the kernel's walk. The boot runner installs them as
// `s.shortcuts` (bootShortcuts()) unless it boots stepwise; a test boots
// generated machines both ways and requires the same state.
import type { HugeBootmemPage } from '../kernel/hugetlb.js';
import { folioVmemmap } from '../kernel/hugetlb-vmemmap.js';
import type { PteRun } from '../kernel/pgtable.js';
import { NO_RUNS, PMD_ENTRY_SPAN, PMD_TABLE_SPAN, PTE_SPAN, PTRS_PER_PTE, PUD_TABLE_SPAN, runPhys } from '../kernel/pgtable.js';
import { memmapAllocLimit, sparseBufferAlloc, sparseBufferBlocksLeft } from '../kernel/sparse-buffer.js';
import { vmemmapAllocBlockBuf, vmemmapPudPmdPopulate } from '../kernel/sparse-vmemmap.js';
import type { BootShortcuts, KernelState } from '../kernel/state.js';
import { firstEndingAbove } from '../util/search.js';
import { memblockAllocTryNidRawMany } from './memblock-hints.js';

const runEnd = (r: PteRun) => r.from + r.count;

/** The shortcuts a boot takes unless it runs stepwise. */
export function bootShortcuts(): BootShortcuts {
  return {
    populateHvoFresh: (s, start, end, nid, reuse) =>
      vmemmapUnmappedWithin(s, start, end) ? vmemmapPopulateHvoFresh(s, start, end, nid, reuse) : null,
    hvoRunFrom,
    populateHvoRun: vmemmapPopulateHvoRun,
    allocBlockBufRun: (s, count, nid, out, size) => {
      return (
        memblockAllocTryNidRawMany(
          s.memblock,
          count,
          size,
          size,
          s.arch.maxDmaAddress,
          memmapAllocLimit(s),
          nid,
          'vmemmap_alloc_block_buf',
          out,
        ) === count
      );
    },
    wrprotectHvo: vmemmapWrprotectHvoQuick,
  };
}

/**
 * Whether [start, end) is whole PMD entries under one PMD table, none of them
 * a leaf or a table yet: a gigantic page's vmemmap before anything mapped it.
 */
function vmemmapUnmappedWithin(s: KernelState, start: number, end: number): boolean {
  if (start % PMD_ENTRY_SPAN !== 0 || end % PMD_ENTRY_SPAN !== 0 || end <= start) return false;
  if (Math.floor(start / PMD_TABLE_SPAN) !== Math.floor((end - 1) / PMD_TABLE_SPAN)) return false;
  const pt = s.vmemmap;
  for (let e = start / PMD_ENTRY_SPAN; e < end / PMD_ENTRY_SPAN; e++) if (pt.pte.has(e) || pt.pmdLeaf.has(e)) return false;
  return true;
}

/**
 * vmemmapPopulateHvo() with a one-page head, for a folio whose vmemmap
 * nothing maps yet (vmemmapUnmappedWithin()): the same calls in the same
 * order, and the same tables, without the general walk. The PUD and PMD
 * tables where missing, then the folio as a run of one
 * (vmemmapPopulateHvoRun()), unless the sparse buffer is there but has no
 * aligned page for the head.
 */
export function vmemmapPopulateHvoFresh(s: KernelState, start: number, end: number, nid: number, reuse: number): boolean {
  const entries = (end - start) / PMD_ENTRY_SPAN;
  if (!vmemmapPudPmdPopulate(s, start, nid)) return false;
  const done = vmemmapPopulateHvoRun(s, [start], entries, nid, reuse);
  if (done >= 0) return done === 1;
  // A sparse buffer that has no aligned page left: vmemmap_alloc_block_buf() takes the head (giving memblock
  // back what it skips, or calling it), between the first table and the others.
  const ps = s.arch.pageSize;
  const out: number[] = [];
  if (!memblockAllocTryNidRawMany(s.memblock, 1, ps, ps, s.arch.maxDmaAddress, memmapAllocLimit(s), nid, 'vmemmap_alloc_block_zero', out))
    return false;
  const head = vmemmapAllocBlockBuf(s, ps, nid);
  if (!head) {
    s.vmemmap.pte.add(start / PMD_ENTRY_SPAN, out[0]!, NO_RUNS);
    return false;
  }
  const made =
    1 +
    memblockAllocTryNidRawMany(
      s.memblock,
      entries - 1,
      ps,
      ps,
      s.arch.maxDmaAddress,
      memmapAllocLimit(s),
      nid,
      'vmemmap_alloc_block_zero',
      out,
      1,
    );
  hvoFolioTables(s, start, head, reuse, out, 0, 1, made);
  return made === entries;
}

/**
 * A fresh folio's PTE tables once its pages are had, `tables` of them (the
 * first at out[t0], the others from out[rest] on): the first maps the head
 * page then `reuse`, the others `reuse` only. With reuse 0, `reuse` is the
 * head itself, stored as the folio's head page (6.15).
 */
function hvoFolioTables(
  s: KernelState,
  start: number,
  head: number,
  reuse: number,
  out: number[],
  t0: number,
  rest: number,
  tables: number,
): void {
  const pt = s.vmemmap;
  const first = start / PMD_ENTRY_SPAN;
  if (!reuse) {
    reuse = head;
    pt.stored.set(head, { kind: 'head', basePfn: start / s.arch.structPageSize, state: 'raw', boot: true });
  }
  pt.pte.add(first, out[t0]!, [
    { from: 0, count: 1, phys: head, stride: 1, readOnly: false },
    { from: 1, count: PTRS_PER_PTE - 1, phys: reuse, stride: 0, readOnly: false },
  ]);
  const full: PteRun[] = [{ from: 0, count: PTRS_PER_PTE, phys: reuse, stride: 0, readOnly: false }];
  for (let k = 1; k < tables; k++) pt.pte.add(first + k, out[rest + k - 1]!, full);
}

/**
 * The callers of fresh folios' memblock calls without a sparse buffer, folio
 * after folio (as many as HVO_RUN_MAX): each one's first PTE table, its head
 * page, its other tables.
 */
function hvoFreshCallers(entries: number): readonly string[] {
  let c = freshCallers.get(entries);
  if (!c) {
    const one = ['vmemmap_alloc_block_zero', 'vmemmap_alloc_block_buf', ...Array<string>(entries - 1).fill('vmemmap_alloc_block_zero')];
    c = Object.freeze(Array.from({ length: HVO_RUN_MAX }, () => one).flat());
    freshCallers.set(entries, c);
  }
  return c;
}
const freshCallers = new Map<number, readonly string[]>();

/** The most folios vmemmapPopulateHvoRun() takes at once. */
export const HVO_RUN_MAX = 64;

/**
 * Whether vmemmapPopulateHvoRun() can take a folio's vmemmap [start, end):
 * nothing maps it yet (vmemmapUnmappedWithin()) and the PUD and PMD tables
 * above it are there, so its only memblock calls are its PTE tables and head.
 */
export function vmemmapHvoRunnable(s: KernelState, start: number, end: number): boolean {
  return (
    vmemmapUnmappedWithin(s, start, end) &&
    s.vmemmap.pud.has(Math.floor(start / PUD_TABLE_SPAN)) &&
    s.vmemmap.pmd.has(Math.floor(start / PMD_TABLE_SPAN))
  );
}

/**
 * vmemmapPopulateHvo() with a one-page head for folios in a row, each
 * vmemmapHvoRunnable() and `entries` PMD entries long (their vmemmap starts
 * in `starts`): the memblock calls of all of them in one run, then their
 * tables, as folio after folio through the general walk would leave
 * them. `reuse` is the page every PTE after the head's maps (0: each folio's
 * own head, 6.15). The heads come from
 * the sparse buffer if it holds them all, else (no buffer) from memblock.
 * Returns how many folios were populated whole; when fewer than all, the next
 * one failed part-way, left as the general walk leaves it; -1 when the run
 * cannot be made at once (a sparse buffer too small for the heads).
 */
export function vmemmapPopulateHvoRun(s: KernelState, starts: number[], entries: number, nid: number, reuse: number): number {
  const pt = s.vmemmap;
  const ps = s.arch.pageSize;
  const n = starts.length;
  const buffered = sparseBufferBlocksLeft(s, ps) >= n;
  if (!buffered && s.sparse.buffer) return -1;
  const per = buffered ? entries : entries + 1;
  const out: number[] = [];
  const callers = buffered ? 'vmemmap_alloc_block_zero' : hvoFreshCallers(entries);
  const made = memblockAllocTryNidRawMany(s.memblock, per * n, ps, ps, s.arch.maxDmaAddress, memmapAllocLimit(s), nid, callers, out);
  let done = 0;
  for (; done < n; done++) {
    const base = done * per;
    const got = made - base;
    // Its first table failed: nothing of it exists.
    if (got <= 0) break;
    const first = starts[done]! / PMD_ENTRY_SPAN;
    let head: number;
    let tables: number;
    let tableAt = base + 1;
    if (buffered) {
      head = sparseBufferAlloc(s, ps);
      tables = Math.min(got, entries);
    } else {
      if (got === 1) {
        // Its head page failed.
        pt.pte.add(first, out[base]!, NO_RUNS);
        break;
      }
      head = out[base + 1]!;
      tables = Math.min(got - 1, entries);
      tableAt = base + 2;
    }
    hvoFolioTables(s, starts[done]!, head, reuse, out, base, tableAt, tables);
    if (tables < entries) break;
  }
  return done;
}

/**
 * The boot pages from pages[i] on that vmemmapPopulateHvoRun() can take
 * together: each passes `ok`, is of pages[i]'s order, and its vmemmap is
 * vmemmapHvoRunnable(); at most HVO_RUN_MAX.
 */
export function hvoRunFrom(
  s: KernelState,
  pages: HugeBootmemPage[],
  i: number,
  ok: (m: HugeBootmemPage) => boolean,
): { run: HugeBootmemPage[]; starts: number[] } {
  const run: HugeBootmemPage[] = [];
  // Where each one's vmemmap starts.
  const starts: number[] = [];
  const order = pages[i]!.order;
  for (let j = i; j < pages.length && run.length < HVO_RUN_MAX; j++) {
    const m = pages[j]!;
    if (m.order !== order || !ok(m)) break;
    const { start, end } = folioVmemmap(s, m.order, m.addr / s.arch.pageSize);
    if (!vmemmapHvoRunnable(s, start, end)) break;
    run.push(m);
    starts.push(start);
  }
  return { run, starts };
}

/**
 * vmemmap_wrprotect_hvo() in the usual case: every PTE table under the range
 * exists and maps its slice of it with one writable run (a boot page's
 * tables), each split directly into the runs pteSetRange() leaves. Tables
 * that shared one runs array before share the new one (a gigantic page's
 * full tables all map its one tail page). False (and nothing done) in any
 * other case, which the kernel's walk then takes.
 */
export function vmemmapWrprotectHvoQuick(s: KernelState, start: number, end: number, headsize: number): boolean {
  const pte = s.vmemmap.pte;
  const lo = start + headsize;
  if (end <= lo) return false;
  const first = Math.floor(lo / PMD_ENTRY_SPAN);
  const last = Math.floor((end - 1) / PMD_ENTRY_SPAN);
  // Entry e's slice of the range: PTEs [fromOf(e), toOf(e)) of its table.
  const fromOf = (e: number) => (e === first ? Math.floor((lo - e * PMD_ENTRY_SPAN) / PTE_SPAN) : 0);
  const toOf = (e: number) => (e === last ? Math.ceil((end - e * PMD_ENTRY_SPAN) / PTE_SPAN) : PTRS_PER_PTE);
  for (let e = first; e <= last; e++) {
    if (!pte.has(e)) return false;
    const from = fromOf(e);
    const runs = pte.runsAt(e);
    const r = runs[firstEndingAbove(runs, from, runEnd)];
    if (!r || r.readOnly || r.from > from || r.from + r.count < toOf(e)) return false;
  }
  let sharedIn: PteRun[] | null = null;
  let sharedOut: PteRun[] = NO_RUNS;
  let sharedFrom = -1;
  let sharedTo = -1;
  for (let e = first; e <= last; e++) {
    const from = fromOf(e);
    const to = toOf(e);
    const runs = pte.runsAt(e);
    if (runs === sharedIn && from === sharedFrom && to === sharedTo) {
      pte.setRunsAt(e, sharedOut);
      continue;
    }
    const i = firstEndingAbove(runs, from, runEnd);
    const r = runs[i]!;
    const out = runs.slice(0, i);
    if (r.from < from) out.push({ ...r, count: from - r.from });
    out.push({ from, count: to - from, phys: runPhys(r, from), stride: r.stride, readOnly: true });
    if (r.from + r.count > to) out.push({ ...r, from: to, count: r.from + r.count - to, phys: runPhys(r, to) });
    for (let k = i + 1; k < runs.length; k++) out.push(runs[k]!);
    pte.setRunsAt(e, out);
    sharedIn = runs;
    sharedOut = out;
    sharedFrom = from;
    sharedTo = to;
  }
  return true;
}
