// A whole fixture replayed: our boot of the logged machine, with the calls of
// other subsystems taken from the log, compared with everything the kernel
// showed (memblock calls, log blocks, zones, hugepages, meminfo).
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  boot,
  type KernelProfile,
  memblockDbgLine,
  REFERENCE_PROFILE,
  resolveProfile,
  setMaxHugePages,
  type KernelState,
  type ProfileName,
} from '../simulator.js';
import { type BuildFromLog, buildFromLog } from './build-from-log.js';
import { machineFromLog } from './machine-from-log.js';
import { heldPerZone } from './runtime-use.js';
import { timingNotes } from '../report/boot-view.js';
import { hugepagesByNode, meminfoObject, vmstat, zones } from '../report/proc.js';
import { pa } from '../util/format.js';
import { parseVmemmapWalk, vmemmapWalk, walkShape, type WalkEntry } from '../report/vmemmap-walk.js';
import { ALLOC, loggedCalls, ourPrintedCalls, replayedOthers } from './foreign.js';
import type { KernelLog } from './log.js';
import { cutShortAt, parseKernelLog } from './log.js';
import { parseHugepages, parseMeminfo, parseVmstat, parseZoneinfo } from './proc.js';

export interface Mismatch {
  kind: 'memblock' | 'observable';
  what: string;
  kernel: string;
  ours: string;
  line?: number;
}

export interface FixtureReplay {
  file: string;
  observables: { total: number; matched: number };
  /** The same counts by kind of observable (hugepages, zoneinfo, meminfo, vmstat, HugeTLB lines, blocks, MemTotal changes). */
  byKind: Record<string, { total: number; matched: number }>;
  /** Calls compared one for one; `unpredicted`: the kernel's calls the machine description cannot predict, left out. */
  memblock: { total: number; matched: number; unpredicted?: number };
  mismatches: Mismatch[];
  /** Observables that could not be checked (no sibling run, no growth). */
  notes: string[];
  /** Of the notes, what the kernel itself does not repeat from boot to boot (timingNotes()): a miss there may be no model's. */
  timing?: string[];
  /**
   * The build the log was replayed with: the facts read off the log itself (src/trace/build-from-log.ts), and the
   * configuration file given, if any; every other fact is the profile's build's. Absent where the boot came from elsewhere.
   */
  build?: { fromLog: string[]; configFrom: string | null };
  /** Where the log was cut short (its last line): what it does not show was not compared. */
  cutAt?: number;
}

const GROW = /^MEMINFO_AFTER_NR2M=(\d+)$/;

