// Invariants of a boot, checked on the state after any step. Each has a name
// and says what broke and where. Checks only read the state.
//
// Where a property only holds from some point of the boot on, the check says
// so and why (for example: nothing reads struct pages before memmap_init()).
// Checks look at representative PFNs (the first and last of each PTE run and
// PMD leaf, every slot of a shared page) rather than every PFN: a run maps
// its pages the same way, so what holds for its ends holds for its middle.
import { firstEndingAbove } from '../util/search.js';
import type { KernelState } from '../kernel/state.js';
import type { HugePage } from '../kernel/hugetlb.js';
import { compoundHead, structPageAt, zoneSpanning } from '../kernel/page.js';
import { pmdSlices, PMD_ENTRY_SPAN, PTE_SPAN, runsIn } from '../kernel/pgtable.js';
import type { PteRun } from '../kernel/pgtable.js';
import { hex } from '../util/format.js';
import { nidOfPhys } from '../kernel/page-alloc.js';
import { firstUnmappedStructPage } from '../kernel/sparse-vmemmap.js';

export interface Violation {
  invariant: string;
  message: string;
}

export interface Invariant {
  name: string;
  describe: string;
  check(s: KernelState): Violation[];
}

type Range = [number, number];

/**
 * Sort and merge [start, end) ranges (touching ones merge). The union only
 * needs the starts and the ends each in order, so they are sorted apart, as
 * numbers (a typed-array sort, not a comparator over pairs: this runs after
 * every step), then swept: a merged range opens when the count of open ranges
 * leaves 0 and closes when it returns to 0, starts going before ends at a tie.
 */
function mergeRanges(rs: Range[]): Range[] {
  let n = 0;
  let sorted = true;
  let prev = -Infinity;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    const a = r[0];
    if (r[1] <= a) continue;
    n++;
    if (a < prev) sorted = false;
    prev = a;
  }
  const out: Range[] = [];
  if (sorted) {
    // Already in order (memblock regions, runs of one table): one pass.
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      const a = r[0];
      const b = r[1];
      if (b <= a) continue;
      const last = out[out.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    return out;
  }
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    if (r[1] <= r[0]) continue;
    starts[k] = r[0];
    ends[k++] = r[1];
  }
  starts.sort();
  ends.sort();
  let open = 0;
  let from = 0;
  for (let i = 0, j = 0; i < n || j < n; ) {
    if (i < n && starts[i]! <= ends[j]!) {
      if (open++ === 0) from = starts[i]!;
      i++;
    } else {
      if (--open === 0) out.push([from, ends[j]!]);
      j++;
    }
  }
  return out;
}

/** Bytes of [a, b) not covered by the merged ranges. */
function uncovered(a: number, b: number, merged: Range[]): Range[] {
  const out: Range[] = [];
  let at = a;
  for (let i = firstEndingAbove(merged, a, (r) => r[1]); i < merged.length && merged[i]![0] < b; i++) {
    const [x, y] = merged[i]!;
    if (x > at) out.push([at, Math.min(x, b)]);
    at = Math.max(at, y);
    if (at >= b) break;
  }
  if (at < b) out.push([at, b]);
  return out;
}

const rangeEnd = (r: Range) => r[1];
const runEnd = (r: PteRun) => r.from + r.count;

const pfnName = (s: KernelState, pfn: number) => `pfn ${hex(pfn)} (${hex(pfn * s.arch.pageSize)})`;

/** Boot-time gigantic pages whose HVO tails may still be writable: hugetlb has not gathered them yet. */
function preGatherHvo(s: KernelState): Range[] {
  const pooled = new Set(s.hugetlb.pages.map((p) => p.pfn));
  const sp = s.arch.structPageSize;
  return s.hugetlb.bootPages.filter((m) => m.hvo && !pooled.has(m.addr / s.arch.pageSize)).map((m) => [(m.addr / s.arch.pageSize) * sp, (m.addr / s.arch.pageSize + 2 ** m.order) * sp]);
}

