// Invariants of a boot, checked on the state after any step. Each has a name
// and says what broke and where. Checks only read the state.
//
// Where a property only holds from some point of the boot on, the check says
// so and why (for example: nothing reads struct pages before memmap_init()).
// Checks look at representative PFNs (the first and last of each PTE run and
// PMD leaf, every slot of a shared page) rather than every PFN: a run maps
// its pages the same way, so what holds for its ends holds for its middle.
//
// Each invariant says which parts of the state it reads, and an
// InvariantChecker, one per boot, checks it again only after a step that
// changed one of them; otherwise its last answer stands. What the checks
// derive from the state, and their scans of the call log, are carried from
// step to step (carry.ts).
import { firstEndingAbove } from '../util/search.js';
import {
  compoundHead,
  firstUnmappedStructPage,
  nidOfPhys,
  PMD_ENTRY_SPAN,
  pmdSlices,
  PTE_SPAN,
  runsIn,
  structPageAt,
  zoneSpanning,
  type HugePage,
  type KernelState,
  type PteRun,
} from '../simulator.js';
import { hex } from '../util/format.js';
import { firstGap, mergeRanges, RangeUnion, uncoveredByAll, type Range } from './ranges.js';
import { Carry, partVersion, sameVersion, type StatePart } from './carry.js';
import { pow2 } from '../util/units.js';

export interface Violation {
  invariant: string;
  message: string;
}

export interface Invariant {
  name: string;
  describe: string;
  /** Every part of the state check() reads (besides the machine, arch and profile, fixed for a boot). */
  reads: StatePart[];
  check(s: KernelState, carry: Carry): Violation[];
}

const rangeEnd = (r: Range) => r[1];
const runEnd = (r: PteRun) => r.from + r.count;

const pfnName = (s: KernelState, pfn: number) => `pfn ${hex(pfn)} (${hex(pfn * s.arch.pageSize)})`;

const inRanges = (x: number, rs: Range[]) => rs.some(([a, b]) => x >= a && x < b);

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
  return s.memblock.memory.regions
    .map((r) => [Math.ceil(r.base / ps), Math.floor((r.base + r.size) / ps)] as Range)
    .filter(([a, b]) => b > a);
}

function folioRange(s: KernelState, f: HugePage): Range {
  const sp = s.arch.structPageSize;
  return [f.pfn * sp, (f.pfn + pow2(f.order)) * sp];
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

/**
 * Checks the invariants (all, or those named) after each step of one boot,
 * carrying its work from step to step: an invariant none of whose parts
 * changed since the last check keeps its answer.
 */
export class InvariantChecker {
  private readonly list: Invariant[];
  private readonly parts: StatePart[];
  /** Per invariant, the parts it reads as bits (bit i: parts[i]). */
  private readonly masks: number[];
  private state: KernelState | null = null;
  private carry = new Carry();
  private versions: (unknown[] | null)[] = [];
  private results: (Violation[] | null)[] = [];

  constructor(names?: string[]) {
    this.list = names ? INVARIANTS.filter((inv) => names.includes(inv.name)) : INVARIANTS;
    this.parts = [...new Set(this.list.flatMap((inv) => inv.reads))];
    this.masks = this.list.map((inv) => inv.reads.reduce((m, p) => m | (1 << this.parts.indexOf(p)), 0));
  }

  /** What the invariants say of the state as it is now, after a step of the boot this checker follows (another state starts afresh). */
  check(s: KernelState): Violation[] {
    if (s !== this.state) {
      this.state = s;
      this.carry = new Carry();
      this.versions = this.parts.map(() => null);
      this.results = this.list.map(() => null);
    }
    let changed = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const v = partVersion(s, this.parts[i]!);
      const was = this.versions[i];
      if (!v || !was || !sameVersion(v, was)) changed |= 1 << i;
      this.versions[i] = v;
    }
    const out: Violation[] = [];
    for (let i = 0; i < this.list.length; i++) {
      let r = this.results[i];
      if (!r || changed & this.masks[i]!) {
        r = this.list[i]!.check(s, this.carry);
        this.results[i] = r;
      }
      for (const v of r) out.push(v);
    }
    return out;
  }
}

