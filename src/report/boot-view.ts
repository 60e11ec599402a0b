// Views of a finished boot that the CLI's text and --json and the web page share:
// each node's memory, the profile the boot ran and whether its numbers are a guess.
import { forEachFreeMemRange, numaNodeSpans, type KernelState, type KernLevel } from '../simulator.js';
import { GiB, humanSize, memparse } from '../util/units.js';

/** A node's memory and reservations as memblock holds them. */
export interface NodeSummary {
  node: number;
  start: number;
  end: number;
  memory: number;
  reserved: number;
  free: number;
  /** Whole, free, 1 GiB-aligned 1 GiB blocks on the node at this point of the boot. */
  free1gBlocks: number;
  nodeData: number;
}

/** Every node's summary, in node order. */
export function nodeSummaries(s: KernelState): NodeSummary[] {
  const mb = s.memblock;
  const out: NodeSummary[] = [];
  for (const [nid, span] of numaNodeSpans(s.numa)) {
    let memory = 0;
    for (const r of mb.memory.regions) if (r.nid === nid) memory += r.size;
    let free = 0;
    let blocks = 0;
    forEachFreeMemRange(mb, nid, 0, (lo, hi) => {
      free += hi - lo;
      const a = Math.ceil(lo / GiB) * GiB;
      if (hi > a) blocks += Math.floor((hi - a) / GiB);
      return false;
    });
    out.push({
      node: nid,
      start: span.start,
      end: span.end,
      memory,
      reserved: memory - free,
      free,
      free1gBlocks: blocks,
      nodeData: s.nodeData.get(nid) ?? 0,
    });
  }
  return out;
}

/** The warning every result of a generation not yet held to its real kernel carries, or null. */
export function unvalidatedNote(s: KernelState): string | null {
  return s.profile.validatedOn
    ? null
    : `kernel ${s.profile.name} is modelled from source and mails, not yet held to a real kernel: its numbers are a guess`;
}

/** A line the kernel printed above KERN_INFO (pr_warn, pr_err, a panic), with the boot step that printed it. */
export interface KernelWarning {
  level: KernLevel;
  text: string;
  step: string | null;
}

/** Every line of the boot's log printed at pr_warn or worse, in log order. */
export function kernelWarnings(s: KernelState): KernelWarning[] {
  const at = [...s.dmesgLevels.keys()].sort((a, b) => a - b);
  const out: KernelWarning[] = [];
  let k = -1;
  for (const i of at) {
    while (k + 1 < s.steps.length && s.steps[k + 1]!.firstLine <= i) k++;
    out.push({ level: s.dmesgLevels.get(i)!, text: s.dmesg[i]!, step: k < 0 ? null : s.steps[k]!.fn });
  }
  return out;
}

/**
 * The page sizes the command line asked for that the kernel refused ("HugeTLB: unsupported
 * hugepagesz=1G"), each with why: the CPU lacks the feature the size needs, or the architecture
 * has no such size. A QEMU machine without 1 GiB pages is most often one without -cpu.
 */
export function unsupportedSizes(s: KernelState): string[] {
  const out: string[] = [];
  const sizes = s.arch.hugePageSizes;
  for (const l of s.dmesg) {
    const m = /^HugeTLB: unsupported (hugepagesz|default_hugepagesz)=(.*)$/.exec(l);
    if (!m) continue;
    const bytes = memparse(m[2]!).value;
    const size = sizes.find((p) => p.size === bytes);
    const asked = `${m[1]}=${m[2]}`;
    if (size?.needs && !s.machine.cpu.features.includes(size.needs)) {
      const qemu =
        s.machine.source === 'qemu'
          ? ` (QEMU's CPU when the command line gives no -cpu, qemu64, lacks it; -cpu max or -cpu host has it)`
          : '';
      out.push(`${asked}: this CPU has no ${humanSize(bytes)} pages (${size.needs}); the kernel ignored it${qemu}`);
    } else {
      const known = sizes.map((p) => `${humanSize(p.size)}${p.needs ? ` with ${p.needs}` : ''}`).join(', ');
      out.push(`${asked}: ${s.arch.name} has no ${humanSize(bytes)} pages (only ${known}); the kernel ignored it`);
    }
  }
  return out;
}

/** Where a boot's runtimeUseKb (what the running kernel and init hold) came from, in words. */
export function runtimeUseOrigin(s: KernelState): string {
  const b = s.build;
  if (b.configFrom?.facts?.includes('runtimeUseKb')) return `from ${b.configFrom.file}`;
  if (b.imageFrom?.facts.includes('runtimeUseKb')) return `the profile's build's, scaled by the size of ${b.imageFrom.file}`;
  return "measured on the profile's Debian build";
}

/** What this boot's numbers leave to timing the kernel does not repeat: said, not guessed. */
export function timingNotes(s: KernelState): string[] {
  const t = s.hugetlb.bootSpreadByTiming;
  if (!t) return [];
  const nodes = t.nodes.length === 1 ? `node ${t.nodes[0]}` : `nodes ${t.nodes.join(', ')}`;
  return [
    `${nodes} ran out while the boot's 2 MiB pages were allocated by ${t.helpers} padata helpers: which nodes got the pages ` +
      `${t.nodes.length === 1 ? 'it' : 'they'} could not take turns on how the helpers interleave, and the kernel's own counts ` +
      'vary from boot to boot (three boots of one 6.12 machine: a page either way on four nodes); the counts per node here are one outcome',
  ];
}
