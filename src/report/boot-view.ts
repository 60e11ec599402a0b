// Views of a finished boot that the CLI's text and --json and the web page share:
// each node's memory, the profile the boot ran and whether its numbers are a guess.
import { forEachFreeMemRange, numaNodeSpans, type KernelState } from '../simulator.js';
import { GiB } from '../util/units.js';

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
