// The operator's answers after a boot: pages asked and got per node and size, why any
// are missing, what HugeTLB and the struct pages cost, what HVO saved, and the command
// line that gets the most pages of the asked size on this machine.
//
// "Why missing" looks at each node's naturally aligned slots of the page size at the
// moment hugetlb finished allocating (the memblock calls replayed up to then): a slot
// is a huge page, not all RAM, taken (by which owners), or free. The "most pages"
import {
  boot,
  hstateIsGigantic,
  hstateSize,
  hugeBootPages,
  hugetlbVmemmapOptimizableSize,
  numaNodeSpans,
  predictOutOfMemory,
  type BootOptions,
  type Hstate,
  type KernelState,
} from '../simulator.js';
import type { Machine } from '../machine/types.js';
import { meminfoObject } from './proc.js';
import { reservationsAfter, vmemmapBytes } from './picture.js';
import { unsupportedSizes } from './boot-view.js';
import type { Owner } from '../util/kernel-callers.js';
import { firstEndingAbove } from '../util/search.js';
import { humanSize, KiB, parseSize, sizeSuffixed } from '../util/units.js';
import { countOfSize, hex } from '../util/format.js';

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
  /** The most pages of this size a boot of this machine gets (and survives), and the command line that asks for them. */
  best?: PlanBest;
  /** The most pages that boot and leave the margin free (absent when best already does, or when no ask does). */
  recommended?: PlanBest;
  /** The margin the recommendation keeps free (MemFree after boot), in bytes. */
  marginBytes?: number;
  /** Why there is no best: even asking for none of this size the boot dies. */
  noBest?: string;
}

export interface PlanBest {
  pages: number;
  /** Pages per node; the counts add up to `pages`. */
  perNode: Record<string, number>;
  cmdline: string;
  /** What asking for more does (the boot dies, and how). */
  note?: string;
  /** MemFree after that boot (the estimate /proc/meminfo shows), in bytes. */
  freeBytes: number;
}

export interface Plan {
  sizes: PlanSize[];
  hugetlbBytes: number;
  /**
   * struct pages: every present section's memmap without HVO, what backs the vmemmap now
   * (pages and page tables) and the difference. `hvo`: whether HVO was on; `complete`:
   * false when the boot died before the vmemmap was finished (the figures then mean nothing).
   */
  structPages: { withoutHvoBytes: number; nowBytes: number; savedBytes: number; hvo: boolean; complete: boolean };
  memTotalKb: number;
  /** The boot died (the kernel's words), or hvosim predicts it runs out of memory after hugetlb_init(). */
  died?: string;
  /** Page sizes asked that the kernel refused, each with why ("hugepagesz=1G: this CPU has no 1 GiB pages (pdpe1gb); ..."). */
  unsupported: string[];
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
function giganticWhy(s: KernelState, nid: number, bytes: number, reserved: ReturnType<typeof reservationsAfter>, pages: Set<number>): Why {
  const span = numaNodeSpans(s.numa).get(nid)!;
  const mem = s.memblock.memory.regions.filter((r) => r.nid === nid);
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
    if (taken++ < 3)
      examples.push(
        `${slot(a)} holds ${[...owners].map(([o, r]) => `${o} at [${hex(r.start)}-${hex(r.end - 1)}] (${humanSize(r.end - r.start)})`).join(', ')}`,
      );
    for (const o of owners.keys()) takenBy.set(o, (takenBy.get(o) ?? 0) + 1);
  }
  const lead =
    Math.floor(span.start / bytes) * bytes < span.start || span.end % bytes ? ', the node not starting or ending on a slot boundary' : '';
  const parts = [
    `node ${nid}: ${countOfSize(page + hole + free + taken, 'aligned slot', humanSize(bytes))}${lead}; holding pages: ${page}`,
  ];
  if (hole) parts.push(`not all RAM of the node: ${hole}`);
  if (taken)
    parts.push(
      `taken when hugetlb allocated: ${taken} (${[...takenBy]
        .sort((x, y) => y[1] - x[1])
        .map(([o, n]) => `${o} ${n}`)
        .join(', ')})`,
    );
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
    return { size, node, asked: asked?.perNode.size ? (asked.perNode.get(node) ?? 0) : null, got };
  });
  const got = rows.reduce((a, r) => a + r.got, 0);
  const want = asked?.total ?? 0;
  const why: Why[] = [];
  if (asked?.skippedForCma) {
    why.push({ node: null, text: cmaSkipWhy(s, size), examples: cmaAreaTexts(s) });
    return { size, bytes, asked: want, got, rows, why };
  }
  if (got < want) {
    if (s.panic) {
      const taken = hugeBootPages(s).filter((m) => m.order === h.order).length;
      why.push({
        node: null,
        text:
          `the boot died (${s.panic.split(' / ')[0]})` +
          `${taken ? `; the ${taken} page${taken === 1 ? '' : 's'} hugetlb had taken from memblock never reached the pool` : ''}`,
        examples: [],
      });
    }
    if (hstateIsGigantic(h)) {
      const reserved = reservationsAfter(s, afterHugetlbAllocation(s));
      const short = rows.filter((r) => r.asked === null || r.got < r.asked);
      // Pages in the pool, and pages hugetlb took from memblock that are still on huge_boot_pages (a boot that died first).
      const pages = new Set<number>();
      for (const p of s.hugetlb.pages) if (p.order === h.order) pages.add(p.pfn * s.arch.pageSize);
      for (const m of hugeBootPages(s)) if (m.order === h.order) pages.add(m.addr);
      for (const r of short) why.push(giganticWhy(s, r.node, bytes, reserved, pages));
    } else if (!s.panic) {
      why.push({
        node: null,
        text:
          `${size} pages come from the buddy allocator at hugetlb_init(); it ran out of free ${size} blocks after ${got} ` +
          `(each node keeps back its min-watermark share and what the kernel itself uses)`,
        examples: [],
      });
    }
  }
  return { size, bytes, asked: want, got, rows, why };
}

