// Differential runs: the same machine booted by two kernel profiles, and what differs.
import {
  boot,
  estimatedOthers,
  type KernelFeatures,
  type KernelProfile,
  type KernelState,
  type MemblockFaults,
  type OtherSubsystems,
  type ProfileName,
} from '../simulator.js';
import type { Machine } from '../machine/types.js';
import { hugepagesByNode, meminfoObject } from '../report/proc.js';
import { bootDeath } from '../report/plan.js';
import { predictOutOfMemory } from '../simulator.js';

/** Where each generation builds a boot-time gigantic page's HVO mapping (KernelFeatures.bootVmemmap): every value named. */
const HVO_AT_BOOT: Readonly<Record<KernelFeatures['bootVmemmap'], string>> = {
  gather: 'late() (once zones existed)',
  early: 'early() (before zones existed)',
  deferred: 'late() (once zones existed)',
  'sparse-init': 'early() from sparse_init_nid() (zones set up first)',
};

/** What became of a boot-time gigantic page that spans two zones, by KernelFeatures.bootVmemmap: every value named. */
const ZONE_INVALID_AT_BOOT: Readonly<Record<KernelFeatures['bootVmemmap'], string>> = {
  gather: 'was populated normally',
  early: 'had its HVO mapping undone (vmemmap_undo_hvo)',
  deferred: 'was populated normally',
  'sparse-init': 'was populated normally',
};

export interface VmemmapSummary {
  pudTables: number;
  pmdTables: number;
  pmdLeaves: number;
  pteTables: number;
  /** PTEs that map a page of their own (a mirrored head page at its own address included). */
  ptePages: number;
  /** PTEs that map a shared page (one of many aliases), and how many PTEs are read-only. */
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
  /** Why the boot died and after which step, or null when it lived. */
  died: { afterStep: string; panic: string } | null;
  /** What `hvosim boot` says of this boot (bootDeath()): it boots, died, or is predicted to run out of memory after hugetlb_init(). */
  verdict: BootVerdict;
  /** Why the boot is no good, in `hvosim boot`'s words (bootDeath()), or null when it boots. */
  death: string | null;
}

export type BootVerdict = 'boots' | 'died' | 'runs out of memory' | 'may run out of memory';

/** The verdict `hvosim boot` gives (exit status 1 unless it boots): bootDeath() decides, the prediction only picks the words. */
export function bootVerdict(s: KernelState): { verdict: BootVerdict; death: string | null } {
  const death = bootDeath(s);
  if (s.panic) return { verdict: 'died', death };
  if (death === null) return { verdict: 'boots', death };
  return { verdict: predictOutOfMemory(s)?.dies ? 'runs out of memory' : 'may run out of memory', death };
}

/** What each count of VmemmapSummary is, in words (the command line's and the web page's tables). */
export const VMEMMAP_LABELS: [keyof VmemmapSummary, string][] = [
  ['pudTables', 'PUD tables'],
  ['pmdTables', 'PMD tables'],
  ['pmdLeaves', 'PMD leaves (2 MiB of vmemmap each)'],
  ['pteTables', 'PTE tables'],
  ['ptePages', 'PTEs mapping a page of their own'],
  ['sharedPtes', 'PTEs mapping a shared page'],
  ['readOnlyPtes', 'read-only PTEs'],
  ['headPages', 'mirrored head pages (fake heads, copies)'],
  ['tailPages', 'shared tail pages (per zone and order)'],
];

/** A /sys hugepages directory size ("1048576kB") in words ("1 GiB"). */
export function hugepageSizeLabel(size: string): string {
  const kb = parseInt(size, 10);
  if (!Number.isFinite(kb)) return size;
  return kb >= 1048576 && kb % 1048576 === 0 ? `${kb / 1048576} GiB` : kb >= 1024 && kb % 1024 === 0 ? `${kb / 1024} MiB` : `${kb} KiB`;
}

