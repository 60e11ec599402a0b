// Differential runs: the same machine booted by two kernel profiles, and what differs.
import { boot, estimatedOthers, type KernelState, type MemblockFaults, type OtherSubsystems, type ProfileName } from '../simulator.js';
import type { Machine } from '../machine/types.js';
import { hugepagesByNode, meminfoObject } from '../report/proc.js';

export interface VmemmapSummary {
  pudTables: number;
  pmdTables: number;
  pmdLeaves: number;
  pteTables: number;
  /** PTEs that map a page of their own. */
  ptePages: number;
  /** PTEs that map a shared page, and how many are read-only. */
  sharedPtes: number;
  readOnlyPtes: number;
  /** Stored shared pages: mirrored heads and shared tails. */
  headPages: number;
  tailPages: number;
}

export interface ProfileRun {
  profile: ProfileName;
  state: KernelState;
  /** memblock allocations by caller (the calls of the modelled steps). */
  callsByCaller: Record<string, { calls: number; bytes: number }>;
  vmemmap: VmemmapSummary;
  memTotalKb: number;
  memmapBootPages: number;
  memmapPages: number;
  hugepages: Record<string, Record<string, number>>;
  hugetlbLog: string[];
}

export function vmemmapSummary(s: KernelState): VmemmapSummary {
  const pt = s.vmemmap;
  const v: VmemmapSummary = { pudTables: pt.pud.size, pmdTables: pt.pmd.size, pmdLeaves: pt.pmdLeaf.size, pteTables: pt.pte.size, ptePages: 0, sharedPtes: 0, readOnlyPtes: 0, headPages: 0, tailPages: 0 };
  for (const t of pt.pte.values()) {
    for (const r of t.runs) {
      if (r.stride && !pt.stored.has(r.phys)) v.ptePages += r.count;
      else v.sharedPtes += r.count;
      if (r.readOnly) v.readOnlyPtes += r.count;
    }
  }
  for (const p of pt.stored.values()) p.kind === 'head' ? v.headPages++ : v.tailPages++;
  return v;
}

function profileRun(machine: Machine, profile: ProfileName, others: OtherSubsystems | null, faults?: MemblockFaults): ProfileRun {
  const s = boot(machine, { profile, others, faults });
  const callsByCaller: ProfileRun['callsByCaller'] = {};
  for (const c of s.memblock.calls) {
    if (!c.fn.includes('alloc') && c.fn !== 'memblock_phys_free') continue;
    const key = `${c.fn.replace('memblock_', '')} ${c.caller}`;
    const e = (callsByCaller[key] ??= { calls: 0, bytes: 0 });
    e.calls++;
    e.bytes += c.fn === 'memblock_phys_free' ? -c.size : c.result ? c.size : 0;
  }
  return {
    profile,
    state: s,
    callsByCaller,
    vmemmap: vmemmapSummary(s),
    memTotalKb: meminfoObject(s).MemTotal!,
    memmapBootPages: s.memmap.bootPages,
    memmapPages: s.memmap.pages,
    hugepages: hugepagesByNode(s),
    hugetlbLog: s.dmesg.filter((l) => l.startsWith('HugeTLB')),
  };
}

export interface BootDiff {
  a: ProfileRun;
  b: ProfileRun;
  /** dmesg lines only one side printed. */
  dmesgOnlyA: string[];
  dmesgOnlyB: string[];
  summary: string[];
}

/** Lines of `x` not matched in `y` (as multisets). */
function onlyIn(x: string[], y: string[]): string[] {
  const count = new Map<string, number>();
  for (const l of y) count.set(l, (count.get(l) ?? 0) + 1);
  return x.filter((l) => {
    const n = count.get(l) ?? 0;
    if (n) count.set(l, n - 1);
    return !n;
  });
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Boot the machine with both profiles and say what differs. */
export function diffBoots(machine: Machine, pa: ProfileName, pb: ProfileName, opts: { others?: OtherSubsystems | null; faults?: MemblockFaults } = {}): BootDiff {
  const others = opts.others === undefined ? estimatedOthers : opts.others;
  const a = profileRun(machine, pa, others, opts.faults);
  const b = profileRun(machine, pb, others, opts.faults);
  const summary: string[] = [];
  const ha = a.state.hvo;
  const hb = b.state.hvo;
  for (const r of [a, b]) {
    const h = r.state.hvo;
    const what: string[] = [];
    if (h.preHvo) what.push(`${plural(h.preHvo, 'gigantic page')} got the HVO mapping from hugetlb_vmemmap_init_${r.state.kernel.bootVmemmap === 'early' ? 'early() (before zones existed)' : 'late() (once zones existed)'}`);
    if (h.zoneInvalid) what.push(`${plural(h.zoneInvalid, 'page')} spanning two zones ${r.state.kernel.bootVmemmap === 'early' ? 'had its HVO mapping undone (vmemmap_undo_hvo)' : 'was populated normally'} and given back to memblock`);
    if (h.fallback) what.push(`${plural(h.fallback, 'page')} fell back to a normal vmemmap after HVO population failed`);
    if (h.optimized) what.push(`${plural(h.optimized, 'huge page')} optimized by remapping a live vmemmap (${h.vmemmapPagesFreed} vmemmap pages freed, ${plural(h.pteTables, 'PTE table')} allocated)`);
    summary.push(`${r.profile}: ${what.length ? what.join('; ') : 'no HVO work'}.`);
  }
  const d = (x: number, y: number, unit: string) => (x === y ? `the same (${x} ${unit})` : `${x} vs ${y} ${unit} (${y > x ? '+' : ''}${y - x})`);
  summary.push(`MemTotal: ${d(a.memTotalKb, b.memTotalKb, 'kB')}.`);
  summary.push(`Vmemmap: PMD leaves ${d(a.vmemmap.pmdLeaves, b.vmemmap.pmdLeaves, '')}; PTE tables ${d(a.vmemmap.pteTables, b.vmemmap.pteTables, '')}; PTEs with a page of their own ${d(a.vmemmap.ptePages, b.vmemmap.ptePages, '')}; shared pages: ${a.vmemmap.headPages} mirrored heads + ${a.vmemmap.tailPages} shared tails vs ${b.vmemmap.headPages} + ${b.vmemmap.tailPages}.`);
  if (a.state.kernel.memmapCounters && b.state.kernel.memmapCounters) summary.push(`nr_memmap_boot_pages: ${d(a.memmapBootPages, b.memmapBootPages, 'pages')}; nr_memmap_pages: ${d(a.memmapPages, b.memmapPages, 'pages')}.`);
  const ca = a.state.memblock.calls.length;
  const cb = b.state.memblock.calls.length;
  summary.push(`memblock calls: ${d(ca, cb, 'calls')}.`);
  const hpa = JSON.stringify(a.hugepages);
  summary.push(hpa === JSON.stringify(b.hugepages) ? 'Huge pages per node and size: the same.' : 'Huge pages per node and size differ (see the tables).');
  if (ha.zoneInvalid !== hb.zoneInvalid) summary.push(`Zone-spanning pages given back: ${ha.zoneInvalid} vs ${hb.zoneInvalid}.`);
  return { a, b, dmesgOnlyA: onlyIn(a.state.dmesg, b.state.dmesg), dmesgOnlyB: onlyIn(b.state.dmesg, a.state.dmesg), summary };
}