/** Why no gigantic page was allocated at boot: hugetlb_cma= made the kernel skip them. */
function cmaSkipWhy(s: KernelState, size: string): string {
  const kb = meminfoObject(s).CmaTotal ?? 0;
  return (
    `hugetlb_cma= is set, so the kernel skips boot-time ${size} pages ("hugetlb_cma is enabled, skip boot time allocation"); ` +
    `they come from its CMA areas (${humanSize(kb * KiB)} reserved) at run time (nr_hugepages), or at boot with hugetlb_cma_only=1`
  );
}

/** The CMA areas as [mem ...] ranges with their node. */
export function cmaAreaTexts(s: KernelState): string[] {
  const ps = s.arch.pageSize;
  return s.cma.areas.flatMap((a) =>
    a.ranges.map(
      (r) =>
        `${a.name} on node ${a.nid}: [mem ${hex(r.basePfn * ps)}-${hex((r.basePfn + r.count) * ps - 1)}] (${humanSize(r.count * ps)})` +
        (a.count ? '' : ', not activated'),
    ),
  );
}

/** The plan of a boot of `m`, its trial boots run like the first (same options, no injected faults). */
export function planOfBoot(s: KernelState, m: Machine, opts: BootOptions, margin?: Margin): Plan {
  return planBoot(s, {
    reboot: (cmdline) => boot({ ...m, cmdline }, { ...opts, faults: undefined }),
    margin,
    rebootsAlike: !hasFaults(opts.faults),
  });
}

/** Whether any memblock failure is injected. */
function hasFaults(f: BootOptions['faults']): boolean {
  return !!f && Object.values(f).some((v) => !Array.isArray(v) || v.length > 0);
}

/** The memory the planner's recommendation leaves free after boot: a size, or a share of MemTotal (within bounds, if given). */
export type Margin = { bytes: number } | { percent: number; minBytes?: number; maxBytes?: number };

/** The margin when none is given: 2% of MemTotal, at least 256 MiB and at most 16 GiB (15.4 GiB on a 768 GiB box), documented in docs/usage.md. */
export const DEFAULT_MARGIN: Margin = { percent: 2, minBytes: 256 * 2 ** 20, maxBytes: 16 * 2 ** 30 };

/** "2%", "512M", "4G" or "0": a --plan-margin value, or null when it is neither a size nor a percentage. */
export function parseMargin(v: string): Margin | null {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) return Number(pct[1]) <= 100 ? { percent: Number(pct[1]) } : null;
  // The one size syntax of every size hvosim reads (machine files, QEMU's properties): parseSize().
  const bytes = parseSize(v);
  return bytes === null ? null : { bytes };
}

export function marginBytes(m: Margin, memTotalKb: number): number {
  if ('bytes' in m) return m.bytes;
  const share = Math.floor((memTotalKb * KiB * m.percent) / 100);
  return Math.min(m.maxBytes ?? Infinity, Math.max(m.minBytes ?? 0, share));
}