export function vmemmapSummary(s: KernelState): VmemmapSummary {
  const pt = s.vmemmap;
  const v: VmemmapSummary = {
    pudTables: pt.pud.size,
    pmdTables: pt.pmd.size,
    pmdLeaves: pt.pmdLeaf.size,
    pteTables: pt.pte.size,
    ptePages: 0,
    sharedPtes: 0,
    readOnlyPtes: 0,
    headPages: 0,
    tailPages: 0,
  };
  for (const t of pt.pte.values()) {
    for (const r of t.runs) {
      // A run with a stride maps pages of their own (a mirrored head page at its own address too);
      // a run without one maps one shared page many times. Every PTE is one or the other.
      if (r.stride) v.ptePages += r.count;
      else v.sharedPtes += r.count;
      if (r.readOnly) v.readOnlyPtes += r.count;
    }
  }
  for (const p of pt.stored.values()) p.kind === 'head' ? v.headPages++ : v.tailPages++;
  return v;
}

function profileRun(
  machine: Machine,
  asked: ProfileName | KernelProfile,
  others: OtherSubsystems | null,
  faults?: MemblockFaults,
): ProfileRun {
  const s = boot(machine, { profile: asked, others, faults });
  const profile = s.profile.name;
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
    died: s.panic ? { afterStep: s.steps.at(-1)?.fn ?? '(start)', panic: s.panic } : null,
    ...bootVerdict(s),
  };
}

/**
 * "THE BOOT DIED ..." for a run that died, the out-of-memory prediction `hvosim boot` prints for one predicted
 * to run out of memory, else null: said before anything else.
 */
export function diedLine(r: ProfileRun): string | null {
  if (r.died) return `THE BOOT DIED with kernel ${r.profile} after ${r.died.afterStep}: ${r.died.panic}`;
  return r.death ? `kernel ${r.profile}: ${r.death}` : null;
}

/**
 * Both sides' verdicts in one line ("6.1 boots; 7.3 may run out of memory after hugetlb_init()"), each side
 * named by its label (the kernel asked for, "7.2 (profile 7.1)") or its profile.
 */
export function verdictLine(a: ProfileRun, b: ProfileRun, labels: [string, string] = [a.profile, b.profile]): string {
  const one = (r: ProfileRun, label: string) =>
    r.verdict === 'boots' || r.verdict === 'died' ? `${label} ${r.verdict}` : `${label} ${r.verdict} after hugetlb_init()`;
  return `${one(a, labels[0])}; ${one(b, labels[1])}`;
}

