// The conformance run: generated cases booted under QEMU, then `hvosim replay`
// (our boot of the logged machine, other subsystems from the log) and
// `hvosim boot --qemu` (our boot from the QEMU command line alone, other
// subsystems estimated) compared with everything the kernel showed.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import shellQuote from 'shell-quote';
import { boot, estimatedOthers, resolveProfile, type KernelProfile, type ProfileName } from '../simulator.js';
import { machineFromLog } from '../trace/machine-from-log.js';
import { parseQemuArgs } from '../machine/qemu.js';
import { parseKernelLog, type KernelLog } from '../trace/log.js';
import { compareBoot, replayFixture, type FixtureReplay } from '../trace/observe.js';
import { CASE_CPU, caseQemuArgs, generateCases, type ConformanceCase } from './cases.js';
import { linuxVersionOf } from './kernels.js';
import { InputError } from '../util/errors.js';
import { bootUnderQemu, caseKernelCmdline, caseQemuCommand, ensureOracle, type Oracle } from './oracle.js';
import {
  type CaseRecord,
  inShard,
  type KindRate,
  type Mode,
  RECORD_FORMAT,
  RECORD_MISMATCHES,
  type RunRecord,
  type Shard,
  summarize,
  WHOLE,
  writeRecord,
} from './record.js';

export type { KindRate, Mode };

export interface CaseResult {
  case: ConformanceCase;
  /** The case's place among the run's cases (0-based), whichever shard ran it. */
  index: number;
  /** Seconds QEMU took. */
  seconds: number;
  failed?: string;
  replay?: FixtureReplay;
  qemu?: FixtureReplay;
  /** Where the log was saved (every case), and the reproducer saved beside a mismatch. */
  log?: string;
}

export interface ConformanceReport {
  seed: number;
  profile: ProfileName;
  kernel: string;
  cases: number;
  booted: number;
  failed: { id: string; reason: string; command: string }[];
  rates: Record<Mode, Record<string, KindRate>>;
  /**
   * What boot --qemu cannot predict from a QEMU command line: the firmware's ACPI table reservations (left out of
   * the call-for-call match, in all cases) and the cases booted with KASLR (the image's place is random).
   */
  unpredicted: { acpiReservations: number; kaslrCases: number };
  results: CaseResult[];
  seconds: number;
  /** What OUT/report.json holds: the run's counts case by case, which the report above is made from. */
  record: RunRecord;
  /** --from-logs: the .txt files of the folder that are no case's log (no "hvosim-case=" header), left out. */
  skipped?: string[];
}

/**
 * Run `count` cases from `seed` (of them, those of `shard`), `jobs` QEMUs at a time; logs, mismatches and the
 * report (report.json) go under `out`.
 */
