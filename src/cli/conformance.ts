// hvosim conformance: hvosim against a real kernel booted under QEMU, on generated cases.
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceReport, Mode } from '../conformance/run.js';
import { addBuildOptions, type BuildOptions, buildOptionsText, profileWithOwnBuild, readBuildOption } from './build-options.js';
import { comparedProfile, KERNEL_GENERATIONS, kernelGeneration } from '../conformance/kernels.js';
import { PROFILE_NAMES as PROFILES, resolveKernel, type ProfileName as Profile } from '../simulator.js';
import { InputError } from '../util/errors.js';
import { interactiveStderr, printJson, progress, table } from './output.js';
import { REPLAY_JSON_LIST } from './replay.js';
import { MAX_RUNS, MAX_SEED, wholeOption } from './options.js';

interface ConformanceCliOptions extends BuildOptions {
  cases: string;
  seed: string;
  jobs: string;
  kernel: string;
  profile?: string;
  kernelImage?: string;
  out: string;
  work: string;
  timeout: string;
  fromLogs?: string;
  walkVmemmap?: boolean;
  json?: boolean;
}

/** The longest --timeout: Node's timers hold at most 2^31 - 1 ms (a longer one fires at once). */
const MAX_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000);

/**
 * What --kernel names: a kernel generation (its Debian kernel is booted, unless --kernel-image, and compared with
 * the profile of its release, comparedProfile()), or an hvosim profile or a kernel version that is no generation
 * (then the kernel comes from --kernel-image or --from-logs, and a version is compared with the profile
 * profileForVersion() answers, its note said).
 */
export function conformanceKernel(
  name: string,
  o: { kernelImage?: string; fromLogs?: string },
  field = '--kernel',
): { generation?: string; profile: Profile; note?: string } {
  const g = kernelGeneration(name);
  if (g) {
    const c = comparedProfile(g.name);
    const note = c.validated
      ? undefined
      : `kernel ${g.name} is compared with profile ${c.profile}, not yet held to this kernel's real boots (unvalidated), so mismatches are expected`;
    return { generation: g.name, profile: c.profile, note };
  }
  const k = resolveKernel(name);
  if (k) {
    const what = PROFILES.includes(name as Profile) ? `profile "${name}"` : `kernel version "${name}"`;
    if (!o.kernelImage && !o.fromLogs)
      throw new InputError(
        `${what} names no real kernel hvosim fetches: give --kernel-image (or --from-logs), ` +
          `or a kernel generation (${KERNEL_GENERATIONS.map((x) => x.name).join(', ')})`,
        { field },
      );
    return { profile: k.profile.name, note: k.note };
  }
  throw new InputError(
    `unknown kernel "${name}" (kernel generations: ${KERNEL_GENERATIONS.map((x) => x.name).join(', ')}; ` +
      `profiles: ${PROFILES.join(', ')}; or a kernel version such as 7.2)`,
    { field },
  );
}

function rateTable(r: ConformanceReport, mode: Mode): string {
  const rows = Object.entries(r.rates[mode]).filter(([, v]) => v.cases);
  return table([
    ['observable', 'cases matched', 'instances matched'],
    ...rows.map(([k, v]) => [
      k,
      `${v.casesMatched}/${v.cases} (${((100 * v.casesMatched) / v.cases).toFixed(1)}%)`,
      `${v.matched}/${v.total}`,
    ]),
  ]);
}

/** What boot --qemu could not predict, said under its table so that no rate is an artefact of it. */
function unpredictedLines(r: ConformanceReport): string[] {
  const { acpiReservations, kaslrCases } = r.unpredicted;
  return [
    ...(acpiReservations
      ? [
          `  not predicted, left out: ${acpiReservations} memblock_reserve calls of the firmware's ACPI tables (acpi_reserve_initial_tables)`,
        ]
      : []),
    ...(kaslrCases ? [`  not predicted: the kernel image's place in the ${kaslrCases} cases booted with KASLR (no nokaslr)`] : []),
  ];
}