export interface PlanOptions {
  /** Boot the same machine with another command line (same kernel profile and other subsystems). */
  reboot?: (cmdline: string) => KernelState;
  /** What the recommendation leaves free (DEFAULT_MARGIN when not given). */
  margin?: Margin;
  /**
   * reboot() of the boot's own command line boots it again, the same (no injected faults): the
   * planner then takes the boot itself as the trial of an ask that is the same boot.
   */
  rebootsAlike?: boolean;
  /** Take no trial from what earlier trials showed: every trial a boot of its own (the reference in tests). */
  everyTrialBooted?: boolean;
}

/**
 * The words of a command line that hugetlb reads in order (hugepagesz= re-points the hugepages= after
 * it; parse_args() takes them as they come) and the others (early parameters such as
 * hugetlb_free_vmemmap=, and the rest, whose order does not matter).
 */
function hugetlbWords(cmdline: string): { hugetlb: string; others: string } {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const isHugetlb = (w: string) => /^(hugepagesz|hugepages|default_hugepagesz)=/.test(w);
  return {
    hugetlb: words.filter(isHugetlb).join(' '),
    others: words
      .filter((w) => !isHugetlb(w))
      .sort()
      .join(' '),
  };
}

/** Whether two command lines boot the same: hugetlb's words in the same order, the others the same in any order. */
function sameBoot(a: string, b: string): boolean {
  const x = hugetlbWords(a);
  const y = hugetlbWords(b);
  return x.hugetlb === y.hugetlb && x.others === y.others;
}

/** Why a boot is no good: the kernel died, or hvosim predicts it runs out of memory after hugetlb_init(). Null when it boots. */
export function bootDeath(s: KernelState): string | null {
  if (s.panic) return s.panic.split(' / ')[0]!;
  const oom = predictOutOfMemory(s);
  if (oom?.dies || oom?.edge) return outOfMemoryText(s, oom);
  return null;
}

/** The words hvosim uses for a predicted out-of-memory death. */
export function outOfMemoryText(s: KernelState, oom: NonNullable<ReturnType<typeof predictOutOfMemory>>): string {
  const ps = s.arch.pageSize;
  const kept =
    `the zones keep ${humanSize(oom.usablePages * ps)} above their watermarks (min_free_kbytes ${oom.minFreeKbytes} once khugepaged starts) ` +
    `and the rest of the boot needs ${humanSize(oom.needPages * ps)}`;
  if (oom.dies)
    return (
      `this boot will run out of memory after hugetlb_init(): ${kept}; ` +
      `the real kernel panics ("System is deadlocked on memory", "VFS: Unable to mount root fs") or hangs`
    );
  return (
    `this boot may run out of memory after hugetlb_init(): ${kept}, ` +
    `within ${humanSize(s.build.bootNeedUncertaintyKb * 1024)} of the edge, where real boots went both ways`
  );
}

/** MemFree after a boot (the estimate /proc/meminfo shows), in bytes. */
function freeBytesOf(t: KernelState): number {
  return (meminfoObject(t).MemFree ?? 0) * KiB;
}

/**
 * The largest k in [lo, hi) with ok(k), given ok(lo) (lo -1: none known) and
 * not ok(hi), assuming ok is monotone (true up to an edge, false above):
 * a few guided guesses (with `neighbour`, each followed by its neighbour, which
 * closes the bracket when the guess was right), then bisection.
 */
