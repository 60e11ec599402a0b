// What the memory-map and vmemmap pictures draw, as plain data: the same data feeds
// `hvosim boot --svg` and the web page, so both show one truth.
//
// Reservations are rebuilt from the recorded memblock calls (allocations and reserves
// set a range's owner, frees clear it), so the picture can be taken as of any step.
// Owners are grouped by the caller that made the call. Adjacent ranges of one owner
// are merged as they are set, which keeps a 64 TiB boot's million vmemmap blocks to a
// handful of intervals.
import {
  numaNodeSpans,
  PMD_ENTRY_SPAN,
  presentSections,
  PTE_SPAN,
  sectionMapSize,
  type KernelState,
  type MemblockCallLog,
} from '../simulator.js';
import { firstEndingAbove } from '../util/search.js';
import { ALLOC_OUTCOME_CALLER, callerOwner, type Owner } from '../util/kernel-callers.js';

export interface Extent<T> {
  start: number;
  end: number;
  what: T;
}

export interface NodePicture {
  nid: number;
  /** Physical span of the node (bytes): from its first to its last byte, holes and other nodes' ranges included. */
  start: number;
  end: number;
  /** The node's RAM: memblock's memory ranges of the node (what the span holds but its holes). */
  ram: number;
  /** Zones' present and managed pages of the node, in bytes (null before free_area_init(); managed: before memblock_free_all()). */
  presentBytes: number | null;
  managedBytes: number | null;
  zones: Extent<string>[];
  /** Parts of the span that are not RAM of this node (firmware holes, other nodes' ranges). */
  holes: Extent<'hole'>[];
  reserved: Extent<Owner>[];
  /** Gigantic and huge pages in a pool, and boot pages still waiting to be gathered. */
  hugePages: Extent<'pool' | 'boot'>[];
  /** Memory sections (sparse): their size, and the present ones as runs. */
  sections: { size: number; present: Extent<'present'>[] };
}

export type VmemmapKind = 'pmd leaf' | 'pte table' | 'hvo';

export interface VmemmapPicture {
  /** The part of the vmemmap (offsets from VMEMMAP_START) that maps each node's struct pages. */
  nodes: {
    nid: number;
    /** The vmemmap range over the node's whole span (holes included: those parts are not mapped). */
    start: number;
    end: number;
    /** The node's share of fullBytes: struct pages of its present sections (what the vmemmap maps for it without HVO). */
    structPageBytes: number;
    segments: Extent<VmemmapKind>[];
  }[];
  /** Physical vmemmap pages that back more than one virtual page (a tail page says whose zone it serves). */
  shared: { phys: number; kind: 'head' | 'tail'; refs: number; zone?: string }[];
  /** Physical pages behind the vmemmap: 2 MiB blocks, single pages, PTE tables. */
  backingBytes: number;
  /** What a vmemmap without HVO would take: every present section's struct pages. */
  fullBytes: number;
  /** HVO is on (hugetlb_free_vmemmap=on): without it there is nothing to save or cost. */
  hvo: boolean;
}

export interface BootPicture {
  profile: string;
  /** Bytes of struct page per byte of memory (struct page size / page size): maps a physical window onto the vmemmap. */
  structPagePerByte: number;
  machine: string;
  /** The step the picture is taken after (the last one when not given). */
  step: number;
  steps: { fn: string; calls: number }[];
  nodes: NodePicture[];
  vmemmap: VmemmapPicture;
}

/** The owner group of a memblock call, from the kernel function that made it (src/util/kernel-callers.ts). */
export function ownerOf(caller: string): Owner {
  return callerOwner(caller);
}

/**
 * The range call `i` takes (owner set) or gives back (owner null), or nothing for calls
 * about memory itself. `stepFn` names the step, for reserves that no recorded call owns.
 * Reads the call log field by field: no call object is made.
 */
export function callEffect(log: MemblockCallLog, i: number, stepFn: string): { start: number; end: number; owner: Owner | null } | null {
  const fn = log.fnAt(i);
  if (fn === 'memblock_phys_free') {
    const base = log.baseAt(i);
    return base !== undefined ? { start: base, end: base + log.sizeAt(i), owner: null } : null;
  }
  if (fn === 'memblock_reserve') {
    const base = log.baseAt(i);
    if (base === undefined) return null;
    const caller = log.callerAt(i);
    if (caller !== ALLOC_OUTCOME_CALLER) return { start: base, end: base + log.sizeAt(i), owner: ownerOf(caller) };
    // The reserve an allocation makes for itself belongs to that allocation's caller;
    // one with no recorded allocation before it (memblock_phys_alloc_try_nid() inside a step) to the step.
    if (i > 0 && log.resultAt(i - 1) === base && log.fnAt(i - 1) !== 'memblock_reserve') return null;
    return { start: base, end: base + log.sizeAt(i), owner: ownerOf(stepFn) };
  }
  if (fn.startsWith('memblock_alloc') || fn === 'memblock_phys_alloc_range') {
    const result = log.resultAt(i);
    if (!result) return null;
    return { start: result, end: result + log.sizeAt(i), owner: ownerOf(log.callerAt(i)) };
  }
  return null;
}

