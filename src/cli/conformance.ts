// hvosim conformance: hvosim against a real kernel booted under QEMU, on generated cases.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceReport, Mode } from '../conformance/run.js';
import { InputError } from '../util/errors.js';
import { parseProfile } from './boot.js';
import { interactiveStderr, printJson, progress, table } from './output.js';
import { REPLAY_JSON_LIST } from './replay.js';

interface ConformanceCliOptions {
  cases: string;
  seed: string;
  jobs: string;
  profile: string;
  kernelImage?: string;
  out: string;
  work: string;
  timeout: string;
  fromLogs?: string;
  json?: boolean;
}

function count(v: string, field: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InputError(`"${v}" is not a positive number`, { field });
  return Number(v);
}

function rateTable(r: ConformanceReport, mode: Mode): string {
  const rows = Object.entries(r.rates[mode]).filter(([, v]) => v.cases);
  return table([
    ['observable', 'cases matched', 'instances matched'],
    ...rows.map(([k, v]) => [k, `${v.casesMatched}/${v.cases} (${((100 * v.casesMatched) / v.cases).toFixed(1)}%)`, `${v.matched}/${v.total}`]),
  ]);
}

export function registerConformance(program: Command): void {
  program
    .command('conformance')
    .description('boot generated machines under QEMU with a real kernel and compare hvosim replay and hvosim boot --qemu with it')
    .option('--cases <n>', 'generated cases', '200')
    .option('--seed <s>', 'seed of the generator', '1')
    .option('--jobs <j>', 'QEMUs at a time', '2')
    .option('--profile <name>', 'the hvosim kernel profile the kernel should match', '6.1')
    .option('--kernel-image <path>', `a kernel to boot instead of Debian's linux-image-6.1.0-56-cloud-amd64 (installed with apt-get on first use)`)
    .option('--out <dir>', 'where logs and mismatches go', 'conformance-out')
    .option('--work <dir>', 'where the kernel, QEMU setup and initramfs are kept', join(tmpdir(), 'hvosim-oracle'))
    .option('--timeout <s>', 'seconds before a boot counts as hung', '300')
    .option('--from-logs <dir>', 'compare the logs an earlier run saved (OUT/logs) again, without booting')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Each case is a machine (1 to 8 NUMA nodes of 1 to 16 GiB in 256 MiB steps, at most 16 GiB in all)
and a command line (hugepagesz=/hugepages= in all their forms, default_hugepagesz=,
hugetlb_free_vmemmap=, movablecore=/kernelcore=, over-asking, a 2 MiB pool grown after boot).
Every log is kept under OUT/logs; a case with any mismatch is copied to OUT/mismatches with a .cmd
file (how to replay it, boot it, and keep it as a regression test). Exit status 1 when a replay
observable mismatched or a boot failed.

Examples:
  $ hvosim conformance --cases 200 --seed 1 --jobs 2
  $ hvosim conformance --cases 10 --kernel-image /boot/vmlinuz-6.1.0-my-build --profile 6.1`,
    )
    .action(async (o: ConformanceCliOptions) => {
      const profile = parseProfile(o.profile, '--profile');
      const n = count(o.cases, '--cases');
      const seed = count(o.seed, '--seed');
      const jobs = count(o.jobs, '--jobs');
      const timeoutSec = count(o.timeout, '--timeout');
      if (o.fromLogs !== undefined && !existsSync(o.fromLogs)) throw new InputError('no such directory', { file: o.fromLogs, field: '--from-logs' });
      const tty = interactiveStderr();
      let bar: ReturnType<typeof progress> | undefined;
      // The generator (fast-check) and QEMU plumbing load only when this command runs.
      const { hasMismatch, runConformance } = await import('../conformance/run.js');
      const { OracleError } = await import('../conformance/oracle.js');
      let report: ConformanceReport;
      try {
        report = await runConformance({
          count: n,
          seed,
          jobs,
          profile,
          out: o.out,
          work: o.work,
          kernelImage: o.kernelImage,
          timeoutSec,
          fromLogs: o.fromLogs,
          onCase: (r, done, total) => {
            // A bar on a terminal; one line a case elsewhere (CI logs keep them).
            if (tty) {
              bar ??= progress('booting under QEMU', total);
              bar.update(done);
            } else process.stderr.write(`${done}/${total} ${r.case.id} ${r.failed ? `FAILED: ${r.failed}` : `booted in ${r.seconds.toFixed(1)} s`}\n`);
          },
        });
      } catch (e) {
        if (e instanceof OracleError) throw new InputError(`cannot set up the real kernel: ${e.message}`, { field: '--kernel-image' });
        throw e;
      }
      bar?.stop();
      const replayMiss = report.results.some((r) => r.replay?.mismatches.length);
      process.exitCode = replayMiss || report.failed.length ? 1 : 0;
      if (o.json) return printJson({ ...report, results: report.results.map((r) => ({ id: r.case.id, nodes: r.case.nodes, cmdline: r.case.cmdline, nr2m: r.case.nr2m, seconds: r.seconds, failed: r.failed, replay: r.replay && { observables: r.replay.observables, memblock: r.replay.memblock, mismatches: r.replay.mismatches.slice(0, REPLAY_JSON_LIST), mismatchesTotal: r.replay.mismatches.length }, qemu: r.qemu && { observables: r.qemu.observables, memblock: r.qemu.memblock, mismatches: r.qemu.mismatches.length } })) });
      const out = [
        o.fromLogs
          ? `hvosim conformance: ${report.cases} logs from ${o.fromLogs} compared again, profile ${profile} (${report.seconds.toFixed(0)} s)`
          : `hvosim conformance: ${report.cases} cases from seed ${seed} against ${report.kernel}, profile ${profile}: ${report.booted} booted, ${report.failed.length} failed (${report.seconds.toFixed(0)} s)`,
        '',
        'hvosim replay (our boot of the logged machine, other subsystems from the log):',
        rateTable(report, 'replay'),
        '',
        'hvosim boot --qemu (our boot from the QEMU command line alone, other subsystems estimated):',
        rateTable(report, 'qemu'),
      ];
      if (report.failed.length) out.push('', 'Boots that failed:', ...report.failed.map((f) => `  ${f.id}: ${f.reason}\n    ${f.command}`));
      const saved = report.results.filter(hasMismatch).length;
      out.push('', `Logs: ${o.fromLogs ?? `${o.out}/logs`}; ${saved} cases with a mismatch (beyond boot --qemu's memblock addresses) saved to ${o.out}/mismatches (log + .cmd).`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
