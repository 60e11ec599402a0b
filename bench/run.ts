// npm run bench: how fast hvosim boots machines of every size, against the targets of the speed issue.
//
// Each row runs in fresh child processes of its own (three), so its peak memory (maxRSS) is its
// own: a child boots the machine a few times in-process, and the parent takes the medians. The
// parent also times whole `hvosim boot --json` processes on the same input.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { boot } from '../src/simulator.js';
import { estimatedOthers } from '../src/kernel/others.js';
import { DEFAULT_PROFILE, PROFILE_NAMES, type ProfileName } from '../src/profiles/index.js';
import { q35Machine } from '../src/machine/qemu.js';
import type { Machine } from '../src/machine/types.js';
import { GiB, TiB } from '../src/util/units.js';
import { runCampaign } from '../src/check/campaign.js';
import { runCampaignJobs } from '../src/check/campaign-jobs.js';
import { table } from '../src/cli/output.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Row {
  name: string;
  nodes: number[];
  cmdline: string;
  nrHugepages?: number;
}

/**
 * 16 nodes of `total / 16` the q35 way, the last 2 GiB short: q35 puts 2 GiB below 4 GiB, and at
 * 64 TiB the RAM must end there (4-level paging maps no more; past it the kernel's boot dies).
 */
const nodes16 = (total: number) => [...Array(15).fill(total / 16), total / 16 - 2 * GiB];

