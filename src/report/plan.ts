// The operator's answers after a boot: pages asked and got per node and size, why any
// are missing, what HugeTLB and the struct pages cost, what HVO saved, and the command
// line that gets the most pages of the asked size on this machine.
//
// "Why missing" looks at each node's naturally aligned slots of the page size at the
// moment hugetlb finished allocating (the memblock calls replayed up to then): a slot
// is a huge page, not all RAM, taken (by which owners), or free. The "most pages"
// answer is not a formula: hvosim boots the machine again asking for every slot, with
// the rest of the command line unchanged, and reports what that boot got.
import { boot, hstateIsGigantic, hstateSize, numaNodeSpans, type BootOptions, type Hstate, type KernelState } from '../simulator.js';
import type { Machine } from '../machine/types.js';
import { meminfoObject } from './proc.js';
import { reservationsAfter, vmemmapBytes, type Owner } from './picture.js';
import { firstEndingAbove } from '../util/search.js';
import { humanSize, KiB, parseSize, sizeSuffixed } from '../util/units.js';
import { hex } from '../util/format.js';

export interface PlanRow {
  size: string;
  node: number;
  /** Asked for this node (per-node form), or null when the count was spread over the nodes. */
  asked: number | null;
  got: number;
}

export interface Why {
  node: number | null;
  text: string;
  /** A few of the ranges behind the counts, as [mem ...] ranges. */
  examples: string[];
}

export interface PlanSize {
  size: string;
  bytes: number;
  asked: number;
  got: number;
  rows: PlanRow[];
  /** Why pages are missing: per node that fell short (or one line for the whole size), with example ranges. */
  why: Why[];
  /** The most pages of this size a boot of this machine gets, and the command line that asks for them. */
  best?: { pages: number; perNode: Record<string, number>; cmdline: string; note?: string };
}

export interface Plan {
  sizes: PlanSize[];
  hugetlbBytes: number;
  structPages: { withoutHvoBytes: number; nowBytes: number; savedBytes: number };
  memTotalKb: number;
}

/**
 * The command line with the ask for one page size replaced by `count` pages. Every
 * hugepagesz= of that size and the hugepages= that applied to it are taken out, and
 * the new pair goes at the end, where nothing after it can re-point it.
 */
export function withHugepages(cmdline: string, bytes: number, defaultBytes: number, count: number): string {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur: number | null = null;
  for (const w of words) {
    const [k, v = ''] = w.split('=', 2) as [string, string?];
    if (k === 'hugepagesz') {
      // Read with memparse(), as hugepagesz_setup() does.
      cur = parseSize(v);
      if (cur === bytes) continue;
    } else if (k === 'hugepages' && (cur ?? defaultBytes) === bytes) continue;
    out.push(w);
  }
  out.push(`hugepagesz=${sizeSuffixed(bytes)}`, `hugepages=${count}`);
  return out.join(' ');
}

function perNodeOf(s: KernelState, order: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const nid of numaNodeSpans(s.numa).keys()) out[`node${nid}`] = 0;
  for (const p of s.hugetlb.pages) if (p.order === order) out[`node${p.nid}`] = (out[`node${p.nid}`] ?? 0) + 1;
  return out;
}

/** Index just past the last memblock call hugetlb made (the picture at allocation time). */
function afterHugetlbAllocation(s: KernelState): number {
  const calls = s.memblock.calls;
  for (let i = calls.length - 1; i >= 0; i--) if (/huge/.test(calls.callerAt(i))) return i + 1;
  return calls.length;
}

/** Why a node has fewer gigantic pages: its aligned slots, each a page, not RAM, taken, or free. */
function giganticWhy(s: KernelState, nid: number, bytes: number, reserved: ReturnType<typeof reservationsAfter>): Why {
  const span = numaNodeSpans(s.numa).get(nid)!;
  const mem = s.memblock.memory.regions.filter((r) => r.nid === nid);
  const pages = new Set(s.hugetlb.pages.filter((p) => p.nid === nid).map((p) => p.pfn * s.arch.pageSize));
  let hole = 0;
  let free = 0;
  let page = 0;
  const takenBy = new Map<Owner, number>();
  let taken = 0;
  const examples: string[] = [];
  const slot = (a: number) => `[mem ${hex(a)}-${hex(a + bytes - 1)}]`;
  for (let a = Math.ceil(span.start / bytes) * bytes; a + bytes <= span.end; a += bytes) {
    if (pages.has(a)) {
      page++;
      continue;
    }
    // RAM of this node all through the slot?
    let covered = a;
    for (const r of mem) if (r.base <= covered && r.base + r.size > covered) covered = r.base + r.size;
    if (covered < a + bytes) {
      if (hole++ < 2) examples.push(`${slot(a)} is not all RAM of node ${nid}${covered > a ? ` (RAM up to ${hex(covered)})` : ''}`);
      continue;
    }
    const owners = new Map<Owner, { start: number; end: number }>();
    for (let i = firstEndingAbove(reserved, a, (x) => x.end); i < reserved.length && reserved[i]!.start < a + bytes; i++) {
      const r = reserved[i]!;
      if (r.what !== 'hugetlb' && !owners.has(r.what)) owners.set(r.what, { start: Math.max(r.start, a), end: Math.min(r.end, a + bytes) });
    }
    if (!owners.size) {
      free++;
      continue;
    }
    if (taken++ < 3) examples.push(`${slot(a)} holds ${[...owners].map(([o, r]) => `${o} at [${hex(r.start)}-${hex(r.end - 1)}] (${humanSize(r.end - r.start)})`).join(', ')}`);
    for (const o of owners.keys()) takenBy.set(o, (takenBy.get(o) ?? 0) + 1);
  }
  const lead = Math.floor(span.start / bytes) * bytes < span.start || span.end % bytes ? ', the node not starting or ending on a slot boundary' : '';
  const parts = [`node ${nid}: ${page + hole + free + taken} aligned ${humanSize(bytes)} slots${lead}; holding pages: ${page}`];
  if (hole) parts.push(`not all RAM of the node: ${hole}`);
  if (taken) parts.push(`taken when hugetlb allocated: ${taken} (${[...takenBy].sort((x, y) => y[1] - x[1]).map(([o, n]) => `${o} ${n}`).join(', ')})`);
  if (free) parts.push(`free but not used (the ask went to other nodes, or hugetlb stopped): ${free}`);
  return { node: nid, text: parts.join('; '), examples };
}