/** Huge pages per node and size where the two runs differ: [node, size, a, b]. */
export function hugepagesDiffering(a: ProfileRun, b: ProfileRun): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  const nodes = [...new Set([...Object.keys(a.hugepages), ...Object.keys(b.hugepages)])].sort();
  for (const n of nodes) {
    const sizes = [...new Set([...Object.keys(a.hugepages[n] ?? {}), ...Object.keys(b.hugepages[n] ?? {})])].sort(
      (x, y) => parseInt(x, 10) - parseInt(y, 10),
    );
    for (const z of sizes) {
      const x = a.hugepages[n]?.[z] ?? 0;
      const y = b.hugepages[n]?.[z] ?? 0;
      if (x !== y) out.push([n, z, x, y]);
    }
  }
  return out;
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
export function diffBoots(
  machine: Machine,
  pa: ProfileName | KernelProfile,
  pb: ProfileName | KernelProfile,
  opts: { others?: OtherSubsystems | null; faults?: MemblockFaults } = {},
): BootDiff {
  const others = opts.others === undefined ? estimatedOthers : opts.others;
  const a = profileRun(machine, pa, others, opts.faults);
  const b = profileRun(machine, pb, others, opts.faults);
  const summary: string[] = [];
  for (const r of [a, b]) {
    const line = diedLine(r);
    if (line) summary.push(r.died ? `${line}; its figures below are as far as it got.` : `${line}.`);
  }
  const ha = a.state.hvo;
  const hb = b.state.hvo;
  for (const r of [a, b]) {
    const h = r.state.hvo;
    const pool = r.state.hugetlb.pages;
    const withHvo = pool.filter((p) => p.vmemmapOptimized).length;
    const how: string[] = [];
    if (h.preHvo)
      how.push(
        `${plural(h.preHvo, 'gigantic page')} got the HVO mapping from hugetlb_vmemmap_init_${HVO_AT_BOOT[r.state.kernel.bootVmemmap]}`,
      );
    if (h.zoneInvalid)
      how.push(
        `${plural(h.zoneInvalid, 'page')} spanning two zones ${ZONE_INVALID_AT_BOOT[r.state.kernel.bootVmemmap]} and given back to memblock`,
      );
    if (h.fallback) how.push(`${plural(h.fallback, 'page')} fell back to a normal vmemmap after HVO population failed`);
    if (h.optimized)
      how.push(
        `${plural(h.optimized, 'huge page')} optimized by remapping a live vmemmap (${h.vmemmapPagesFreed} vmemmap pages freed` +
          `${h.vmemmapPagesLeaked ? `, ${h.vmemmapPagesLeaked} of them lost to the kernel's bootmem leak` : ''}` +
          `, ${plural(h.pteTables, 'PTE table')} allocated)`,
      );
    if (h.failed) how.push(`${plural(h.failed, 'huge page')} whose remapping failed`);
    const head = `${r.profile}: ${plural(pool.length, 'huge page')} in the pool, ${withHvo} with HVO and ${pool.length - withHvo} without`;
    summary.push(`${head}${how.length ? `; ${how.join('; ')}` : '; no HVO work'}.`);
  }
  const d = (x: number, y: number, unit: string) => {
    const u = unit ? ` ${unit}` : '';
    return x === y ? `the same (${x}${u})` : `${x} vs ${y}${u} (${y > x ? '+' : ''}${y - x})`;
  };
  summary.push(`MemTotal: ${d(a.memTotalKb, b.memTotalKb, 'kB')}.`);
  const va = a.vmemmap;
  const vb = b.vmemmap;
  summary.push(
    `Vmemmap: PMD leaves ${d(va.pmdLeaves, vb.pmdLeaves, '')}; PTE tables ${d(va.pteTables, vb.pteTables, '')}; ` +
      `PTEs mapping a page of their own ${d(va.ptePages, vb.ptePages, '')}; PTEs mapping a shared page ${d(va.sharedPtes, vb.sharedPtes, '')}; ` +
      `shared pages ${d(va.headPages + va.tailPages, vb.headPages + vb.tailPages, '')}: ` +
      `mirrored heads ${d(va.headPages, vb.headPages, '')}, shared tails ${d(va.tailPages, vb.tailPages, '')}.`,
  );
  if (a.state.kernel.memmapCounters && b.state.kernel.memmapCounters)
    summary.push(
      `nr_memmap_boot_pages: ${d(a.memmapBootPages, b.memmapBootPages, 'pages')}; nr_memmap_pages: ${d(a.memmapPages, b.memmapPages, 'pages')}.`,
    );
  const ca = a.state.memblock.calls.length;
  const cb = b.state.memblock.calls.length;
  summary.push(`memblock calls of every kind: ${d(ca, cb, '')}.`);
  const hp = hugepagesDiffering(a, b);
  summary.push(
    hp.length
      ? `Huge pages per node and size: ${hp.map(([n, z, x, y]) => `${n}, ${hugepageSizeLabel(z)}: ${d(x, y, '')}`).join('; ')}.`
      : 'Huge pages per node and size: the same.',
  );
  if (ha.zoneInvalid !== hb.zoneInvalid) summary.push(`Zone-spanning pages given back: ${d(ha.zoneInvalid, hb.zoneInvalid, '')}.`);
  return { a, b, dmesgOnlyA: onlyIn(a.state.dmesg, b.state.dmesg), dmesgOnlyB: onlyIn(b.state.dmesg, a.state.dmesg), summary };
}