export async function runConformance(opts: {
  count: number;
  seed: number;
  jobs: number;
  /** The profile, or the profile with a user's build (--config, --build). */
  profile: ProfileName | KernelProfile;
  /** How a reproducer says the build again (" --build FILE"). */
  buildArgs?: string;
  out: string;
  work: string;
  kernelImage?: string;
  /** The kernel generation whose Debian kernel is booted (without kernelImage); 6.1 by default. */
  generation?: string;
  /** Walk the vmemmap page tables in the guest after boot (src/conformance/vmemmap-walk.ts). */
  walkVmemmap?: boolean;
  timeoutSec: number;
  /** Compare the logs a previous run left in this directory instead of booting again. */
  fromLogs?: string;
  /** Run only this part of the cases (the whole run by default). */
  shard?: Shard;
  /** A note on the kernel, kept in report.json. */
  note?: string;
  onCase?: (r: CaseResult, done: number, total: number) => void;
}): Promise<ConformanceReport> {
  const t0 = performance.now();
  if (opts.fromLogs) return compareLogs(opts, t0);
  const oracle = ensureOracle(opts.work, { kernelImage: opts.kernelImage, generation: opts.generation, walkVmemmap: opts.walkVmemmap });
  const shard = opts.shard ?? WHOLE;
  const cases = generateCases(opts.count, opts.seed)
    .map((c, index) => ({ c, index }))
    .filter((x) => inShard(x.index, shard));
  const logs = join(opts.out, 'logs');
  const mism = join(opts.out, 'mismatches');
  mkdirSync(logs, { recursive: true });
  mkdirSync(mism, { recursive: true });
  const byFile = new Map<string, ConformanceCase>();
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const { c, index } = cases[i]!;
      const file = join(logs, `${c.id}.txt`);
      // A run that was interrupted goes on where it stopped: a case whose complete log is there is not booted again.
      const old = existsSync(file) ? readLog(file) : '';
      const kept = old.includes('=====END') && parseKernelLog(old, file).cmdline === caseKernelCmdline(c);
      let b = kept ? { ok: true as const, text: old, seconds: 0 } : await bootUnderQemu(oracle, c, opts.timeoutSec);
      // QEMU itself sometimes goes away mid-boot on a loaded host (the console stops mid-line, with no
      // panic): such a boot is tried once more; a kernel that panics or hangs is not.
      if (!b.ok && b.reason.startsWith('the boot ended without the dumps') && !/Kernel panic|BUG:|Oops/.test(b.tail)) {
        const again = await bootUnderQemu(oracle, c, opts.timeoutSec);
        b = again.ok ? { ...again, seconds: again.seconds + b.seconds } : again;
      }
      const r: CaseResult = { case: c, index, seconds: b.seconds };
      if (!b.ok) r.failed = `${b.reason}${b.tail ? ` (last lines: ${b.tail.replace(/\n/g, ' | ')})` : ''}`;
      else {
        if (!kept) writeFileSync(file, b.text);
        byFile.set(file, c);
        r.log = file;
      }
      results[i] = r;
      done++;
      opts.onCase?.(r, done, cases.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  return compareAll(results, byFile, { ...opts, count: opts.count }, mism, oracle, t0);
}

/** The case a recorded log came from, read back from its header (nodes=[...] hvosim-case=...). */
function caseOfLog(text: string, file: string): ConformanceCase | null {
  const h = /^# qemu: .*nodes=\[([^\]]*)\].*hvosim-case=(\S+)/.exec(text);
  if (!h) return null;
  const nodes = h[1]!.split(' ').map((x) => parseInt(x, 10) * (/G$/i.test(x) ? 1024 : 1));
  const cpu = /^# qemu: .* cpu=(\S+)/.exec(text)?.[1];
  return { id: h[2]!, nodes, cmdline: parseKernelLog(text, file).cmdline ?? '', ...(cpu && cpu !== CASE_CPU ? { cpu } : {}) };
}

/** --from-logs: compare the logs of an earlier run again (after a model change), without QEMU. */
type CompareOptions = {
  fromLogs?: string;
  profile: ProfileName | KernelProfile;
  buildArgs?: string;
  out: string;
  seed: number;
  shard?: Shard;
  note?: string;
  walkVmemmap?: boolean;
};

/** The logs of a directory are the run's cases, in the order of their names; a shard compares its part. */
function compareLogs(opts: CompareOptions, t0: number): ConformanceReport {
  const dir = opts.fromLogs!;
  if (!statSync(dir).isDirectory())
    throw new InputError('not a directory: give the logs folder of an earlier run (OUT/logs)', { file: dir, field: '--from-logs' });
  const shard = opts.shard ?? WHOLE;
  const byFile = new Map<string, ConformanceCase>();
  const results: CaseResult[] = [];
  // A .txt that is not a case's log (no "hvosim-case=" in its header: a fixture, notes) is left out, and counted.
  const skipped: string[] = [];
  let count = 0;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.txt'))
    .sort()) {
    const file = join(dir, f);
    const c = caseOfLog(readLog(file), file);
    if (!c) {
      skipped.push(file);
      continue;
    }
    const index = count++;
    if (!inShard(index, shard)) continue;
    byFile.set(file, c);
    results.push({ case: c, index, seconds: 0, log: file });
  }
  if (!count)
    throw new InputError(
      `no logs of a conformance run in it (${skipped.length} .txt files, none with "hvosim-case=" in its "# qemu:" header): ` +
        'give the logs folder of an earlier run (OUT/logs)',
      { file: dir, field: '--from-logs' },
    );
  mkdirSync(opts.out, { recursive: true });
  const mism = join(opts.out, 'mismatches');
  mkdirSync(mism, { recursive: true });
  return { ...compareAll(results, byFile, { ...opts, count }, mism, null, t0), skipped };
}