function sizeRows(s: KernelState, h: Hstate): PlanSize {
  const bytes = hstateSize(s, h);
  const size = humanSize(bytes);
  const per = perNodeOf(s, h.order);
  const asked = h.asked;
  const rows: PlanRow[] = Object.entries(per).map(([k, got]) => {
    const node = Number(k.slice(4));
    return { size, node, asked: asked && asked.perNode.size ? (asked.perNode.get(node) ?? 0) : null, got };
  });
  const got = rows.reduce((a, r) => a + r.got, 0);
  const want = asked?.total ?? 0;
  const why: Why[] = [];
  if (got < want) {
    if (hstateIsGigantic(h)) {
      const reserved = reservationsAfter(s, afterHugetlbAllocation(s));
      const short = rows.filter((r) => r.asked === null || r.got < r.asked);
      for (const r of short) why.push(giganticWhy(s, r.node, bytes, reserved));
    } else {
      why.push({ node: null, text: `${size} pages come from the buddy allocator at hugetlb_init(); it ran out of free ${size} blocks after ${got} (each node keeps back its min-watermark share and what the kernel itself uses)`, examples: [] });
    }
  }
  return { size, bytes, asked: want, got, rows, why };
}

/** The plan of a boot of `m`, its trial boots run like the first (same options, no injected faults). */
export function planOfBoot(s: KernelState, m: Machine, opts: BootOptions): Plan {
  return planBoot(s, { reboot: (cmdline) => boot({ ...m, cmdline }, { ...opts, faults: undefined }) });
}

export interface PlanOptions {
  /** Boot the same machine with another command line (same kernel profile and other subsystems). */
  reboot?: (cmdline: string) => KernelState;
}

/** The planner's answers for a finished boot. */
export function planBoot(s: KernelState, o: PlanOptions = {}): Plan {
  const ps = s.arch.pageSize;
  const sizes = s.hugetlb.hstates
    .filter((h) => h.asked || s.hugetlb.pages.some((p) => p.order === h.order))
    .sort((a, b) => b.order - a.order)
    .map((h) => sizeRows(s, h));
  const defaultBytes = s.hugetlb.hstates[s.hugetlb.defaultIdx] ? hstateSize(s, s.hugetlb.hstates[s.hugetlb.defaultIdx]!) : 2 ** 21;
  if (o.reboot && !s.panic) {
    for (const ps2 of sizes) {
      if (ps2.bytes < 2 ** 30) continue; // buddy-allocated sizes: asking for all of them leaves the kernel no memory to run
      const ram = s.memblock.memory.totalSize;
      const cmd = withHugepages(s.machine.cmdline, ps2.bytes, defaultBytes, Math.floor(ram / ps2.bytes));
      const t = o.reboot(cmd);
      const order = Math.log2(ps2.bytes / ps);
      let got = t.hugetlb.pages.filter((p) => p.order === order).length;
      let note: string | undefined;
      let perNode = perNodeOf(t, order);
      if (t.panic) {
        // Asking for everything killed the boot: find the most that still boots.
        let lo = ps2.got;
        let hi = got;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          const m = o.reboot(withHugepages(s.machine.cmdline, ps2.bytes, defaultBytes, mid));
          if (m.panic) hi = mid;
          else {
            lo = mid;
            perNode = perNodeOf(m, order);
          }
        }
        note = `asking for ${got} or more kills the boot (${t.panic.split('\n')[0]})`;
        got = lo;
      }
      ps2.best = { pages: got, perNode, cmdline: withHugepages(s.machine.cmdline, ps2.bytes, defaultBytes, got), note };
    }
  }
  const v = vmemmapBytes(s);
  const mi = meminfoObject(s);
  return {
    sizes,
    hugetlbBytes: (mi.Hugetlb ?? 0) * KiB,
    structPages: { withoutHvoBytes: v.fullBytes, nowBytes: v.backingBytes, savedBytes: v.fullBytes - v.backingBytes },
    memTotalKb: mi.MemTotal ?? 0,
  };
}