/** Sorted, disjoint, merged owner intervals. */
class OwnerMap {
  items: Extent<Owner>[] = [];

  set(start: number, end: number, owner: Owner | null): void {
    if (end <= start) return;
    const it = this.items;
    const i = firstEndingAbove(it, start, (x) => x.end);
    const keep: Extent<Owner>[] = [];
    let j = i;
    while (j < it.length && it[j]!.start < end) {
      const x = it[j]!;
      if (x.start < start) keep.push({ start: x.start, end: start, what: x.what });
      if (x.end > end) keep.push({ start: end, end: x.end, what: x.what });
      j++;
    }
    const repl = [...keep.filter((k) => k.end <= start)];
    if (owner) repl.push({ start, end, what: owner });
    repl.push(...keep.filter((k) => k.start >= end));
    it.splice(i, j - i, ...repl);
    // Merge with neighbours of the same owner.
    const a = Math.max(0, i - 1);
    let b = Math.min(it.length - 1, i + repl.length);
    for (let k = a; k < b && k + 1 < it.length; ) {
      const x = it[k]!;
      const y = it[k + 1]!;
      if (x.end === y.start && x.what === y.what) {
        x.end = y.end;
        it.splice(k + 1, 1);
        b--;
      } else k++;
    }
  }
}

/** Reserved ranges by owner after the first `nCalls` memblock calls. */
export function reservationsAfter(s: KernelState, nCalls: number): Extent<Owner>[] {
  const map = new OwnerMap();
  const calls = s.memblock.calls;
  const n = Math.min(nCalls, calls.length);
  let step = -1;
  for (let i = 0; i < n; i++) {
    while (step + 1 < s.steps.length && s.steps[step + 1]!.firstCall <= i) step++;
    const e = callEffect(calls, i, s.steps[step]?.fn ?? '');
    if (e) map.set(e.start, e.end, e.owner);
  }
  return map.items;
}

function clipTo<T>(items: Extent<T>[], start: number, end: number): Extent<T>[] {
  const out: Extent<T>[] = [];
  for (let i = firstEndingAbove(items, start, (x) => x.end); i < items.length && items[i]!.start < end; i++) {
    const x = items[i]!;
    out.push({ start: Math.max(start, x.start), end: Math.min(end, x.end), what: x.what });
  }
  return out;
}

/** The picture after step `step` (index into s.steps; the end of the boot by default). */
export function bootPicture(s: KernelState, step = s.steps.length - 1): BootPicture {
  const ps = s.arch.pageSize;
  const steps = s.steps.map((st, i) => ({ fn: st.fn, calls: (s.steps[i + 1]?.firstCall ?? s.memblock.calls.length) - st.firstCall }));
  const last = step >= s.steps.length - 1;
  const nCalls = last ? s.memblock.calls.length : (s.steps[step + 1]?.firstCall ?? s.memblock.calls.length);
  const reserved = reservationsAfter(s, nCalls);
  const memory = s.memblock.memory.regions;
  // Zones and pools exist from the step that made them on.
  const stepIdx = (fn: string) => s.steps.findIndex((x) => x.fn === fn);
  const zonesShown = s.zones && (last || step >= stepIdx('free_area_init'));
  const poolShown = last || step >= Math.max(stepIdx('hugetlb_init'), 0);
  const nodes: NodePicture[] = [];
  for (const [nid, span] of numaNodeSpans(s.numa)) {
    const holes: Extent<'hole'>[] = [];
    let at = span.start;
    let ram = 0;
    for (const r of memory) {
      if (r.nid !== nid || r.base + r.size <= span.start || r.base >= span.end) continue;
      if (r.base > at) holes.push({ start: at, end: r.base, what: 'hole' });
      at = Math.max(at, r.base + r.size);
      ram += Math.min(r.base + r.size, span.end) - Math.max(r.base, span.start);
    }
    if (at < span.end) holes.push({ start: at, end: span.end, what: 'hole' });
    const zones: Extent<string>[] = [];
    let presentBytes: number | null = null;
    let managed: number | null = null;
    if (zonesShown) {
      presentBytes = 0;
      for (const z of s.zones!.zones) {
        if (z.nid !== nid) continue;
        presentBytes += z.present * ps;
        if (last) managed = (managed ?? 0) + z.managed * ps;
        if (z.spanned) zones.push({ start: z.startPfn * ps, end: (z.startPfn + z.spanned) * ps, what: z.name });
      }
      if (!managed) managed = null;
    }
    const hugePages: Extent<'pool' | 'boot'>[] = [];
    if (poolShown)
      for (const p of s.hugetlb.pages)
        if (p.nid === nid) hugePages.push({ start: p.pfn * ps, end: (p.pfn + 2 ** p.order) * ps, what: 'pool' });
    // Pages still on huge_boot_pages at the end were never gathered (a boot that died first);
    // before the end, hugetlb's reservations already show where they are.
    if (last) {
      const gathered = new Set(s.hugetlb.pages.map((p) => p.pfn * ps));
      for (const b of s.hugetlb.bootPages)
        if (b.addr >= span.start && b.addr < span.end && !gathered.has(b.addr))
          hugePages.push({ start: b.addr, end: b.addr + 2 ** b.order * ps, what: 'boot' });
    }
    hugePages.sort((a, b) => a.start - b.start);
    const secSize = s.arch.sectionSize;
    const present = s.sparse.present
      .filter((r) => r.nid === nid)
      .map((r) => ({ start: r.start * secSize, end: r.end * secSize, what: 'present' as const }));
    nodes.push({
      nid,
      start: span.start,
      end: span.end,
      ram,
      presentBytes,
      managedBytes: managed,
      zones,
      holes,
      reserved: clipTo(reserved, span.start, span.end),
      hugePages,
      sections: { size: secSize, present },
    });
  }
  return {
    profile: s.profile.name,
    structPagePerByte: s.arch.structPageSize / ps,
    machine: s.machine.name,
    step: Math.min(step, s.steps.length - 1),
    steps,
    nodes,
    vmemmap: vmemmapPicture(s),
  };
}