/** The nr_hugepages value a fixture wrote after boot, if any. */
export function growthOf(log: KernelLog): number | undefined {
  for (const k of log.sections.keys()) {
    const m = GROW.exec(k);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Boot the logged machine with the other subsystems' calls and the build's facts read off the log. */
function bootLog(log: KernelLog, p: KernelProfile, learnt: BuildFromLog = buildFromLog(log, p.build)): KernelState {
  return boot(machineFromLog(log), { profile: p, others: replayedOthers(log), build: learnt.build });
}

/** The lines from `first` up to (not including) the first line matching `stop`. */
function block(lines: string[], first: string, stop: RegExp): string[] {
  const i = lines.indexOf(first);
  if (i < 0) return [];
  const out = [lines[i]!];
  for (let j = i + 1; j < lines.length && !stop.test(lines[j]!); j++) out.push(lines[j]!);
  return out;
}

const BLOCKS: { kind: string; name: string; first: string; stop: RegExp }[] = [
  { kind: 'Zone', name: 'Zone ranges', first: 'Zone ranges:', stop: /^Movable zone start/ },
  {
    kind: 'Movable',
    name: 'Movable zone start for each node',
    first: 'Movable zone start for each node',
    stop: /^Early memory node ranges/,
  },
  { kind: 'Early', name: 'Early memory node ranges', first: 'Early memory node ranges', stop: /^(?! {2}node )/ },
];

class Tally {
  r: FixtureReplay;
  /** The log was cut short: what it does not show is not compared. */
  cut = false;
  constructor(file: string) {
    this.r = { file, observables: { total: 0, matched: 0 }, byKind: {}, memblock: { total: 0, matched: 0 }, mismatches: [], notes: [] };
  }
  obs(kind: string, what: string, kernel: unknown, ours: unknown): void {
    if (this.cut && (kernel === '(none)' || kernel === '' || kernel === null || kernel === undefined)) return;
    const k = typeof kernel === 'string' ? kernel : JSON.stringify(kernel);
    const o = typeof ours === 'string' ? ours : JSON.stringify(ours);
    const bk = (this.r.byKind[kind] ??= { total: 0, matched: 0 });
    this.r.observables.total++;
    bk.total++;
    if (k === o) {
      this.r.observables.matched++;
      bk.matched++;
    } else this.r.mismatches.push({ kind: 'observable', what, kernel: k, ours: o });
  }
}

/** Observables of /proc and /sys in one dump (suffix "" or "_AFTER_NR2M=N"). */
function compareDump(t: Tally, log: KernelLog, s: KernelState, suffix: string): void {
  const label = suffix ? ` (after nr_hugepages=${suffix.split('=')[1]})` : '';
  const hp = parseHugepages(log.sections.get(`HUGEPAGES${suffix}`) ?? []);
  const ours = hugepagesByNode(s);
  for (const node of Object.keys(hp).sort()) {
    for (const size of Object.keys(hp[node]!).sort())
      t.obs('hugepages', `hugepages ${node} ${size}${label}`, hp[node]![size], ours[node]?.[size] ?? null);
  }
  const mi = parseMeminfo(log.sections.get(`MEMINFO${suffix}`) ?? []);
  const omi = meminfoObject(s);
  for (const f of ['HugePages_Total', 'Hugetlb', 'MemTotal', 'CmaTotal', 'CmaFree'])
    if (mi.has(f)) t.obs('meminfo', `meminfo ${f}${label}`, mi.get(f), omi[f] ?? '(none)');
  // The memmap counters, where the kernel has them (6.11 on): a profile without them shows none.
  const vm = parseVmstat(log.sections.get(`VMSTAT${suffix}`) ?? []);
  const ovm = vmstat(s);
  for (const f of ['nr_memmap_boot_pages', 'nr_memmap_pages'])
    if (vm.has(f)) t.obs('vmstat', `vmstat ${f}${label}`, vm.get(f), ovm[f] ?? '(none)');
}

/**
 * The vmemmap page tables the guest walked after boot against ours, PMD entry by PMD entry: which
 * pages each entry maps and how (`vmemmap tables`: leaf or PTE table, the runs, their protection,
 * the pages named by order of appearance) and where those pages are (`vmemmap pages`: the physical
 * addresses themselves).
 */
function compareVmemmapWalk(t: Tally, lines: string[], s: KernelState): void {
  const real = parseVmemmapWalk(lines);
  if (real.problem) {
    t.r.notes.push(`the vmemmap walk in the guest failed (${real.problem}); the page tables were not compared`);
    return;
  }
  const ours = new Map(vmemmapWalk(s).map((e) => [e.entry, e]));
  const kernel = new Map(real.entries.map((e) => [e.entry, e]));
  const none = (entry: number): WalkEntry => ({ entry, lines: ['(none)'] });
  for (const entry of [...new Set([...kernel.keys(), ...ours.keys()])].sort((a, b) => a - b)) {
    const k = kernel.get(entry) ?? none(entry);
    const o = ours.get(entry) ?? none(entry);
    t.obs('vmemmap tables', `vmemmap tables: PMD entry ${entry} (what it maps, pages named by first use)`, walkShape(k), walkShape(o));
    t.obs('vmemmap pages', `vmemmap pages: PMD entry ${entry} (the physical pages)`, k.lines.join('\n'), o.lines.join('\n'));
  }
}

const MAX_PARTNER_BYTES = 64 * 1024 * 1024;

/**
 * Why `other` is not the HVO on/off partner of `log` (the same machine, the same command line
 * but for hugetlb_free_vmemmap=, a complete dump with /proc/meminfo), or null when it is.
 */
export function hvoPartnerProblem(log: KernelLog, other: KernelLog): string | null {
  const strip = (c: string) =>
    c
      .split(/\s+/)
      .filter((w) => w && !w.startsWith('hugetlb_free_vmemmap='))
      .join(' ');
  const mine = log.cmdline ?? '';
  const theirs = other.cmdline ?? '';
  const e820 = (l: KernelLog) =>
    l.dmesg
      .filter((x) => x.text.startsWith('BIOS-e820:'))
      .map((x) => x.text)
      .join('\n');
  if (!other.complete) return 'the log is cut short (no =====END)';
  if (!parseMeminfo(other.sections.get('MEMINFO') ?? []).has('MemTotal')) return 'it has no /proc/meminfo MemTotal';
  if (log.header !== undefined && other.header !== undefined && log.header !== other.header)
    return 'another machine (its "# qemu:" header differs)';
  if (e820(other) !== e820(log)) return 'another machine (its BIOS-e820 map differs)';
  if (theirs === mine) return 'the same command line (it does not differ in hugetlb_free_vmemmap=)';
  if (strip(theirs) !== strip(mine)) return 'its command line differs in more than hugetlb_free_vmemmap=';
  if (!/hugetlb_free_vmemmap=/.test(`${mine} ${theirs}`)) return 'neither command line sets hugetlb_free_vmemmap=';
  return null;
}

/**
 * A regular file's text, opened so that nothing can hang (O_NONBLOCK: a FIFO is refused, not
 * waited on) and refused when it is not a regular file or too large; null when unreadable.
 */
function readRegularFile(f: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(f, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_PARTNER_BYTES) return null;
    const text = readFileSync(fd, 'utf8');
    return text.includes('\0') ? null : text;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The HVO on/off partner of a fixture, looked for beside it: only well-formed logs (regular
 * files, complete, that parse) of the same machine are considered; anything else there (a
 * directory, a FIFO, a partial or foreign file) is passed over without a word against it.
 */
export function hvoSibling(log: KernelLog): KernelLog | null {
  // Only a log read from a file has a "beside"; standard input has none.
  if (log.file.startsWith('<') || !log.complete) return null;
  let names: string[];
  try {
    names = readdirSync(dirname(log.file));
  } catch {
    return null;
  }
  for (const n of names.sort()) {
    const f = join(dirname(log.file), n);
    if (!n.endsWith('.txt') || f === log.file) continue;
    const text = readRegularFile(f);
    if (
      text === null ||
      !text.includes('=====END') ||
      !(text.includes('hugetlb_free_vmemmap') || (log.cmdline ?? '').includes('hugetlb_free_vmemmap'))
    )
      continue;
    let other: KernelLog;
    try {
      other = parseKernelLog(text, f);
    } catch {
      continue;
    }
    if (hvoPartnerProblem(log, other) === null) return other;
  }
  return null;
}

export interface CompareOptions {
  /** The HVO on/off partner: a log, null for none, or undefined to look for one beside the log. */
  partner?: KernelLog | null;
  /**
   * Grow the pool after boot from the zones' free pages the log's zoneinfo shows (what the running system held then)
   * rather than hvosim's estimate of them: replay's, which has the log; a prediction of the log's boot has not.
   */
  runtimeFromLog?: boolean;
}

/**
 * What the running system held in each zone, from the log's zoneinfo: the boot's free pages less the "pages free" the
 * dump shows, for the run-time pool growth to start from (s.pageAlloc.runtimeHeld). A zone the dump leaves out keeps
 * hvosim's estimate: none is given then.
 */
function heldFromZoneinfo(t: Tally, log: KernelLog, s: KernelState): void {
  const held = heldPerZone(log, s);
  if (!held.length || held.some((h) => h === null)) return;
  s.pageAlloc.runtimeHeld = held as number[];
  t.r.notes.push("the pool grown after boot started from the zones' free pages in the log's zoneinfo");
}

/** Replay a whole fixture and compare every observable. */
export function replayFixture(
  log: KernelLog,
  profile: ProfileName | KernelProfile = REFERENCE_PROFILE.name,
  opts: CompareOptions = {},
): FixtureReplay {
  const p = resolveProfile(profile);
  // The log's own build, read once: its boot and the replay's account of where the facts came from (a partner log reads its own).
  const own = buildFromLog(log, p.build);
  const r = compareBoot(log, (l) => (l === log ? bootLog(l, p, own) : bootLog(l, p)), { runtimeFromLog: true, ...opts });
  r.build = { fromLog: own.read, configFrom: p.build.configFrom?.file ?? null };
  return r;
}

/**
 * Boot the logged machine with `bootOf` (from the log itself, or from a
 * description of it such as its QEMU command line) and compare every
 * observable with what the kernel showed.
 */
export function compareBoot(log: KernelLog, bootOf: (l: KernelLog) => KernelState, opts: CompareOptions = {}): FixtureReplay {
  const t = new Tally(log.file);
  const s = bootOf(log);
  // What the kernel itself does not repeat from boot to boot: said beside whatever differs.
  const timing = timingNotes(s);
  if (timing.length) t.r.timing = timing;
  t.r.notes.push(...timing);
  const cutAt = cutShortAt(log);
  if (cutAt !== null) {
    t.cut = true;
    t.r.cutAt = cutAt;
    t.r.notes.push(`the log is cut short at line ${cutAt} (the kernel went on): only what it shows was compared`);
  }

  // Memblock calls of our steps (sparse, vmemmap, hugetlb and the setup_arch steps), call for call.
  // The firmware's ACPI tables are where the machine description names them; a machine without them (a QEMU command
  // line: what SeaBIOS builds is not predicted) leaves the kernel's reservations of them out of the call-for-call match.
  const firmware = (c: { call: { caller: string } }) => c.call.caller === 'acpi_reserve_initial_tables';
  const logged = loggedCalls(log).filter((c) => c.ours);
  const kernel = s.machine.acpiTables ? logged : logged.filter((c) => !firmware(c));
  const unpredicted = logged.length - kernel.length;
  if (unpredicted)
    t.r.notes.push(
      `${unpredicted} memblock_reserve calls of the firmware's ACPI tables (acpi_reserve_initial_tables) are not predicted ` +
        'from this machine and were left out of the call-for-call comparison',
    );
  t.r.memblock.unpredicted = unpredicted;
  const ours = ourPrintedCalls(s.memblock);
  const fmt = (text: string, result: number | undefined) => (result === undefined ? text : `${text} -> ${result ? pa(result) : 'failed'}`);
  for (let i = 0; i < Math.max(kernel.length, ours.length); i++) {
    const k = kernel[i];
    const o = ours[i];
    const ks = k ? fmt(memblockDbgLine({ ...k.call, printed: true }), ALLOC.test(k.call.fn) ? k.result : undefined) : '(none)';
    if (!k && t.cut) break;
    const os = o ? fmt(memblockDbgLine(o), ALLOC.test(o.fn) ? (o.result ?? 0) : undefined) : '(none)';
    t.r.memblock.total++;
    if (ks === os) t.r.memblock.matched++;
    else t.r.mismatches.push({ kind: 'memblock', what: `memblock call #${i + 1}`, kernel: ks, ours: os, line: k?.lineNo });
  }

  // Log lines: every HugeTLB: line, and the three zone blocks.
  const klines = log.dmesg.map((l) => l.text);
  // "allocation took Nms" (6.16 on) is a timing: compared with the number left out.
  const untimed = (x: string) => x.replace(/^(HugeTLB: allocation took )\d+(ms )/, '$1N$2');
  const kh = klines.filter((x) => x.startsWith('HugeTLB: ')).map(untimed);
  const oh = s.dmesg.filter((x) => x.startsWith('HugeTLB: ')).map(untimed);
  for (let i = 0; i < Math.max(kh.length, oh.length); i++) t.obs('HugeTLB', `HugeTLB line ${i + 1}`, kh[i] ?? '(none)', oh[i] ?? '(none)');
  // hugetlb_cma_reserve() and mm/cma.c: the areas asked, reserved or refused, and any that could not be activated.
  const cmaLines = (lines: string[]) => lines.filter((x) => /^(hugetlb_cma: |cma: |CMA area )/.test(x)).map(untimed);
  const kc = cmaLines(klines);
  const oc = cmaLines(s.dmesg);
  for (let i = 0; i < Math.max(kc.length, oc.length); i++) t.obs('CMA', `CMA line ${i + 1}`, kc[i] ?? '(none)', oc[i] ?? '(none)');
  for (const b of BLOCKS)
    t.obs(b.kind, `"${b.name}" block`, block(klines, b.first, b.stop).join('\n'), block(s.dmesg, b.first, b.stop).join('\n'));
  // build_all_zonelists(): every node's fallback order (where allocations without __GFP_THISNODE go).
  const fallback = (lines: string[]) => lines.filter((x) => x.startsWith('Fallback order for Node ')).map((x) => x.trimEnd());
  const kf = fallback(klines);
  const of = fallback(s.dmesg);
  for (let i = 0; i < Math.max(kf.length, of.length); i++) t.obs('zonelists', `zonelist ${i + 1}`, kf[i] ?? '(none)', of[i] ?? '(none)');

  // /proc/zoneinfo sizes.
  const oz = zones(s);
  for (const z of parseZoneinfo(log.sections.get('ZONEINFO') ?? [])) {
    const o = oz.find((x) => x.node === z.node && x.zone === z.zone);
    t.obs('zoneinfo', `zoneinfo node ${z.node} ${z.zone} spanned`, z.spanned, o?.spanned ?? null);
    t.obs('zoneinfo', `zoneinfo node ${z.node} ${z.zone} present`, z.present, o?.present ?? null);
    t.obs('zoneinfo', `zoneinfo node ${z.node} ${z.zone} managed`, z.managed, o?.managed ?? null);
    if (z.cma !== undefined) t.obs('zoneinfo', `zoneinfo node ${z.node} ${z.zone} cma`, z.cma, o?.cma ?? '(none)');
  }

  compareDump(t, log, s, '');
  const walk = log.sections.get('VMEMMAP');
  if (walk)
    compareVmemmapWalk(
      t,
      walk.map((l) => l.text),
      s,
    );
  const memTotal0 = meminfoObject(s).MemTotal!;

  // HVO on against off: the change of MemTotal between this run and its sibling.
  const sib = opts.partner !== undefined ? opts.partner : hvoSibling(log);
  if (sib) {
    const ks = parseMeminfo(sib.sections.get('MEMINFO') ?? []).get('MemTotal');
    const km = parseMeminfo(log.sections.get('MEMINFO') ?? []).get('MemTotal');
    const os = meminfoObject(bootOf(sib)).MemTotal!;
    t.obs('MemTotal change', `MemTotal change against ${sib.file.split('/').pop()} (hugetlb_free_vmemmap)`, km! - ks!, memTotal0 - os);
  } else if (opts.partner === null)
    t.r.notes.push('no HVO on/off partner given; the MemTotal change with hugetlb_free_vmemmap= was not compared');
  else
    t.r.notes.push(
      'no complete log of the same machine beside this one differs only in hugetlb_free_vmemmap=; that change was not compared (name one with --partner FILE)',
    );

  // Growing the default pool after boot.
  const n = growthOf(log);
  if (n !== undefined) {
    if (opts.runtimeFromLog) heldFromZoneinfo(t, log, s);
    setMaxHugePages(s, n);
    compareDump(t, log, s, `_AFTER_NR2M=${n}`);
    const k0 = parseMeminfo(log.sections.get('MEMINFO') ?? []).get('MemTotal')!;
    const k1 = parseMeminfo(log.sections.get(`MEMINFO_AFTER_NR2M=${n}`) ?? []).get('MemTotal')!;
    t.obs('MemTotal change', `MemTotal change across nr_hugepages=${n}`, k1 - k0, meminfoObject(s).MemTotal! - memTotal0);
  }
  return t.r;
}