export const INVARIANTS: Invariant[] = [
  {
    name: 'memblock-regions',
    describe: 'memblock regions are sorted, disjoint and non-empty; memory regions lie within the RAM the firmware reported',
    reads: ['memblock'],
    check(s, carry) {
      const out: Violation[] = [];
      for (const type of [s.memblock.memory, s.memblock.reserved]) {
        type.regions.forEach((r, i) => {
          if (r.size <= 0) out.push({ invariant: this.name, message: `${type.name} region ${i} at ${hex(r.base)} is empty` });
          const prev = type.regions[i - 1];
          if (prev && prev.base + prev.size > r.base)
            out.push({
              invariant: this.name,
              message: `${type.name} regions ${i - 1} and ${i} overlap or are out of order at ${hex(r.base)}`,
            });
        });
      }
      const ram = carry.memo('usable RAM', [s.machine], () =>
        mergeRanges(s.machine.e820.filter((e) => e.type === 'usable').map((e) => [e.start, e.end] as Range)),
      );
      for (const r of s.memblock.memory.regions) {
        const outside = firstGap(r.base, r.base + r.size, ram);
        if (outside)
          out.push({
            invariant: this.name,
            message: `memory region [${hex(r.base)}-${hex(r.base + r.size - 1)}] is not RAM at ${hex(outside[0])}`,
          });
      }
      return out;
    },
  },
  {
    name: 'memory-has-node',
    describe:
      'after numa_init() every byte of memory below max_pfn belongs to an online node; ' +
      'no node manages more pages than it has present, nor has more free pages than it manages (MemFree <= MemTotal)',
    // The free counts are not a tracked part: 'memblock' makes it run after every step.
    reads: ['memblock', 'memory', 'zones'],
    check(s) {
      const out: Violation[] = [];
      if (s.nodeData.size) {
        const top = s.maxPfn * s.arch.pageSize;
        for (const r of s.memblock.memory.regions) {
          if (r.base >= top || s.nodeData.has(r.nid)) continue;
          out.push({
            invariant: this.name,
            message: `memory [${hex(r.base)}-${hex(Math.min(r.base + r.size, top) - 1)}] has node id ${r.nid}, not an online node, after NUMA init`,
          });
        }
      }
      // By node, not by zone: a gigantic page that spans two zones (6.1, the folio-one-zone finding)
      // is all counted to its head's zone by adjust_managed_page_count(), as in the real kernel.
      const managed = new Map<number, number>();
      const present = new Map<number, number>();
      for (const z of s.zones?.zones ?? []) {
        if (z.present > z.spanned)
          out.push({ invariant: this.name, message: `node ${z.nid} zone ${z.name}: present ${z.present} > spanned ${z.spanned}` });
        managed.set(z.nid, (managed.get(z.nid) ?? 0) + z.managed);
        present.set(z.nid, (present.get(z.nid) ?? 0) + z.present);
      }
      for (const [nid, m] of managed) {
        if (m > present.get(nid)!)
          out.push({ invariant: this.name, message: `node ${nid} manages ${m} pages but has ${present.get(nid)} present` });
      }
      for (const [nid, free] of s.pageAlloc.nodeFree) {
        if (free > (managed.get(nid) ?? 0))
          out.push({ invariant: this.name, message: `node ${nid} has ${free} free pages but manages ${managed.get(nid) ?? 0}` });
      }
      return out;
    },
  },
  {
    name: 'memblock-one-owner',
    describe: 'no memblock allocation hands out bytes another live allocation holds, and every reserved byte was reserved by someone',
    reads: ['memblock'],
    check(s, carry) {
      const o = carry.ownership(s);
      const out: Violation[] = o.clashes.map((message) => ({ invariant: this.name, message }));
      for (const r of s.memblock.reserved.regions) {
        const gap = firstGap(r.base, r.base + r.size, o.owners.ranges);
        if (gap)
          out.push({
            invariant: this.name,
            message: `reserved [${hex(gap[0])}-${hex(gap[1] - 1)}] has no owner (no reservation or allocation made it)`,
          });
      }
      return out;
    },
  },
  {
    name: 'vmemmap-single-writer',
    describe:
      'no physical vmemmap page is mapped writable at two addresses (once hugetlb has gathered the folio: until then the HVO tails are writable by design)',
    reads: ['pgtable', 'stored', 'hugetlb'],
    check(s, carry) {
      const out: Violation[] = [];
      const window = carry.preGatherHvo(s);
      const writers = new Map<number, { n: number; vaddr: number }>();
      const stored = s.vmemmap.stored;
      for (const { r, vaddr } of carry.pteRuns(s)) {
        if (r.readOnly || (window.length && inRanges(vaddr, window))) continue;
        // A run onto one page writes it at each of its PTEs; a run of pages of their own writes each
        // at one address, so only a shared page it maps can be written elsewhere too.
        if (r.stride && !stored.has(r.phys)) continue;
        const w = writers.get(r.phys);
        if (w) w.n += r.stride ? 1 : r.count;
        else writers.set(r.phys, { n: r.stride ? 1 : r.count, vaddr });
      }
      for (const [phys, w] of writers) {
        if (w.n > 1)
          out.push({
            invariant: this.name,
            message:
              `vmemmap page ${hex(phys)} is mapped writable at ${w.n} addresses ` +
              `(first at vmemmap+${hex(w.vaddr)}, struct pages of ${pfnName(s, w.vaddr / s.arch.structPageSize)})`,
          });
      }
      return out;
    },
  },
  {
    name: 'shared-pages-readonly',
    describe: 'a shared vmemmap page is mapped read-only everywhere but at its own address (once gathered)',
    reads: ['pgtable', 'stored', 'hugetlb'],
    check(s, carry) {
      const out: Violation[] = [];
      const window = carry.preGatherHvo(s);
      const sp = s.arch.structPageSize;
      for (const { r, vaddr } of carry.pteRuns(s)) {
        const st = s.vmemmap.stored.get(r.phys);
        if (!st || r.readOnly || inRanges(vaddr, window)) continue;
        const home = st.kind === 'head' && r.count === 1 && vaddr === st.basePfn * sp;
        if (!home)
          out.push({
            invariant: this.name,
            message: `shared ${st.kind} page ${hex(r.phys)} is writable at vmemmap+${hex(vaddr)} (${pfnName(s, vaddr / sp)}, ${r.count} PTEs)`,
          });
      }
      return out;
    },
  },
  {
    name: 'memmap-reachable',
    describe: "every present PFN's struct page is mapped by the vmemmap page tables (from memmap_init() on)",
    reads: ['zones', 'memory', 'pgtable'],
    check(s) {
      if (!s.memmapInitDone) return [];
      const out: Violation[] = [];
      const sp = s.arch.structPageSize;
      for (const [a, b] of presentPfnRanges(s)) {
        const first = firstUnmappedStructPage(s, a, b);
        if (first !== null)
          out.push({ invariant: this.name, message: `struct page of ${pfnName(s, first)} is not mapped (vmemmap+${hex(first * sp)})` });
      }
      return out;
    },
  },
  {
    name: 'compound-head',
    describe:
      'for every PFN of every gigantic folio, compound_head() finds its head and page_zonenum()/page_to_nid() give the zone and node the PFN lies in',
    reads: ['pgtable', 'stored', 'hugetlb', 'zones', 'memory'],
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
          if (head !== f.pfn)
            out.push({
              invariant: this.name,
              message: `compound_head(${pfnName(s, pfn)}) = ${head === null ? 'unmapped' : hex(head)}, its head is ${hex(f.pfn)}${where}`,
            });
          else if (p && z && p.zoneIdx !== z.idx)
            out.push({
              invariant: this.name,
              message: `page_zonenum(${pfnName(s, pfn)}) = ${s.zones!.names[p.zoneIdx]}, but the PFN lies in ${s.zones!.names[z.idx]}${where}`,
            });
          else if (p && p.nid !== nid)
            out.push({
              invariant: this.name,
              message: `page_to_nid(${pfnName(s, pfn)}) = ${p.nid}, but the PFN lies on node ${nid}${where}`,
            });
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
    reads: ['hugetlb', 'zones'],
    check(s) {
      const out: Violation[] = [];
      for (const f of s.hugetlb.pages) {
        const a = zoneSpanning(s, f.pfn);
        const b = zoneSpanning(s, f.pfn + pow2(f.order) - 1);
        if (!a || !b || a.idx !== b.idx || a.nid !== b.nid) {
          const names = s.zones?.names ?? [];
          out.push({
            invariant: this.name,
            message: `folio at ${pfnName(s, f.pfn)} (order ${f.order}) spans zones ${a ? names[a.idx] : '?'} and ${b ? names[b.idx] : '?'}`,
          });
        }
      }
      return out;
    },
  },
  {
    name: 'hvo-flag-matches-mapping',
    describe: 'a folio flagged vmemmap-optimized has an HVO mapping (its tails share pages), one not flagged has a full one',
    reads: ['pgtable', 'hugetlb'],
    check(s) {
      const out: Violation[] = [];
      for (const f of s.hugetlb.pages) {
        const [start, end] = folioRange(s, f);
        const b = vmemmapBacking(s, start, end);
        const full = (end - start) / PTE_SPAN;
        if (f.vmemmapOptimized && !b.aliased)
          out.push({
            invariant: this.name,
            message: `folio at ${pfnName(s, f.pfn)} is flagged vmemmap-optimized but its vmemmap is a full mapping (${b.distinct} pages)`,
          });
        if (!f.vmemmapOptimized && (b.aliased || b.distinct !== full))
          out.push({
            invariant: this.name,
            message: `folio at ${pfnName(s, f.pfn)} is not flagged vmemmap-optimized but its vmemmap has ${b.distinct} distinct pages for ${full} (aliased)`,
          });
      }
      return out;
    },
  },
  {
    name: 'wrprotect-changes-ptes-only',
    describe:
      'vmemmap_wrprotect_hvo() changes PTEs only: it never takes a 2 MiB leaf for a PTE table and clears _PAGE_RW in the struct pages it maps',
    reads: ['pgtable'],
    check(s) {
      const sp = s.arch.structPageSize;
      return s.vmemmap.leafWrites.map(({ entry, phys, from, count }) => {
        // Word i of the leaf's first page lies in the struct page of PFN (entry's first PFN) + i * 8 / sizeof(struct page).
        const first = (entry * PMD_ENTRY_SPAN) / sp;
        const pfns = `${pfnName(s, first + Math.floor((from * 8) / sp))} to ${pfnName(s, first + Math.floor(((from + count) * 8 - 1) / sp))}`;
        return {
          invariant: this.name,
          message:
            `vmemmap_wrprotect_hvo() took PMD entry ${entry} (a 2 MiB leaf at ${hex(phys)}) for a PTE table: ` +
            `it cleared bit 1 of ${count} words at ${hex(phys + from * 8)}, the struct pages of ${pfns}`,
        };
      });
    },
  },
  {
    name: 'struct-page-initialized',
    describe: 'every struct page the kernel may read (any present PFN, from memmap_init() on) has been written',
    reads: ['zones', 'pgtable', 'stored', 'hugetlb'],
    check(s, carry) {
      if (!s.memmapInitDone) return [];
      // A struct page of its own PFN is written by memmap_init() (and hugetlb); only a page several PFNs
      // share can hold struct pages nobody wrote. Read one slot of each, at the first address that maps it.
      const out: Violation[] = [];
      const sp = s.arch.structPageSize;
      const seen = new Set<number>();
      for (const { r, vaddr } of carry.pteRuns(s)) {
        if (!s.vmemmap.stored.has(r.phys) || seen.has(r.phys)) continue;
        seen.add(r.phys);
        const pfn = vaddr / sp;
        const p = structPageAt(s, pfn);
        if (p && !p.initialized)
          out.push({
            invariant: this.name,
            message: `struct page of ${pfnName(s, pfn)} was never written (${p.shared ? `shared ${p.shared} page ` : ''}${hex(p.phys)} slot ${p.slot})`,
          });
      }
      return out;
    },
  },
  {
    name: 'memmap-boot-pages',
    describe:
      'nr_memmap_boot_pages and nr_memmap_pages equal the vmemmap pages actually mapped from memblock and from the buddy allocator (6.15 and later)',
    reads: ['pgtable', 'stored', 'memmap', 'zones'],
    check(s, carry) {
      if (!s.kernel.memmapCounters) return [];
      // Every page mapped as a page of its own (a leaf, or a PTE run of consecutive pages) counts once,
      // as boot memory unless the buddy allocator gave it; a stored page counts once, where it is not
      // already one of those (a shared tail, or a head only its aliases map). A zone's shared tail taken
      // from the buddy allocator at run time (vmemmap_get_tail()) is not counted by the kernel.
      let boot = s.vmemmap.pmdLeaf.size * (PMD_ENTRY_SPAN / PTE_SPAN);
      let runtime = 0;
      const own = new RangeUnion();
      for (const { r } of carry.pteRuns(s)) {
        if (!r.stride) continue;
        boot += r.count;
        own.add(r.phys, r.phys + r.count * PTE_SPAN);
      }
      boot -= s.vmemmap.buddyPages;
      runtime += s.vmemmap.buddyPages;
      const ownM = own.ranges;
      const shared: string[] = [];
      for (const [phys, st] of s.vmemmap.stored) {
        if (!firstGap(phys, phys + PTE_SPAN, ownM)) {
          if (!st.boot) {
            boot--;
            runtime++;
          }
        } else if (st.boot) boot++;
        else if (st.kind !== 'tail') runtime++;
        if (st.kind === 'tail')
          shared.push(
            `${st.boot ? 'boot' : 'runtime'} shared tail ${hex(phys)} (node ${st.nid} ${s.zones?.names[st.zoneIdx]}, order ${st.order})`,
          );
      }
      const out: Violation[] = [];
      const note = shared.length ? `; shared tail pages: ${shared.join(', ')}` : '';
      if (boot !== s.memmap.bootPages)
        out.push({
          invariant: this.name,
          message: `nr_memmap_boot_pages is ${s.memmap.bootPages} but ${boot} vmemmap pages from memblock are mapped${note}`,
        });
      if (runtime !== s.memmap.pages)
        out.push({
          invariant: this.name,
          message: `nr_memmap_pages is ${s.memmap.pages} but ${runtime} vmemmap pages from the buddy allocator are mapped${note}`,
        });
      return out;
    },
  },
  {
    name: 'memblock-nothing-lost',
    describe: 'every byte the vmemmap and hugetlb took from memblock is still in use (mapped, a page table, a huge page) or was given back',
    reads: ['memblock', 'pgtable', 'hugetlb'],
    check(s, carry) {
      const ps = s.arch.pageSize;
      // What the vmemmap's tables and the pools use, added one by one to a merged union: they come
      // mostly in order and merge into a few ranges.
      const inUse = () => {
        const used = new RangeUnion();
        const pt = s.vmemmap;
        for (const p of pt.pud.values()) used.add(p, p + ps);
        for (const p of pt.pmd.values()) used.add(p, p + ps);
        for (const p of pt.pmdLeaf.values()) used.add(p, p + PMD_ENTRY_SPAN);
        for (const entry of pt.pte.keys()) {
          const page = pt.pte.pageAt(entry);
          used.add(page, page + ps);
          for (const r of pt.pte.runsAt(entry)) used.add(r.phys, r.phys + (r.stride ? r.count : 1) * ps);
        }
        for (const m of s.hugetlb.bootPages) used.add(m.addr, m.addr + pow2(m.order) * ps);
        for (const f of s.hugetlb.pages) used.add(f.pfn * ps, (f.pfn + pow2(f.order)) * ps);
        return used.ranges;
      };
      // Of the rest, what other subsystems took and the pages freed late are not lost, nor is what is left of the sparse buffer.
      const { left, also } = carry.unusedOfOurs(s, inUse);
      if (!left.length) return [];
      let reserved: Range[] | null = null;
      const calls = s.memblock.calls;
      const out: Violation[] = [];
      for (const { k, pieces } of left) {
        for (const [a, e] of pieces.flatMap(([x, y]) => uncoveredByAll(x, y, also))) {
          reserved ??= mergeRanges(s.memblock.reserved.regions.map((r) => [r.base, r.base + r.size] as Range));
          // Lost only if memblock still holds it: the first merged reserved range that overlaps it, clipped.
          const r = reserved[firstEndingAbove(reserved, a, rangeEnd)];
          if (r && r[0] < e) {
            const lo = Math.max(r[0], a);
            const hi = Math.min(r[1], e);
            // The kernel's own leak (preinitBootVmemmapFree): said as such, not as a modelling slip.
            const leak = s.hvo.leakedRanges.some(([x, y]) => x < hi && lo < y)
              ? ': vmemmap pages HVO let go of in a section hugetlb took over at boot, which free_bootmem_page() keeps (the kernel leaks them)'
              : '';
            out.push({
              invariant: this.name,
              message: `[${hex(lo)}-${hex(hi - 1)}] taken by ${calls.fnAt(k)} for ${calls.callerAt(k)} is reserved but nothing uses it${leak}`,
            });
            break;
          }
        }
      }
      return out;
    },
  },
];

/** Run every invariant (or those named) on the state, once. */
export function checkInvariants(s: KernelState, names?: string[]): Violation[] {
  return new InvariantChecker(names).check(s);
}