/**
 * What the struct pages cost: the physical pages behind the vmemmap (2 MiB leaves, pages
 * of their own, each shared page once) and its page tables, against every present
 * section's memmap without HVO. Reads the tables by entry: the planner needs no picture.
 */
export function vmemmapBytes(s: KernelState): { backingBytes: number; fullBytes: number } {
  const pt = s.vmemmap;
  let backing = pt.pmdLeaf.size * PMD_ENTRY_SPAN + (pt.pud.size + pt.pmd.size + pt.pte.size) * PTE_SPAN;
  const sharedPages = new Set<number>();
  for (const entry of pt.pte.keys()) {
    for (const r of pt.pte.runsAt(entry)) {
      if (r.stride) backing += r.count * PTE_SPAN;
      else sharedPages.add(r.phys);
    }
  }
  // A shared head page is also mapped once as itself (a page of its own, counted above);
  // a shared tail page (hvo-v7) is a page of its own only the aliases map.
  for (const p of sharedPages) if (pt.stored.get(p)?.kind !== 'head') backing += PTE_SPAN;
  return { backingBytes: backing, fullBytes: presentSections(s) * sectionMapSize(s) };
}

/** The vmemmap as it stands at the end: leaves, split tables and HVO-remapped ranges per node. */
export function vmemmapPicture(s: KernelState): VmemmapPicture {
  const pt = s.vmemmap;
  const sp = s.arch.structPageSize;
  const ps = s.arch.pageSize;
  const all: Extent<VmemmapKind>[] = [];
  const push = (start: number, end: number, what: VmemmapKind) => {
    const l = all.at(-1);
    if (l && l.end === start && l.what === what) l.end = end;
    else all.push({ start, end, what });
  };
  const refs = new Map<number, number>();
  const entries: [number, 'leaf' | 'table'][] = [];
  for (const k of pt.pmdLeaf.keys()) entries.push([k, 'leaf']);
  for (const k of pt.pte.keys()) entries.push([k, 'table']);
  entries.sort((a, b) => a[0] - b[0]);
  for (const [idx, kind] of entries) {
    const base = idx * PMD_ENTRY_SPAN;
    if (kind === 'leaf') {
      push(base, base + PMD_ENTRY_SPAN, 'pmd leaf');
      continue;
    }
    for (const r of pt.pte.runsAt(idx)) {
      const a = base + r.from * PTE_SPAN;
      const b = a + r.count * PTE_SPAN;
      if (r.stride === 0) {
        refs.set(r.phys, (refs.get(r.phys) ?? 0) + r.count);
        push(a, b, 'hvo');
      } else push(a, b, 'pte table');
    }
  }
  const shared: VmemmapPicture['shared'] = [];
  for (const [phys, aliases] of refs) {
    const st = pt.stored.get(phys);
    // A head page is also mapped once at its own address.
    const n = st?.kind === 'head' ? aliases + 1 : aliases;
    if (n > 1 && st)
      shared.push({
        phys,
        kind: st.kind,
        refs: n,
        ...(st.kind === 'tail' ? { zone: `node ${st.nid} ${s.zones?.names[st.zoneIdx] ?? st.zoneIdx}, order ${st.order}` } : {}),
      });
  }
  shared.sort((a, b) => a.phys - b.phys);
  const nodes: VmemmapPicture['nodes'] = [];
  const mapSize = sectionMapSize(s);
  for (const [nid, span] of numaNodeSpans(s.numa)) {
    const start = (span.start / ps) * sp;
    const end = (span.end / ps) * sp;
    const sections = s.sparse.present.reduce((a, r) => a + (r.nid === nid ? r.end - r.start : 0), 0);
    nodes.push({ nid, start, end, structPageBytes: sections * mapSize, segments: clipTo(all, start, end) });
  }
  return { nodes, shared, ...vmemmapBytes(s), hvo: s.hugetlb.vmemmapOptimizeEnabled };
}