function edge(ok: (k: number) => boolean, lo: number, hi: number, guess: (lo: number, hi: number) => number, neighbour = true): number {
  for (let n = 0; n < 4 && hi - lo > 1; n++) {
    const g = guess(lo, hi);
    if (!(g > lo && g < hi)) break;
    if (!ok(g)) {
      hi = g;
      continue;
    }
    lo = g;
    if (neighbour && g + 1 < hi) {
      if (ok(g + 1)) lo = g + 1;
      else hi = g + 1;
    }
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The largest ask of one size that boots, searched with trial boots. What it
 * assumes: whether a boot survives is monotone in the ask (asking one more
 * page only takes one more page: the allocations of an ask are a prefix of
 * those of a bigger one, and every ask past what the machine holds gets the
 * same pages). Under that, the answer boots and the ask one above it dies;
 * a property test (test/report/plan-search.test.ts) holds the assumption and
 * the answer to generated machines. The guesses come from the free memory a
 * booting trial leaves (how many more pages it could hold), so a good guess
 * costs two or three boots.
 */
function bestAsk(probe: (k: number) => Probe, cap: number, bytes: number, start: number): { ask: number; deathAbove?: string } | null {
  const ok = (k: number) => !probe(k).death;
  // The ask given (the boot planned for, when that is its trial) bounds the search from one side or the other.
  let lo = -1;
  let hi = cap + 1;
  const first = Math.min(start, cap);
  if (ok(first)) lo = first;
  else hi = first;
  if (hi > cap) {
    if (lo === cap || ok(cap)) return { ask: cap };
    hi = cap;
  }
  // A booting ask below a dying one: guessed from how far short the dying one's memory fell, else none of this size.
  for (let n = 0; lo < 0 && n < 3; n++) {
    const room = probe(hi).roomBytes;
    const g = room < 0 ? hi - Math.ceil(-room / bytes) : -1;
    if (g < 0) break;
    if (ok(g)) lo = g;
    else hi = g;
  }
  if (lo < 0) {
    if (hi === 0 || !ok(0)) return null;
    lo = 0;
  }
  // Each guess adds the pages the room left would hold: a page's size of room each until two booting asks
  // show what one page more takes (less than its size: the watermarks shrink with the memory left).
  const booted = [lo];
  const guess = (l: number, h: number) => {
    const below = booted.filter((k) => k < l).at(-1);
    const took = below === undefined ? 0 : (probe(below).roomBytes - probe(l).roomBytes) / (l - below);
    booted.push(l);
    return Math.min(h - 1, l + Math.max(1, Math.floor(probe(l).roomBytes / (took > 0 ? took : bytes))));
  };
  const ask = edge(ok, lo, hi, guess, false);
  return { ask, deathAbove: probe(ask + 1).death! };
}

/**
 * The smallest ask that gets as many pages as `found` did. Pages got never fall
 * as the ask grows (an ask's allocations are a prefix of a bigger one's, and
 * each discarded page is discarded whatever comes after it), and an ask never
 * gets more pages than it asked, so the answer lies in [found.got, found.ask].
 */
function smallestAsk(probe: (k: number) => Probe, found: Probe): number {
  let lo = found.got - 1;
  let hi = found.ask;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const r = probe(mid);
    if (!r.death && r.got >= found.got) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** What the planner keeps of one trial boot (not the boot itself: a big machine's state is large). */
interface Probe {
  death: string | null;
  /** Pages of the size searched for, in all and per node. */
  got: number;
  perNode: Record<string, number>;
  /** MemFree and MemTotal after the boot. */
  freeBytes: number;
  memTotalKb: number;
  /** Memory above the watermarks beyond what the rest of the boot needs (how many more pages it might hold). */
  roomBytes: number;
  /** The ask, and pages the kernel took then discarded (spanning two zones): asking for `got` would then get fewer. */
  ask: number;
  discarded: number;
}

/** The planner's answers for a finished boot. */
export function planBoot(s: KernelState, o: PlanOptions = {}): Plan {
  const ps = s.arch.pageSize;
  const sizes = s.hugetlb.hstates
    .filter((h) => h.asked || s.hugetlb.pages.some((p) => p.order === h.order))
    .sort((a, b) => b.order - a.order)
    .map((h) => sizeRows(s, h));
  const defaultBytes = s.hugetlb.hstates[s.hugetlb.defaultIdx] ? hstateSize(s, s.hugetlb.hstates[s.hugetlb.defaultIdx]!) : 2 ** 21;
  const died = bootDeath(s) ?? undefined;
  const mi = meminfoObject(s);
  if (o.reboot) {
    const ram = s.memblock.memory.totalSize;
    for (const z of sizes) {
      const order = Math.log2(z.bytes / ps);
      const cache = new Map<number, Probe>();
      const probeOf = (t: KernelState, k: number): Probe => {
        const oom = predictOutOfMemory(t);
        const perNode = perNodeOf(t, order);
        const got = Object.values(perNode).reduce((a, b) => a + b, 0);
        return {
          death: bootDeath(t),
          got,
          perNode,
          freeBytes: freeBytesOf(t),
          memTotalKb: meminfoObject(t).MemTotal ?? 0,
          roomBytes: oom ? (oom.usablePages - oom.needPages) * ps : 0,
          ask: k,
          // Discarded for spanning two zones: at gather (nrInvalid) or, from 7.3 on, at allocation.
          discarded: (t.hugetlb.nrInvalid.get(order) ?? 0) + (t.hugetlb.crossZoneFreed.get(order) ?? 0),
        };
      };
      const learn = !o.everyTrialBooted;
      // The boot planned for is the trial of its own ask when that ask's command line boots the same.
      // Asks that got fewer pages than asked, without dying or discarding any: every ask of at least the
      // pages got makes the same allocations (an ask's are a prefix of a bigger one's, and hugetlb stops at
      // the first page the machine cannot give, changing nothing), so it boots the same.
      const plateaus: Probe[] = [];
      const isPlateau = (r: Probe) => !r.death && !r.discarded && r.got < r.ask;
      if (learn && o.rebootsAlike && sameBoot(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, z.asked), s.machine.cmdline)) {
        const own = probeOf(s, z.asked);
        cache.set(z.asked, own);
        if (isPlateau(own)) plateaus.push(own);
      }
      const probe = (k: number): Probe => {
        let r = cache.get(k);
        if (!r && learn) {
          const same = plateaus.find((p) => p.got <= k);
          if (same) r = { ...same, ask: k };
        }
        if (!r) {
          r = probeOf(o.reboot!(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, k)), k);
          if (isPlateau(r)) plateaus.push(r);
        }
        cache.set(k, r);
        return r;
      };
      // hugetlb_cma= leaves every boot without pages of the gigantic size, whatever hugepages= asks.
      if (z.why.length && z.why[0]!.text === cmaSkipWhy(s, z.size)) {
        z.noBest = 'with hugetlb_cma= (and without hugetlb_cma_only=1) the kernel allocates none at boot, whatever hugepages= asks';
        continue;
      }
      const best = bestAsk(probe, Math.floor(ram / z.bytes), z.bytes, z.asked);
      if (!best) {
        z.noBest = `even asking for no ${z.size} pages the boot dies (${probe(0).death})`;
        continue;
      }
      // The command line asks for the fewest pages that get what that boot got. Without discarded pages that is
      // what it got (the same allocations, without the kernel's failure message). With some (pages spanning two
      // zones), the discards need not come last, so the smallest ask that still gets as many is searched for.
      const answer = (found: Probe, note?: string): PlanBest => {
        const r = found.discarded ? probe(smallestAsk(probe, found)) : found;
        return {
          pages: r.got,
          perNode: r.perNode,
          cmdline: withHugepages(s.machine.cmdline, z.bytes, defaultBytes, r.discarded ? r.ask : r.got),
          note,
          freeBytes: r.freeBytes,
        };
      };
      const top = probe(best.ask);
      const risk = best.deathAbove?.startsWith('this boot may') ? 'may kill the boot' : 'kills the boot';
      z.best = answer(top, best.deathAbove ? `asking for ${best.ask + 1} or more ${risk} (${best.deathAbove})` : undefined);
      // The recommendation: the most pages that still leave the margin free.
      // A share of MemTotal is of the machine as the answer boots it (the boot planned for may have died).
      const margin = marginBytes(o.margin ?? DEFAULT_MARGIN, top.memTotalKb);
      z.marginBytes = margin;
      if (top.freeBytes >= margin) continue;
      const fits = (k: number) => {
        const r = probe(k);
        return !r.death && r.freeBytes >= margin;
      };
      // Each page fewer gives back its size less what HVO saved on it: the first guess; then the slope between trials.
      const perPage = z.bytes - (s.hugetlb.vmemmapOptimizeEnabled ? hugetlbVmemmapOptimizableSize(s, order) : 0);
      const k = edge(fits, -1, best.ask, (l, h) => {
        const hi = probe(h);
        const slope =
          l >= 0 && hi.got > probe(l).got ? Math.max(1, (probe(l).freeBytes - hi.freeBytes) / (hi.got - probe(l).got)) : perPage;
        return hi.got - Math.ceil((margin - hi.freeBytes) / slope);
      });
      if (k >= 0) z.recommended = answer(probe(k));
    }
  }
  const v = vmemmapBytes(s);
  return {
    sizes,
    hugetlbBytes: (mi.Hugetlb ?? 0) * KiB,
    structPages: {
      withoutHvoBytes: v.fullBytes,
      nowBytes: v.backingBytes,
      savedBytes: v.fullBytes - v.backingBytes,
      hvo: s.hugetlb.vmemmapOptimizeEnabled,
      complete: s.memmapInitDone && !s.panic,
    },
    memTotalKb: mi.MemTotal ?? 0,
    died,
    unsupported: unsupportedSizes(s),
  };
}