const inRanges = (x: number, rs: Range[]) => rs.some(([a, b]) => x >= a && x < b);

/** Every PTE run of the vmemmap with its virtual start, tables in the order they were made (read by entry: no table view each). */
function pteRuns(s: KernelState): { r: PteRun; vaddr: number }[] {
  const out: { r: PteRun; vaddr: number }[] = [];
  const ptes = s.vmemmap.pte;
  for (const entry of ptes.keys()) {
    for (const r of ptes.runsAt(entry)) out.push({ r, vaddr: entry * PMD_ENTRY_SPAN + r.from * PTE_SPAN });
  }
  return out;
}

/** PFNs worth reading for a range of vmemmap [start, end): the ends of each leaf and run, all slots of shared pages. */
function representativePfns(s: KernelState, start: number, end: number, expanded = new Set<number>()): number[] {
  const sp = s.arch.structPageSize;
  const perPage = PTE_SPAN / sp;
  const out = new Set<number>();
  // A shared page's slots are read once per physical page (`expanded`), at the first address seen.
  const addPage = (vaddr: number, all: boolean, phys: number) => {
    const base = vaddr / sp;
    if (all && !expanded.has(phys)) {
      expanded.add(phys);
      for (let i = 0; i < perPage; i++) out.add(base + i);
    } else out.add(base);
  };
  for (const { entry, lo, hi, from, count } of pmdSlices(start, end)) {
    const t = s.vmemmap.pte.get(entry);
    if (!t) {
      out.add(lo / sp);
      out.add(Math.ceil(hi / sp) - 1);
      continue;
    }
    const base = entry * PMD_ENTRY_SPAN;
    for (const { r, a, b } of runsIn(t, from, count)) {
      const shared = !r.stride || s.vmemmap.stored.has(r.phys);
      addPage(base + a * PTE_SPAN, shared, r.phys);
      addPage(base + (b - 1) * PTE_SPAN, shared, r.phys);
      if (!shared) out.add((base + b * PTE_SPAN) / sp - 1);
    }
  }
  return [...out].filter((p) => p * sp >= start && p * sp < end).sort((a, b) => a - b);
}

/** The PFN ranges of present memory (memblock memory regions). */
function presentPfnRanges(s: KernelState): Range[] {
  const ps = s.arch.pageSize;
  return s.memblock.memory.regions.map((r) => [Math.ceil(r.base / ps), Math.floor((r.base + r.size) / ps)] as Range).filter(([a, b]) => b > a);
}

function folioRange(s: KernelState, f: HugePage): Range {
  const sp = s.arch.structPageSize;
  return [f.pfn * sp, (f.pfn + 2 ** f.order) * sp];
}

/** Distinct physical pages a vmemmap range is mapped onto, and whether any PTE maps a page another PTE maps too. */
function vmemmapBacking(s: KernelState, start: number, end: number): { distinct: number; aliased: boolean } {
  let distinct = 0;
  let aliased = false;
  const seen = new Set<number>();
  const ptes = s.vmemmap.pte;
  // pmdSlices() and runsIn() written out (this runs for every folio after every step).
  for (let entry = Math.floor(start / PMD_ENTRY_SPAN); entry * PMD_ENTRY_SPAN < end; entry++) {
    const base = entry * PMD_ENTRY_SPAN;
    const from = Math.floor((Math.max(start, base) - base) / PTE_SPAN);
    const count = Math.ceil((Math.min(end, base + PMD_ENTRY_SPAN) - base) / PTE_SPAN) - from;
    if (s.vmemmap.pmdLeaf.has(entry)) {
      distinct += count;
      continue;
    }
    if (!ptes.has(entry)) continue;
    const runs = ptes.runsAt(entry);
    for (let i = firstEndingAbove(runs, from, runEnd); i < runs.length && runs[i]!.from < from + count; i++) {
      const r = runs[i]!;
      const a = Math.max(r.from, from);
      const b = Math.min(r.from + r.count, from + count);
      if (r.stride) distinct += b - a;
      else {
        if (b - a > 1 || seen.has(r.phys)) aliased = true;
        if (!seen.has(r.phys)) distinct++;
        seen.add(r.phys);
      }
    }
  }
  return { distinct, aliased };
}