function compareAll(
  results: CaseResult[],
  byFile: Map<string, ConformanceCase>,
  opts: CompareOptions & { count: number },
  mism: string,
  oracle: Oracle | null,
  t0: number,
): ConformanceReport {
  const { profile, seed } = opts;
  const profileName = resolveProfile(profile).name;
  // Compare once every log is on disk: a case whose only difference from another is hugetlb_free_vmemmap= is its sibling.
  const qemuBoot = (l: KernelLog) => {
    // A sibling that is not one of the cases (another fixture in the directory) is described by its own log.
    const c = byFile.get(l.file);
    if (!c) return boot({ ...machineFromLog(l), cmdline: l.cmdline ?? '' }, { profile, others: estimatedOthers });
    // QEMU was given our initramfs: live, its file is at hand; from recorded logs, its size and place are the log's
    // RAMDISK line (an input of the boot, not something the kernel decided).
    const m = parseQemuArgs(`${caseQemuArgs(c)}${oracle ? ` -initrd ${shellQuote.quote([oracle.initrd])}` : ''}`, {
      size: (f) => statSync(f).size,
    });
    const initrd = oracle ? m.loader?.initrd : machineFromLog(l).loader?.initrd;
    return boot({ ...m, ...(initrd ? { loader: { initrd } } : {}), cmdline: l.cmdline ?? '' }, { profile, others: estimatedOthers });
  };
  const kaslr = new Set<CaseResult>();
  for (const r of results) {
    if (!r.log) continue;
    const log = parseKernelLog(readLog(r.log), r.log);
    // A log that cannot be read as a boot (one whose start the kernel's own log buffer dropped) is a
    // failed case with the reader's reason, and the run goes on.
    try {
      r.replay = replayFixture(log, profile);
      r.qemu = compareBoot(log, qemuBoot);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      r.failed = `the log cannot be compared: ${e.message}`;
      r.replay = r.qemu = undefined;
      continue;
    }
    // The kernel's own command line says whether the image's place was random (a generated case's own words never hold nokaslr).
    if (!/(^|\s)nokaslr(\s|$)/.test(log.cmdline ?? '')) kaslr.add(r);
    // boot --qemu always places some calls elsewhere (its other subsystems are estimated): a mismatch there is one of the observables.
    if (hasMismatch(r))
      saveMismatch(mism, oracle, r, log.cmdline ?? '', `${profileName}${opts.buildArgs ?? ''}`, linuxVersionOf(log.dmesg));
  }
  const kernel = oracle?.kernel ?? 'the recorded logs';
  const seconds = (performance.now() - t0) / 1000;
  const record: RunRecord = {
    format: RECORD_FORMAT,
    seed,
    count: opts.count,
    kernel,
    profile: profileName,
    build: opts.buildArgs ?? '',
    ...(opts.note ? { note: opts.note } : {}),
    ...(opts.fromLogs !== undefined ? { fromLogs: opts.fromLogs } : {}),
    walkVmemmap: opts.walkVmemmap === true,
    shard: opts.shard ?? WHOLE,
    out: opts.out,
    seconds,
    cases: results.map((r) => caseRecord(r, kaslr.has(r), oracle)),
  };
  writeRecord(opts.out, record);
  return { seed, profile: profileName, kernel, cases: results.length, ...summarize(record.cases), results, seconds, record };
}

/** One case's counts as report.json keeps them: the replay's first mismatches, boot --qemu's number of them. */
function caseRecord(r: CaseResult, kaslr: boolean, oracle: Oracle | null): CaseRecord {
  const c = r.case;
  const counts = (x: FixtureReplay) => ({ observables: x.observables, memblock: x.memblock, byKind: x.byKind });
  return {
    index: r.index,
    id: c.id,
    nodes: c.nodes,
    cmdline: c.cmdline,
    ...(c.nr2m !== undefined ? { nr2m: c.nr2m } : {}),
    seconds: r.seconds,
    ...(r.failed ? { failed: r.failed, command: oracle ? caseQemuCommand(oracle, c) : '' } : {}),
    ...(r.log ? { log: r.log } : {}),
    ...(r.qemu ? { kaslr } : {}),
    saved: hasMismatch(r),
    ...(r.replay
      ? {
          replay: {
            ...counts(r.replay),
            mismatches: r.replay.mismatches.slice(0, RECORD_MISMATCHES),
            mismatchesTotal: r.replay.mismatches.length,
          },
        }
      : {}),
    ...(r.qemu ? { qemu: { ...counts(r.qemu), mismatches: r.qemu.mismatches.length } } : {}),
  };
}

/** Whether a case is saved as a fixture: a replay mismatch, or a boot --qemu one beyond the memblock addresses. */
export function hasMismatch(r: CaseResult): boolean {
  return !!(r.replay?.mismatches.length || r.qemu?.mismatches.some((m) => m.kind !== 'memblock'));
}

function readLog(f: string): string {
  return readFileSync(f, 'utf8');
}

/** A mismatch becomes a ready fixture: the log, and how to replay it and boot it again. */
function saveMismatch(
  dir: string,
  oracle: Oracle | null,
  r: CaseResult,
  cmdline: string,
  profile: string,
  version: [number, number] | undefined,
): void {
  const c = r.case;
  const file = join(dir, `${c.id}.txt`);
  copyFileSync(r.log!, file);
  const lines = [
    `# ${c.id}: ${r.replay!.mismatches.length} replay and ${r.qemu!.mismatches.length} boot --qemu mismatches`,
    `hvosim replay --kernel ${profile} ${file}`,
    `hvosim boot --kernel ${profile} --qemu "${caseQemuArgs(c)}" --cmdline "${cmdline.replace(/"/g, '\\"')}"`,
    `# the real boot: ${oracle ? caseQemuCommand(oracle, c) : `(see ${r.log})`}`,
    `# as a regression test: cp ${file} test/fixtures/linux-${version ? version.join('.') : '6.1'}/`,
    ...r.replay!.mismatches.slice(0, 20).map((m) => `# replay: ${m.what}: kernel ${m.kernel} / ours ${m.ours}`),
    ...r.qemu!.mismatches.slice(0, 20).map((m) => `# boot --qemu: ${m.what}: kernel ${m.kernel} / ours ${m.ours}`),
  ];
  writeFileSync(join(dir, `${c.id}.cmd`), `${lines.join('\n')}\n`);
}