const ROWS: Row[] = [
  { name: 'default (2 x 3 GiB, 2 x 1 GiB, HVO)', nodes: [3 * GiB, 3 * GiB], cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on' },
  { name: '2 x 512 GiB, 900 x 1 GiB, HVO', nodes: [512 * GiB, 512 * GiB], cmdline: 'hugepagesz=1G hugepages=900 hugetlb_free_vmemmap=on' },
  {
    name: '16 x 4 TiB, 65000 x 1 GiB, HVO on',
    nodes: nodes16(64 * TiB),
    cmdline: 'hugepagesz=1G hugepages=65000 hugetlb_free_vmemmap=on',
  },
  { name: '16 x 4 TiB, 65000 x 1 GiB, HVO off', nodes: nodes16(64 * TiB), cmdline: 'hugepagesz=1G hugepages=65000' },
  {
    name: '16 x 4 TiB, 2 MiB grown to 1,000,000, HVO',
    nodes: nodes16(64 * TiB),
    cmdline: 'hugetlb_free_vmemmap=on',
    nrHugepages: 1_000_000,
  },
  {
    name: '2 x 512 GiB, 900 x 1 GiB shrunk to 0, HVO',
    nodes: [512 * GiB, 512 * GiB],
    cmdline: 'default_hugepagesz=1G hugepagesz=1G hugepages=900 hugetlb_free_vmemmap=on',
    nrHugepages: 0,
  },
  {
    // Many small nodes: every per-node loop (zonelists, the planner's lists) counts here.
    name: '1024 x 1 GiB nodes, 100 x 1 GiB asked, HVO',
    nodes: Array(1024).fill(GiB),
    cmdline: 'hugepagesz=1G hugepages=100 hugetlb_free_vmemmap=on',
  },
];
const SCALING: Row[] = [1, 4, 16, 64].map((t) => ({
  name: `scaling: 16 nodes, ${t} TiB, 1000 x 1 GiB, HVO`,
  nodes: nodes16(t * TiB),
  cmdline: 'hugepagesz=1G hugepages=1000 hugetlb_free_vmemmap=on',
}));

function machineOf(r: Row): Machine {
  // Intel, as the server presets: a q35 guest's default AMD CPU would move high RAM to 1 TiB, past the 64 TiB that 4-level paging maps.
  return {
    ...q35Machine({ nodeSizes: r.nodes, numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: 'Intel', cmdline: r.cmdline }, 'bench'),
    name: r.name,
  };
}

/** In the child: boot `runs` times, print each time and what one boot built. */
function child(rowIdx: number, profile: ProfileName, runs: number): void {
  const r = [...ROWS, ...SCALING][rowIdx]!;
  const m = machineOf(r);
  const times: number[] = [];
  let calls = 0;
  let tables = 0;
  // Peak memory of one boot: read after the first (later boots may overlap the garbage of earlier ones).
  let maxRssMiB = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const s = boot(m, { profile, others: estimatedOthers, nrHugepages: r.nrHugepages });
    times.push(performance.now() - t0);
    if (i === 0) maxRssMiB = process.resourceUsage().maxRSS / 1024;
    calls = s.memblock.calls.length;
    const pt = s.vmemmap;
    tables = pt.pud.size + pt.pmd.size + pt.pte.size;
  }
  process.stdout.write(`${JSON.stringify({ times, maxRssMiB, calls, tables })}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Cases that warm a check process up: a thread boots about 1,500 cases before the JIT has
 * compiled the simulator's hot paths (a thread's rate doubles over them), and with --jobs 2
 * each worker sees half of them.
 */
const CHECK_WARM = 3000;

/** Processes each row runs in: every time is a median over them (a single run on this machine can be 50% off). */
const PROCESSES = 3;

/**
 * `check` throughput in a process of its own: a campaign of CHECK_WARM cases to warm the
 * JIT up (with `jobs` > 1 it starts the workers, which stay for the next campaign), then a
 * campaign of `runs` generated cases timed whole (generation, boots, invariants after every
 * step, shrinking of what broke).
 */
async function checkChild(profile: ProfileName, runs: number, faults: boolean, jobs: number): Promise<void> {
  const run = (o: { runs: number; seed: number }) =>
    jobs > 1 ? runCampaignJobs({ profile, faults, shrinkMs: 1, jobs, ...o }) : runCampaign({ profile, faults, shrinkMs: 1, ...o });
  await run({ runs: CHECK_WARM, seed: 2 });
  const camp = await run({ runs, seed: 1 });
  process.stdout.write(
    `${JSON.stringify({ runs: camp.runs, seconds: camp.seconds, findings: camp.findings.length, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

/**
 * `check` throughput for every profile, without and with injected faults, at --jobs 1 and
 * --jobs 2: processes in pairs (1, 2, 1, 2, ...), so the ratio of each pair is taken while the
 * machine runs at one speed; the medians of three pairs.
 */
function checkThroughput(runs: number, profiles: readonly ProfileName[]): string[][] {
  const out: string[][] = [
    ['kernel', 'faults', 'cases', '--jobs 1: cases/s', '--jobs 2: cases/s', '2 vs 1 (median of pairs)', 'invariants broken', 'peak memory'],
  ];
  type Got = { runs: number; seconds: number; findings: number; maxRssMiB: number };
  const once = (profile: ProfileName, faults: boolean, jobs: number): Got | string => {
    const c = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--check-child', profile, String(runs), faults ? 'faults' : 'none', String(jobs)],
      { cwd: ROOT, encoding: 'utf8' },
    );
    return c.status !== 0 ? (c.stderr.trim().split('\n').at(-1) ?? `exit ${c.status}`) : JSON.parse(c.stdout.trim().split('\n').at(-1)!);
  };
  for (const profile of profiles) {
    for (const faults of [false, true]) {
      const pairs: [Got, Got][] = [];
      let failed = '';
      for (let k = 0; k < PROCESSES && !failed; k++) {
        const a = once(profile, faults, 1);
        const b = typeof a === 'string' ? a : once(profile, faults, 2);
        if (typeof a === 'string' || typeof b === 'string') failed = typeof a === 'string' ? a : (b as string);
        else pairs.push([a, b]);
      }
      if (failed) {
        out.push([profile, faults ? 'yes' : 'no', `failed: ${failed}`, '', '', '', '', '']);
        continue;
      }
      const rate = (g: Got) => g.runs / g.seconds;
      const one = median(pairs.map(([a]) => rate(a)));
      const two = median(pairs.map(([, b]) => rate(b)));
      const ratio = median(pairs.map(([a, b]) => rate(b) / rate(a)));
      out.push([
        profile,
        faults ? 'yes' : 'no',
        String(runs),
        one.toFixed(0),
        two.toFixed(0),
        `${ratio.toFixed(2)}x`,
        String(pairs[0]![0].findings),
        `${Math.max(...pairs.flat().map((r) => r.maxRssMiB)).toFixed(0)} MiB`,
      ]);
      process.stderr.write(
        `check ${profile}${faults ? ' --faults' : ''}: ${one.toFixed(0)} cases/s, --jobs 2 ${two.toFixed(0)} (${ratio.toFixed(2)}x)\n`,
      );
    }
  }
  return out;
}

function qemuArgs(r: Row): string {
  // Memory backends per node: q35 refuses -numa node,mem= (QEMU 5.1 on), and so does hvosim's QEMU reader.
  const mib = r.nodes.map((b) => b / 2 ** 20);
  return [
    '-machine q35 -cpu Skylake-Server,+pdpe1gb',
    `-m ${mib.reduce((a, b) => a + b, 0)}M`,
    ...mib.map((m, i) => `-object memory-backend-ram,id=m${i},size=${m}M -numa node,nodeid=${i},memdev=m${i}`),
  ].join(' ');
}

/** The machine as the CLI takes it: a QEMU command line, or (past QEMU's 128 NUMA nodes) a machine file. */
function machineArgs(r: Row): string[] {
  if (r.nodes.length <= 128) return ['--qemu', qemuArgs(r)];
  const file = join(tmpdir(), `hvosim-bench-${process.pid}-${r.nodes.length}.json`);
  const q35 = { nodes: r.nodes.map((b) => `${b / 2 ** 20}M`), numa: true };
  writeFileSync(file, JSON.stringify({ name: r.name, cpu: { features: ['pdpe1gb'], vendor: 'Intel' }, q35 }));
  return ['--machine', file];
}

/** hvosim against the real thing: the fixtures' small machines booted under QEMU once, and by hvosim in-process. */
async function qemuRatio(): Promise<string[][]> {
  const { ensureOracle, bootUnderQemu } = await import('../src/conformance/oracle.js');
  const oracle = ensureOracle(join(tmpdir(), 'hvosim-oracle'));
  const cases = [
    { id: 'p02', nodes: [3072, 3072], cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on' },
    { id: 'n01', nodes: [1024], cmdline: 'hugepagesz=2M hugepages=10' },
    { id: 'n02', nodes: [2048, 2048, 2048], cmdline: 'hugepagesz=1G hugepages=3' },
  ];
  const out: string[][] = [['machine (as the fixture)', 'QEMU boot', 'hvosim boot (in-process)', 'ratio']];
  for (const c of cases) {
    const q = await bootUnderQemu(oracle, c, 300);
    const m = machineOf({ name: c.id, nodes: c.nodes.map((x) => x * 2 ** 20), cmdline: c.cmdline });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      boot(m, { profile: '6.1', others: estimatedOthers });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = times[2]!;
    out.push([
      `${c.id}: ${c.nodes.map((x) => `${x / 1024} GiB`).join(' + ')}, ${c.cmdline}`,
      `${q.seconds.toFixed(1)} s${q.ok ? '' : ' (failed)'}`,
      `${ms.toFixed(1)} ms`,
      `${Math.round((q.seconds * 1000) / ms)}x`,
    ]);
  }
  return out;
}

/** A whole process as a user starts it: wall time, peak memory (maxRSS, from a hook loaded before the CLI) and stdout's size. */
function timeProcess(cmd: string[], hook: string): { ms: number; maxRssMiB: number; stdoutBytes: number; status: number | null } {
  const [exe, ...args] = cmd;
  const node = exe === 'node';
  const t0 = performance.now();
  const p = spawnSync(node ? process.execPath : exe!, node ? ['--import', pathToFileURL(hook).href, ...args] : args, {
    cwd: ROOT,
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - t0;
  const rss = /maxrss-kb=(\d+)/.exec(p.stderr?.toString() ?? '');
  return { ms, maxRssMiB: rss ? Number(rss[1]) / 1024 : NaN, stdoutBytes: p.stdout?.length ?? 0, status: p.status };
}

const size = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

/** A module loaded before the CLI that prints the process's peak memory as it exits. */
function rssHook(dir: string): string {
  const hook = join(dir, 'rss.mjs');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hook's own template literal, written as JavaScript
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`maxrss-kb=${process.resourceUsage().maxRSS}\\n`));\n");
  return hook;
}

/**
 * What a user waits for: whole processes of the bundled CLI (dist/cli/main.js, as bin/hvosim.js
 * starts it), the default boot among them, and --json on the 64 TiB machine (the summary, and the
 * stream of every memblock call to a file). Each is run `n` times; the minimum is what the machine
 * can do, the median what it did while shared.
 */
function wholeProcesses(n: number): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'hvosim-bench-'));
  const hook = rssHook(dir);
  const calls = join(dir, 'calls.ndjson');
  const nodes1024 = join(dir, 'nodes1024.json');
  writeFileSync(
    nodes1024,
    JSON.stringify({
      name: '1024 x 1 GiB',
      cpu: { features: ['pdpe1gb'], vendor: 'Intel' },
      q35: { nodes: Array(1024).fill('1G'), numa: true },
    }),
  );
  const cases: { what: string; cmd: string[]; runs: number; file?: string }[] = [
    { what: 'node -e 0 (Node alone, for scale)', cmd: ['node', '-e', '0'], runs: n },
    { what: 'hvosim --version', cmd: ['node', 'bin/hvosim.js', '--version'], runs: n },
    { what: 'hvosim boot (default machine, summary and planner)', cmd: ['node', 'bin/hvosim.js', 'boot'], runs: n },
    { what: 'hvosim boot --json (default machine)', cmd: ['node', 'bin/hvosim.js', 'boot', '--json'], runs: n },
    { what: 'npx hvosim --version (npx finds the local bin)', cmd: ['npx', '--no-install', 'hvosim', '--version'], runs: Math.min(n, 5) },
    {
      what: 'hvosim boot --machine-preset 64t --json (64 TiB, 65,000 x 1 GiB, planner included)',
      cmd: ['node', 'bin/hvosim.js', 'boot', '--machine-preset', '64t', '--json'],
      runs: 3,
    },
    {
      what: 'hvosim boot --machine FILE (1024 x 1 GiB nodes, 100 x 1 GiB asked, planner included)',
      cmd: ['node', 'bin/hvosim.js', 'boot', '--machine', nodes1024, '--cmdline', 'hugepagesz=1G hugepages=100 hugetlb_free_vmemmap=on'],
      runs: 3,
    },
    {
      what: 'hvosim boot --machine-preset 64t --no-plan --json-memblock FILE --json',
      cmd: ['node', 'bin/hvosim.js', 'boot', '--machine-preset', '64t', '--no-plan', '--json-memblock', calls, '--json'],
      runs: 3,
      file: calls,
    },
  ];
  const out: string[][] = [['process', 'runs', 'min', 'median', 'peak memory', 'output']];
  try {
    for (const c of cases) {
      const got = Array.from({ length: c.runs }, () => timeProcess(c.cmd, hook));
      const bad = got.find((g) => g.status !== 0);
      if (bad) {
        out.push([c.what, String(c.runs), `failed: exit ${bad.status}`, '', '', '']);
        continue;
      }
      const ms = got.map((g) => g.ms);
      let output = size(got[0]!.stdoutBytes);
      if (c.file) {
        const text = readFileSync(c.file);
        let lines = 0;
        for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) lines++;
        output += ` on stdout; ${size(statSync(c.file).size)} in the file, ${lines} lines`;
      }
      const rss = got.map((g) => g.maxRssMiB).filter((x) => !Number.isNaN(x));
      out.push([
        c.what,
        String(c.runs),
        `${Math.min(...ms).toFixed(0)} ms`,
        `${median(ms).toFixed(0)} ms`,
        rss.length ? `${Math.max(...rss).toFixed(0)} MiB` : '',
        output,
      ]);
      process.stderr.write(`${c.what}: min ${Math.min(...ms).toFixed(0)} ms, median ${median(ms).toFixed(0)} ms\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * How fast this machine is right now: a fixed workload (sorting 2^21 pseudo-random numbers, best of
 * three), timed before and after the rows. On a shared machine every figure drifts with it.
 */
function calibrate(): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const a = new Float64Array(1 << 21);
    let x = 0x9e3779b9;
    for (let i = 0; i < a.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      a[i] = x >>> 0;
    }
    const t0 = performance.now();
    a.sort();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The in-process rows: each machine and profile booted in fresh processes, and as a `boot --json` process. */
function bootRows(quick: boolean): string[][] {
  const rows: string[][] = [
    [
      'machine',
      'kernel',
      'in-process: first boot',
      'warm',
      'hvosim boot --json process',
      'peak memory',
      'memblock calls',
      'page-table pages',
    ],
  ];
  const all = [...ROWS, ...SCALING];
  for (const [i, r] of all.entries()) {
    if (quick && i > 1) break;
    for (const profile of PROFILE_NAMES) {
      // Each machine boots in fresh processes: the first boot of each (cold: the JIT has not compiled
      // the simulator yet and the heap grows as it goes), then more in the same process (warm): the
      // largest machines 1 more, the scaling rows 12 more (they are compared warm with warm, and a
      // boot of 30 ms is easily half a garbage collection off), the others 5. Reported: the median
      // first boot, the median warm boot, the largest peak of one boot.
      const big = i < ROWS.length && (r.nodes.reduce((a, b) => a + b, 0) >= 16 * TiB || r.nodes.length >= 256);
      const boots = big ? 2 : i >= ROWS.length ? 13 : 6;
      const runs: { times: number[]; maxRssMiB: number; calls: number; tables: number }[] = [];
      let failed = '';
      for (let k = 0; k < PROCESSES && !failed; k++) {
        const c = spawnSync(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(i), profile, String(boots)],
          { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 },
        );
        if (c.status !== 0) failed = c.stderr.trim().split('\n').at(-1) ?? `exit ${c.status}`;
        else runs.push(JSON.parse(c.stdout.trim().split('\n').at(-1)!));
      }
      if (failed) {
        rows.push([r.name, profile, `failed: ${failed}`, '', '', '', '', '']);
        continue;
      }
      const res = {
        first: median(runs.map((x) => x.times[0]!)),
        ms: median(runs.flatMap((x) => x.times.slice(1))),
        maxRssMiB: Math.max(...runs.map((x) => x.maxRssMiB)),
        calls: runs[0]!.calls,
        tables: runs[0]!.tables,
      };
      let proc = '';
      if (i < ROWS.length) {
        // The compiled CLI, as `npm ci` builds it (dist/), started as a user starts it.
        const args = ['dist/cli/main.js', 'boot', '--kernel', profile, ...machineArgs(r), '--cmdline', r.cmdline, '--json'];
        if (r.nrHugepages !== undefined) args.push('--nr-hugepages', String(r.nrHugepages));
        const took: number[] = [];
        for (let k = 0; k < PROCESSES && !proc; k++) {
          const t0 = performance.now();
          const p = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
          if (p.status === 0) took.push(performance.now() - t0);
          else proc = `exit ${p.status}: ${p.stderr.toString().trim().split('\n')[0]?.slice(0, 60) ?? ''}`;
        }
        proc ||= `${(median(took) / 1000).toFixed(2)} s`;
      }
      rows.push([
        r.name,
        profile,
        `${(res.first / 1000).toFixed(3)} s`,
        `${(res.ms / 1000).toFixed(3)} s`,
        proc,
        `${res.maxRssMiB.toFixed(0)} MiB`,
        String(res.calls),
        String(res.tables),
      ]);
      process.stderr.write(`${r.name} ${profile}: first ${(res.first / 1000).toFixed(3)} s, warm ${(res.ms / 1000).toFixed(3)} s\n`);
    }
  }
  return rows;
}

/** The 64 TiB preset's command lines: as the preset has it (HVO on), and HVO off (the boot dies; the planner searches). */
const CMDLINES_64T = ['hugepagesz=1G hugepages=65000 hugetlb_free_vmemmap=on', 'hugepagesz=1G hugepages=65000'];

/**
 * The 64 TiB boot in every output mode (the text summary with the planner, --json, --no-plan) as
 * whole processes of the bundled CLI, per profile: median wall time of `n` runs and the largest peak.
 */
function wholeBoots64t(n: number, profiles: readonly ProfileName[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'hvosim-bench-'));
  const hook = rssHook(dir);
  const modes: [string, string[]][] = [
    ['text', []],
    ['--json', ['--json']],
    ['--no-plan', ['--no-plan']],
  ];
  const out: string[][] = [['kernel', 'command line', ...modes.map(([m]) => `${m}: median (peak)`)]];
  try {
    for (const profile of profiles)
      for (const cmdline of CMDLINES_64T) {
        const row = [profile, cmdline];
        for (const [, extra] of modes) {
          const cmd = ['node', 'bin/hvosim.js', 'boot', '--machine-preset', '64t', '--kernel', profile, '--cmdline', cmdline, ...extra];
          // Exit status 1 is a boot that dies (the HVO-off line on most profiles): still a whole answer.
          const got = Array.from({ length: n }, () => timeProcess(cmd, hook));
          const bad = got.find((g) => g.status !== 0 && g.status !== 1);
          const rss = got.map((g) => g.maxRssMiB).filter((x) => !Number.isNaN(x));
          row.push(
            bad
              ? `failed: exit ${bad.status}`
              : `${(median(got.map((g) => g.ms)) / 1000).toFixed(2)} s (${rss.length ? Math.max(...rss).toFixed(0) : '?'} MiB)`,
          );
        }
        out.push(row);
        process.stderr.write(`64t ${profile} ${cmdline}: ${row.slice(2).join(' | ')}\n`);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Whether QEMU is on PATH (the comparison with real boots needs it). */
function hasQemu(): boolean {
  return spawnSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The comma-separated values of `--name=a,b`, or undefined without it. */
function listOption(name: string): string[] | undefined {
  return process.argv
    .find((a) => a.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .split(',');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // --only=whole,64t,rows,check,qemu: those sections alone.
  const only = listOption('--only');
  const on = (section: string) => !only || only.includes(section);
  // --kernels=7.3,6.1: those profiles alone.
  const kernels = listOption('--kernels');
  const unknown = kernels?.find((k) => !(PROFILE_NAMES as readonly string[]).includes(k));
  if (unknown !== undefined) {
    process.stderr.write(`bench: --kernels: no profile ${JSON.stringify(unknown)} (profiles: ${PROFILE_NAMES.join(', ')})\n`);
    process.exit(2);
  }
  const profiles = kernels ? (kernels as ProfileName[]) : quick ? [DEFAULT_PROFILE.name] : PROFILE_NAMES;
  const before = calibrate();
  const whole = on('whole') ? wholeProcesses(quick ? 10 : 20) : null;
  const big = on('64t') ? wholeBoots64t(quick ? 3 : 5, profiles) : null;
  const rows = on('rows') ? bootRows(quick) : null;
  const checkRuns = quick ? 200 : 2000;
  const check = on('check') ? checkThroughput(checkRuns, profiles) : null;
  let qemu: string[] = [];
  if (!process.argv.includes('--no-qemu') && on('qemu')) {
    if (!hasQemu()) qemu = ['', 'QEMU comparison skipped: qemu-system-x86_64 is not installed.'];
    else
      try {
        qemu = ['', 'Against the real thing (QEMU TCG, Debian 6.1, one boot each):', table(await qemuRatio())];
      } catch (e) {
        qemu = ['', `QEMU comparison skipped: ${(e as Error).message}`];
      }
  }
  const after = calibrate();
  const out = [
    `hvosim bench on ${process.platform} ${process.arch}, node ${process.version}, ${cpus().length} CPUs`,
    `machine speed (sorting 2^21 numbers, best of 3): ${before.toFixed(0)} ms before the rows, ${after.toFixed(0)} ms after`,
    ...(whole ? ['', 'Whole processes, as a user starts them (bin/hvosim.js, the bundled CLI in dist/):', table(whole)] : []),
    ...(big
      ? [
          '',
          `The 64 TiB preset (65,000 x 1 GiB) in every output mode, whole processes of the bundled CLI, ${quick ? 3 : 5} runs each:`,
          table(big),
        ]
      : []),
    ...(rows ? ['', table(rows)] : []),
    ...(check
      ? [
          '',
          `check: generated small machines (1 to 4 nodes of 1 to 6 GiB), every invariant after every step; ` +
            `${checkRuns} cases after a ${CHECK_WARM}-case warm-up, ${PROCESSES} pairs of processes (--jobs 1, then --jobs 2), ` +
            'generation, worker start and shrinking included:',
          table(check),
        ]
      : []),
    ...qemu,
    '',
    'Targets (issue 6): 64 TiB with 65,000 x 1 GiB under 1 s and 512 MiB per profile; ' +
      'the default machine under 300 ms as a whole process; 500 checked boots/s.',
    'Targets (issue 17): a default `hvosim boot` under 120 ms as a whole process; ' +
      '`--json` on 64 TiB a summary of kilobytes (it was 275 MB, 8.4 s and 1.24 GB).',
    "Target (an operator's own log): 1024 x 1 GiB nodes with the planner well under 5 s as a whole process (it took 51 s).",
    'Targets (scale): every output mode of the 64 TiB boot under 1 s and 512 MiB as a whole process on every profile; ' +
      '`check --jobs 2` at least 1.8x the cases per second of --jobs 1 on 2 cores.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[2] === '--child') child(Number(process.argv[3]), process.argv[4] as ProfileName, Number(process.argv[5]));
else if (process.argv[2] === '--check-child')
  await checkChild(process.argv[3] as ProfileName, Number(process.argv[4]), process.argv[5] === 'faults', Number(process.argv[6] ?? 1));
else await main();