export const INVARIANTS: Invariant[] = [
  {
    name: 'memblock-regions',
    describe: 'memblock regions are sorted, disjoint and non-empty; memory regions lie within the RAM the firmware reported',
    check(s) {
      const out: Violation[] = [];
      for (const type of [s.memblock.memory, s.memblock.reserved]) {
        type.regions.forEach((r, i) => {
          if (r.size <= 0) out.push({ invariant: this.name, message: `${type.name} region ${i} at ${hex(r.base)} is empty` });
          const prev = type.regions[i - 1];
          if (prev && prev.base + prev.size > r.base) out.push({ invariant: this.name, message: `${type.name} regions ${i - 1} and ${i} overlap or are out of order at ${hex(r.base)}` });
        });
      }
      const ram = mergeRanges(s.machine.e820.filter((e) => e.type === 'usable').map((e) => [e.start, e.end] as Range));
      for (const r of s.memblock.memory.regions) {
        const outside = uncovered(r.base, r.base + r.size, ram);
        if (outside.length) out.push({ invariant: this.name, message: `memory region [${hex(r.base)}-${hex(r.base + r.size - 1)}] is not RAM at ${hex(outside[0]![0])}` });
      }
      return out;
    },
  },
  {
    name: 'memblock-one-owner',
    describe: 'no memblock allocation hands out bytes another live allocation holds, and every reserved byte was reserved by someone',
    check(s) {
      const out: Violation[] = [];
      const live: { a: number; b: number; who: string }[] = [];
      const owners: Range[] = [];
      // The calls are read field by field (no call object made for each, after every step).
      const calls = s.memblock.calls;
      for (let k = 0; k < calls.length; k++) {
        const fn = calls.fnAt(k);
        const base = calls.baseAt(k);
        if (fn.includes('free') && base !== undefined) {
          const a = base;
          const b = base + calls.sizeAt(k);
          for (let i = live.length - 1; i >= 0; i--) {
            const l = live[i]!;
            if (l.b <= a || l.a >= b) continue;
            live.splice(i, 1);
            if (l.a < a) live.push({ a: l.a, b: a, who: l.who });
            if (l.b > b) live.push({ a: b, b: l.b, who: l.who });
          }
          continue;
        }
        if (fn === 'memblock_reserve' && base !== undefined) owners.push([base, base + calls.sizeAt(k)]);
        const result = calls.resultAt(k);
        if (!result || !fn.includes('alloc')) continue;
        const a = result;
        const b = a + calls.sizeAt(k);
        const caller = calls.callerAt(k);
        const clash = live.find((l) => l.a < b && a < l.b);
        if (clash) out.push({ invariant: this.name, message: `${fn} for ${caller} returned [${hex(a)}-${hex(b - 1)}], which ${clash.who} still holds` });
        live.push({ a, b, who: caller });
        owners.push([a, b]);
      }
      const known = mergeRanges(owners);
      for (const r of s.memblock.reserved.regions) {
        const gap = uncovered(r.base, r.base + r.size, known);
        if (gap.length) out.push({ invariant: this.name, message: `reserved [${hex(gap[0]![0])}-${hex(gap[0]![1] - 1)}] has no owner (no reservation or allocation made it)` });
      }
      return out;
    },
  },
  {
    name: 'vmemmap-single-writer',
    describe: 'no physical vmemmap page is mapped writable at two addresses (once hugetlb has gathered the folio: until then the HVO tails are writable by design)',
    check(s) {
      const out: Violation[] = [];
      const window = preGatherHvo(s);
      const writers = new Map<number, { n: number; vaddr: number }>();
      for (const { r, vaddr } of pteRuns(s)) {
        if (r.readOnly || inRanges(vaddr, window)) continue;
        const pages = r.stride ? 1 : r.count;
        const keys = r.stride ? [] : [r.phys];
        if (r.stride && s.vmemmap.stored.has(r.phys)) keys.push(r.phys);
        for (const k of keys) {
          const w = writers.get(k) ?? { n: 0, vaddr };
          w.n += r.stride ? 1 : pages;
          writers.set(k, w);
        }
      }
      for (const [phys, w] of writers) {
        if (w.n > 1) out.push({ invariant: this.name, message: `vmemmap page ${hex(phys)} is mapped writable at ${w.n} addresses (first at vmemmap+${hex(w.vaddr)}, struct pages of ${pfnName(s, w.vaddr / s.arch.structPageSize)})` });
      }
      return out;
    },
  },
  {
    name: 'shared-pages-readonly',
    describe: "a shared vmemmap page is mapped read-only everywhere but at its own address (once gathered)",
    check(s) {
      const out: Violation[] = [];
      const window = preGatherHvo(s);
      const sp = s.arch.structPageSize;
      for (const { r, vaddr } of pteRuns(s)) {
        const st = s.vmemmap.stored.get(r.phys);
        if (!st || r.readOnly || inRanges(vaddr, window)) continue;
        const home = st.kind === 'head' && r.count === 1 && vaddr === st.basePfn * sp;
        if (!home) out.push({ invariant: this.name, message: `shared ${st.kind} page ${hex(r.phys)} is writable at vmemmap+${hex(vaddr)} (${pfnName(s, vaddr / sp)}, ${r.count} PTEs)` });
      }
      return out;
    },
  },
  {
    name: 'memmap-reachable',
    describe: "every present PFN's struct page is mapped by the vmemmap page tables (from memmap_init() on)",
    check(s) {
      if (!s.memmapInitDone) return [];
      const out: Violation[] = [];
      const sp = s.arch.structPageSize;
      for (const [a, b] of presentPfnRanges(s)) {
        const first = firstUnmappedStructPage(s, a, b);
        if (first !== null) out.push({ invariant: this.name, message: `struct page of ${pfnName(s, first)} is not mapped (vmemmap+${hex(first * sp)})` });
      }
      return out;
    },
  },
  {
    name: 'compound-head',
    describe: "for every PFN of every gigantic folio, compound_head() finds its head and page_zonenum()/page_to_nid() give the zone and node the PFN lies in",
    check(s) {
      const out: Violation[] = [];
      for (const f of s.hugetlb.pages) {
        if (f.order < 10) continue;
        const [start, end] = folioRange(s, f);
        for (const pfn of representativePfns(s, start, end)) {
          const p = structPageAt(s, pfn);
          const head = compoundHead(s, pfn, p);
          const z = zoneSpanning(s, pfn);
          const nid = nidOfPhys(s, pfn * s.arch.pageSize);
          const where = p ? ` (read from ${p.shared ? `shared ${p.shared} page ` : ''}${hex(p.phys)} slot ${p.slot})` : '';
          if (head !== f.pfn) out.push({ invariant: this.name, message: `compound_head(${pfnName(s, pfn)}) = ${head === null ? 'unmapped' : hex(head)}, its head is ${hex(f.pfn)}${where}` });
          else if (p && z && p.zoneIdx !== z.idx) out.push({ invariant: this.name, message: `page_zonenum(${pfnName(s, pfn)}) = ${s.zones!.names[p.zoneIdx]}, but the PFN lies in ${s.zones!.names[z.idx]}${where}` });
          else if (p && p.nid !== nid) out.push({ invariant: this.name, message: `page_to_nid(${pfnName(s, pfn)}) = ${p.nid}, but the PFN lies on node ${nid}${where}` });
          else continue;
          break;
        }
      }
      return out;
    },
  },
  {
    name: 'folio-one-zone',
    describe: 'every huge page in a pool lies in one zone',
    check(s) {
      const out: Violation[] = [];
      for (const f of s.hugetlb.pages) {
        const a = zoneSpanning(s, f.pfn);
        const b = zoneSpanning(s, f.pfn + 2 ** f.order - 1);
        if (!a || !b || a.idx !== b.idx || a.nid !== b.nid) {
          const names = s.zones?.names ?? [];
          out.push({ invariant: this.name, message: `folio at ${pfnName(s, f.pfn)} (order ${f.order}) spans zones ${a ? names[a.idx] : '?'} and ${b ? names[b.idx] : '?'}` });
        }
      }
      return out;
    },
  },
  {
    name: 'hvo-flag-matches-mapping',
    describe: 'a folio flagged vmemmap-optimized has an HVO mapping (its tails share pages), one not flagged has a full one',
    check(s) {
      const out: Violation[] = [];
      for (const f of s.hugetlb.pages) {
        const [start, end] = folioRange(s, f);
        const b = vmemmapBacking(s, start, end);
        const full = (end - start) / PTE_SPAN;
        if (f.vmemmapOptimized && !b.aliased) out.push({ invariant: this.name, message: `folio at ${pfnName(s, f.pfn)} is flagged vmemmap-optimized but its vmemmap is a full mapping (${b.distinct} pages)` });
        if (!f.vmemmapOptimized && (b.aliased || b.distinct !== full)) out.push({ invariant: this.name, message: `folio at ${pfnName(s, f.pfn)} is not flagged vmemmap-optimized but its vmemmap has ${b.distinct} distinct pages for ${full} (aliased)` });
      }
      return out;
    },
  },
  {
    name: 'struct-page-initialized',
    describe: 'every struct page the kernel may read (any present PFN, from memmap_init() on) has been written',
    check(s) {
      if (!s.memmapInitDone) return [];
      // A struct page of its own PFN is written by memmap_init() (and hugetlb); only a page several PFNs
      // share can hold struct pages nobody wrote. Read one slot of each, at the first address that maps it.
      const out: Violation[] = [];
      const sp = s.arch.structPageSize;
      const seen = new Set<number>();
      for (const { r, vaddr } of pteRuns(s)) {
        if (seen.has(r.phys) || !s.vmemmap.stored.has(r.phys)) continue;
        seen.add(r.phys);
        const pfn = vaddr / sp;
        const p = structPageAt(s, pfn);
        if (p && !p.initialized) out.push({ invariant: this.name, message: `struct page of ${pfnName(s, pfn)} was never written (${p.shared ? `shared ${p.shared} page ` : ''}${hex(p.phys)} slot ${p.slot})` });
      }
      return out;
    },
  },
  {
    name: 'memmap-boot-pages',
    describe: 'nr_memmap_boot_pages and nr_memmap_pages equal the vmemmap pages actually mapped from memblock and from the buddy allocator (6.15 and later)',
    check(s) {
      if (s.profile === '6.1') return [];
      // Every page mapped as a page of its own (a leaf, or a PTE run of consecutive pages) counts once,
      // as boot memory unless the buddy allocator gave it; a stored page counts once, where it is not
      // already one of those (a shared tail, or a head only its aliases map).
      let boot = s.vmemmap.pmdLeaf.size * (PMD_ENTRY_SPAN / PTE_SPAN);
      let runtime = 0;
      const own: Range[] = [];
      for (const { r } of pteRuns(s)) {
        if (!r.stride) continue;
        boot += r.count;
        own.push([r.phys, r.phys + r.count * PTE_SPAN]);
      }
      boot -= s.vmemmap.buddy.size;
      runtime += s.vmemmap.buddy.size;
      const ownM = mergeRanges(own);
      const shared: string[] = [];
      for (const [phys, st] of s.vmemmap.stored) {
        if (!uncovered(phys, phys + PTE_SPAN, ownM).length) {
          if (!st.boot) {
            boot--;
            runtime++;
          }
        } else if (st.boot) boot++;
        else runtime++;
        if (st.kind === 'tail') shared.push(`${st.boot ? 'boot' : 'runtime'} shared tail ${hex(phys)} (node ${st.nid} ${s.zones?.names[st.zoneIdx]}, order ${st.order})`);
      }
      const out: Violation[] = [];
      const note = shared.length ? `; shared tail pages: ${shared.join(', ')}` : '';
      if (boot !== s.memmap.bootPages) out.push({ invariant: this.name, message: `nr_memmap_boot_pages is ${s.memmap.bootPages} but ${boot} vmemmap pages from memblock are mapped${note}` });
      if (runtime !== s.memmap.pages) out.push({ invariant: this.name, message: `nr_memmap_pages is ${s.memmap.pages} but ${runtime} vmemmap pages from the buddy allocator are mapped${note}` });
      return out;
    },
  },
  {
    name: 'memblock-nothing-lost',
    describe: 'every byte the vmemmap and hugetlb took from memblock is still in use (mapped, a page table, a huge page) or was given back',
    check(s) {
      const out: Violation[] = [];
      const ps = s.arch.pageSize;
      const used: Range[] = [];
      const pt = s.vmemmap;
      for (const p of [...pt.pud.values(), ...pt.pmd.values()]) used.push([p, p + ps]);
      for (const p of pt.pmdLeaf.values()) used.push([p, p + PMD_ENTRY_SPAN]);
      for (const entry of pt.pte.keys()) {
        const page = pt.pte.pageAt(entry);
        used.push([page, page + ps]);
        for (const r of pt.pte.runsAt(entry)) used.push([r.phys, r.phys + (r.stride ? r.count : 1) * ps]);
      }
      for (const m of s.hugetlb.bootPages) used.push([m.addr, m.addr + 2 ** m.order * ps]);
      for (const f of s.hugetlb.pages) used.push([f.pfn * ps, (f.pfn + 2 ** f.order) * ps]);
      for (const f of s.pageAlloc.lateFreed) used.push([f.start, f.end]);
      const b = s.sparse.buffer;
      if (b) used.push([b.next, b.end]);
      const ours = /^(vmemmap_|__alloc_bootmem_huge_page)/;
      const isOurs = (fn: string, caller: string) => ours.test(caller) || (fn === 'memblock_alloc_exact_nid_raw' && caller === 'sparse_init_nid');
      // What other subsystems took (possibly inside space ours gave back) is theirs, not lost.
      // The calls are read field by field (no call object made for each, after every step).
      const calls = s.memblock.calls;
      const oursAt: number[] = [];
      for (let k = 0; k < calls.length; k++) {
        const fn = calls.fnAt(k);
        const result = calls.resultAt(k);
        if (result && fn.includes('alloc')) {
          if (isOurs(fn, calls.callerAt(k))) oursAt.push(k);
          else used.push([result, result + calls.sizeAt(k)]);
        }
        const base = calls.baseAt(k);
        if (fn === 'memblock_reserve' && base !== undefined && calls.callerAt(k) !== 'memblock_alloc_range_nid') used.push([base, base + calls.sizeAt(k)]);
      }
      const usedM = mergeRanges(used);
      const reserved = mergeRanges(s.memblock.reserved.regions.map((r) => [r.base, r.base + r.size] as Range));
      for (const k of oursAt) {
        const result = calls.resultAt(k)!;
        for (const [a, e] of uncovered(result, result + calls.sizeAt(k), usedM)) {
          // Lost only if memblock still holds it: the first merged reserved range that overlaps it, clipped.
          const r = reserved[firstEndingAbove(reserved, a, rangeEnd)];
          if (r && r[0] < e) {
            out.push({ invariant: this.name, message: `[${hex(Math.max(r[0], a))}-${hex(Math.min(r[1], e) - 1)}] taken by ${calls.fnAt(k)} for ${calls.callerAt(k)} is reserved but nothing uses it` });
            break;
          }
        }
      }
      return out;
    },
  },
];

/** Run every invariant (or those named) on the state. */
export function checkInvariants(s: KernelState, names?: string[]): Violation[] {
  const out: Violation[] = [];
  for (const inv of INVARIANTS) if (!names || names.includes(inv.name)) out.push(...inv.check(s));
  return out;
}