export function registerConformance(program: Command): void {
  const cmd = program
    .command('conformance')
    .description('boot generated machines under QEMU with a real kernel and compare hvosim replay and hvosim boot --qemu with it')
    .option('--cases <n>', 'generated cases', '200')
    .option('--seed <s>', 'seed of the generator', '1')
    .option('--jobs <j>', 'QEMUs at a time', '2')
    .option(
      '--kernel <name>',
      `the kernel generation (${KERNEL_GENERATIONS.map((x) => x.name).join(', ')}: ` +
        `its Debian cloud kernel is downloaded with apt-get on first use and compared with the closest hvosim profile), ` +
        `or an hvosim profile or kernel version (7.2) with --kernel-image`,
      '6.1',
    )
    .addOption(new Option('--profile <name>', 'deprecated: --kernel').hideHelp())
    .option('--kernel-image <path>', `a kernel to boot instead of the generation's Debian kernel`)
    .option('--out <dir>', 'where logs and mismatches go', 'conformance-out')
    .option('--work <dir>', 'where the kernel, QEMU setup and initramfs are kept', join(tmpdir(), 'hvosim-oracle'))
    .option('--timeout <s>', 'seconds before a boot counts as hung', '300')
    .option('--from-logs <dir>', 'compare the logs an earlier run saved (OUT/logs) again, without booting')
    .option(
      '--walk-vmemmap',
      'also walk the vmemmap page tables in the guest after boot (a small static C program in the initramfs; ' +
        'gcc and libc6-dev are installed with apt-get if missing) and compare them entry by entry',
    )
    .option('--json', 'print the report as JSON');
  addBuildOptions(cmd)
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
  $ hvosim conformance --cases 20 --seed 7 --kernel 7.1
  $ hvosim conformance --cases 20 --seed 7 --kernel 7.1 --walk-vmemmap
  $ hvosim conformance --cases 10 --kernel-image /boot/vmlinuz-6.1.0-my-build --kernel 6.1

Kernel generations, their Debian packages and the profile each is compared with:
${KERNEL_GENERATIONS.map(
  (g) =>
    `  ${g.name.padEnd(5)} ${g.package} (${g.suite}) -> profile ${comparedProfile(g.name).profile}` +
    `${comparedProfile(g.name).validated ? '' : ' (unvalidated)'}`,
).join('\n')}
Packages outside the system's apt sources are fetched through a private apt configuration under --work;
nothing in /etc/apt changes.`,
    )
    .action(async (o: ConformanceCliOptions) => {
      const kernelName = o.profile ?? o.kernel;
      const { generation, profile, note } = conformanceKernel(kernelName, o, o.profile !== undefined ? '--profile' : '--kernel');
      if (o.profile !== undefined) process.stderr.write('hvosim: --profile is deprecated, use --kernel\n');
      if (note) process.stderr.write(`hvosim: note: ${note}\n`);
      // A user's own build (--kernel-image of it, or --from-logs of its boots): replay and boot --qemu use its options and facts.
      const own = profileWithOwnBuild(profile, o, await readBuildOption(o));
      const n = wholeOption(o.cases, '--cases', {
        what: 'a number of cases',
        min: 1,
        max: MAX_RUNS,
        why: 'the cases are made up front: for more, run more seeds',
      });
      const seed = wholeOption(o.seed, '--seed', { what: 'a seed', min: 0, max: MAX_SEED, why: "the generator's seeds are 32 bits" });
      const jobs = wholeOption(o.jobs, '--jobs', { what: 'a number of QEMUs at a time', min: 1, max: 1024 });
      const timeoutSec = wholeOption(o.timeout, '--timeout', {
        what: 'a number of seconds',
        min: 1,
        max: MAX_TIMEOUT_S,
        why: "Node's timers hold at most 2^31 - 1 ms",
      });
      if (o.fromLogs !== undefined && !existsSync(o.fromLogs))
        throw new InputError('no such directory', { file: o.fromLogs, field: '--from-logs' });
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
          profile: own,
          buildArgs: buildOptionsText(o),
          out: o.out,
          work: o.work,
          kernelImage: o.kernelImage,
          generation,
          walkVmemmap: o.walkVmemmap === true,
          timeoutSec,
          fromLogs: o.fromLogs,
          onCase: (r, done, total) => {
            // A bar on a terminal; one line a case elsewhere (CI logs keep them).
            if (tty) {
              bar ??= progress('booting under QEMU', total);
              bar.update(done);
            } else
              process.stderr.write(
                `${done}/${total} ${r.case.id} ${r.failed ? `FAILED: ${r.failed}` : `booted in ${r.seconds.toFixed(1)} s`}\n`,
              );
          },
        });
      } catch (e) {
        if (e instanceof OracleError)
          throw new InputError(`cannot set up the real kernel: ${e.message}`, { field: o.kernelImage ? '--kernel-image' : '--kernel' });
        throw e;
      }
      bar?.stop();
      const replayMiss = report.results.some((r) => r.replay?.mismatches.length);
      process.exitCode = replayMiss || report.failed.length ? 1 : 0;
      if (o.json)
        return printJson({
          ...report,
          results: report.results.map((r) => ({
            id: r.case.id,
            nodes: r.case.nodes,
            cmdline: r.case.cmdline,
            nr2m: r.case.nr2m,
            seconds: r.seconds,
            failed: r.failed,
            replay: r.replay && {
              observables: r.replay.observables,
              memblock: r.replay.memblock,
              mismatches: r.replay.mismatches.slice(0, REPLAY_JSON_LIST),
              mismatchesTotal: r.replay.mismatches.length,
            },
            qemu: r.qemu && { observables: r.qemu.observables, memblock: r.qemu.memblock, mismatches: r.qemu.mismatches.length },
          })),
        });
      const out = [
        o.fromLogs
          ? `hvosim conformance: ${report.cases} logs from ${o.fromLogs} compared again, profile ${profile} (${report.seconds.toFixed(0)} s)` +
            (report.skipped?.length ? `; ${report.skipped.length} other .txt files left out (not logs of a conformance run)` : '')
          : `hvosim conformance: ${report.cases} cases from seed ${seed} against ${report.kernel}, profile ${profile}: ` +
            `${report.booted} booted, ${report.failed.length} failed (${report.seconds.toFixed(0)} s)`,
        ...(note ? [`note: ${note}`] : []),
        '',
        'hvosim replay (our boot of the logged machine, other subsystems from the log):',
        rateTable(report, 'replay'),
        '',
        'hvosim boot --qemu (our boot from the QEMU command line alone, other subsystems estimated):',
        rateTable(report, 'qemu'),
        ...unpredictedLines(report),
      ];
      if (report.failed.length) out.push('', 'Boots that failed:', ...report.failed.map((f) => `  ${f.id}: ${f.reason}\n    ${f.command}`));
      const saved = report.results.filter(hasMismatch).length;
      out.push(
        '',
        `Logs: ${o.fromLogs ?? `${o.out}/logs`}; ` +
          `${saved} cases with a mismatch (beyond boot --qemu's memblock addresses) saved to ${o.out}/mismatches (log + .cmd).`,
      );
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
