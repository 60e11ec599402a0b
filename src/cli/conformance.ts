// hvosim conformance: hvosim against a real kernel booted under QEMU, on generated cases.
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceReport } from '../conformance/run.js';
import { parseShard } from '../conformance/record.js';
import { printRecord } from './conformance-report.js';
import {
  addBuildOptions,
  type BuildOptions,
  buildOptionsText,
  profileWithOwnBuild,
  readBuildOption,
  readImageOption,
} from './build-options.js';
import type { KernelImage } from './kernel-image.js';
import { comparedProfile, KERNEL_GENERATIONS, kernelGeneration } from '../conformance/kernels.js';
import { PROFILE_NAMES as PROFILES, resolveKernel, type ProfileName as Profile } from '../simulator.js';
import { InputError } from '../util/errors.js';
import { interactiveStderr, progress } from './output.js';
import { CASES_OPTION, MAX_RUNS, MAX_SEED, SEED_OPTION, wholeOption } from './options.js';

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
  shard?: string;
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
      `profiles: ${PROFILES.join(', ')}; or a kernel version such as 6.18.3)`,
    { field },
  );
}

export function registerConformance(program: Command): void {
  const cmd = program
    .command('conformance')
    // Options before "merge" or "k8s-job" are the run's, after it the subcommand's (both have --cases, --json, ...).
    .enablePositionalOptions()
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
    .option(
      '--kernel-image <path>',
      `a kernel to boot instead of the generation's Debian kernel; its build facts (place, size, freed parts, IKCONFIG) are compared with too`,
    )
    .option('--out <dir>', 'where logs and mismatches go', 'conformance-out')
    .option('--work <dir>', 'where the kernel, QEMU setup and initramfs are kept', join(tmpdir(), 'hvosim-oracle'))
    .option('--timeout <s>', 'seconds before a boot counts as hung', '300')
    .option('--from-logs <dir>', 'compare the logs an earlier run saved (OUT/logs) again, without booting')
    .option(
      '--shard <K/N>',
      'run only shard K of N (counted from 0): the cases whose index i (0-based, in generation order, or the logs of --from-logs ' +
        'in name order) has i % N == K; "hvosim conformance merge" makes the shards\' folders one report',
    )
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

Every run also leaves OUT/report.json (every case's counts); a run cut in shards on several machines
(--shard 0/4 ... --shard 3/4, each with its own --out) is put back together by
"hvosim conformance merge OUT0 OUT1 OUT2 OUT3", which prints the report one run of all the cases prints.

Examples:
  $ hvosim conformance --cases 200 --seed 1 --jobs 2
  $ hvosim conformance --cases 200 --seed 1 --shard 0/2 --out shard-0      (and 1/2 on another machine)
  $ hvosim conformance merge shard-0 shard-1
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
      // A user's own build (--kernel-image of it, or --from-logs of its boots): replay and boot --qemu use its options and
      // facts: a --build file's, else --config's and those the image gives (one hvosim cannot read still boots).
      const described = await readBuildOption(o);
      let image: KernelImage | undefined;
      if (!described && o.kernelImage !== undefined) {
        try {
          image = await readImageOption(o);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          process.stderr.write(`hvosim: note: ${e.describe()}; its build facts stay profile ${profile}'s\n`);
        }
      }
      const own = profileWithOwnBuild(profile, o, described, image);
      const n = wholeOption(o.cases, '--cases', CASES_OPTION);
      const seed = wholeOption(o.seed, '--seed', SEED_OPTION);
      const jobs = wholeOption(o.jobs, '--jobs', { what: 'a number of QEMUs at a time', min: 1, max: 1024 });
      const timeoutSec = wholeOption(o.timeout, '--timeout', {
        what: 'a number of seconds',
        min: 1,
        max: MAX_TIMEOUT_S,
        why: "Node's timers hold at most 2^31 - 1 ms",
      });
      const shard = o.shard === undefined ? undefined : parseShard(o.shard);
      if (shard && o.fromLogs === undefined && shard.n > n)
        throw new InputError(`${shard.n} shards of ${n} cases: some would have none (at most --cases shards)`, { field: '--shard' });
      if (o.fromLogs !== undefined && !existsSync(o.fromLogs))
        throw new InputError('no such directory', { file: o.fromLogs, field: '--from-logs' });
      const tty = interactiveStderr();
      let bar: ReturnType<typeof progress> | undefined;
      // The generator (fast-check) and QEMU plumbing load only when this command runs.
      const { runConformance } = await import('../conformance/run.js');
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
          shard,
          note,
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
      // --from-logs: the .txt files that are no case's log are left out, and said.
      if (report.skipped?.length) {
        const left = `${report.skipped.length} other .txt files left out (not logs of a conformance run)`;
        report.record.note = report.record.note ? `${report.record.note}; ${left}` : left;
      }
      printRecord(report.record, o.json === true);
    });
  registerMerge(cmd);
  registerK8sJob(cmd);
}

/** hvosim conformance merge DIR...: the shards of one run, one report. */
function registerMerge(parent: Command): void {
  parent
    .command('merge')
    .description('merge the folders of the shards of one run (--shard K/N, each its --out) into the report one run of all the cases prints')
    .argument('<dir...>', "the shards' --out folders (each holds report.json)")
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
The folders must be every shard of one run, each once: the same seed, number of cases, kernel, profile and
build, cut in the same number of shards. Exit status 1 when a replay observable mismatched or a boot failed,
as for the run itself.

Example:
  $ hvosim conformance merge shard-0 shard-1 shard-2 shard-3`,
    )
    .action(async (dirs: string[], o: { json?: boolean }) => {
      const { mergeRecords, readRecord } = await import('../conformance/record.js');
      printRecord(mergeRecords(dirs.map((dir) => ({ dir, record: readRecord(dir) }))), o.json === true);
    });
}

interface K8sCliOptions {
  shards: string;
  parallelism?: string;
  cases: string;
  seed: string;
  kernel: string;
  jobs: string;
  timeout: string;
  walkVmemmap?: boolean;
  image: string;
  name: string;
  claim: string;
  memory: string;
  mergePod?: boolean;
}

/** hvosim conformance k8s-job: the Kubernetes Indexed Job of a sharded run, as JSON for kubectl apply -f. */
function registerK8sJob(parent: Command): void {
  parent
    .command('k8s-job')
    .description('print a Kubernetes Indexed Job (JSON, for kubectl apply -f) whose pod K runs shard K/N of a conformance run')
    .requiredOption('--shards <n>', 'shards (the Job\'s completions): pod K runs "--shard K/N"')
    .option('--parallelism <p>', 'pods at a time (default: every shard at once)')
    .option('--cases <n>', 'generated cases of the whole run', '200')
    .option('--seed <s>', 'seed of the generator', '1')
    .option('--kernel <name>', `the kernel generation (${KERNEL_GENERATIONS.map((x) => x.name).join(', ')}), fetched by each pod`, '6.1')
    .option('--jobs <j>', 'QEMUs at a time in each pod (also its CPU request)', '2')
    .option('--timeout <s>', 'seconds before a boot counts as hung', '300')
    .option('--walk-vmemmap', 'also walk the vmemmap page tables in the guest')
    .requiredOption('--image <ref>', "the image built from the repository's Dockerfile, as the cluster pulls it")
    .option('--name <name>', "the Job's name; the shards write /results/NAME/shard-K", 'hvosim-conformance')
    .option(
      '--claim <pvc>',
      'the PersistentVolumeClaim mounted at /results (ReadWriteMany when pods run on several nodes)',
      'hvosim-results',
    )
    .option('--memory <quantity>', "each pod's memory request (not measured here: raise it if pods are killed for memory)", '8Gi')
    .option('--merge-pod', 'print instead the pod that merges the shards once the Job is complete')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim conformance k8s-job --shards 8 --cases 400 --kernel 7.3 --image registry.example/hvosim:1 > job.json
  $ kubectl apply -f job.json && kubectl wait --for=condition=complete --timeout=24h job/hvosim-conformance
  $ hvosim conformance k8s-job --shards 8 --cases 400 --kernel 7.3 --image registry.example/hvosim:1 --merge-pod > merge.json
  $ kubectl apply -f merge.json && kubectl logs -f pod/hvosim-conformance-merge`,
    )
    .action(async (o: K8sCliOptions) => {
      const cases = wholeOption(o.cases, '--cases', { what: 'a number of cases', min: 1, max: MAX_RUNS });
      const shards = wholeOption(o.shards, '--shards', {
        what: 'a number of shards',
        min: 1,
        max: cases,
        why: 'at most --cases, or some shards would have none',
      });
      const parallelism =
        o.parallelism === undefined
          ? shards
          : wholeOption(o.parallelism, '--parallelism', { what: 'a number of pods', min: 1, max: shards });
      const seed = wholeOption(o.seed, '--seed', { what: 'a seed', min: 0, max: MAX_SEED });
      const jobs = wholeOption(o.jobs, '--jobs', { what: 'a number of QEMUs at a time', min: 1, max: 1024 });
      const timeoutSec = wholeOption(o.timeout, '--timeout', { what: 'a number of seconds', min: 1, max: MAX_TIMEOUT_S });
      // A pod boots a Debian kernel it fetches itself: a generation, not a profile or a kernel image.
      if (!kernelGeneration(o.kernel))
        throw new InputError(`"${o.kernel}" is not a kernel generation (${KERNEL_GENERATIONS.map((x) => x.name).join(', ')})`, {
          field: '--kernel',
        });
      // Pod names are NAME-K-xxxxx and host names NAME-K: a DNS label of at most 63 characters.
      if (!/^[a-z0-9]([a-z0-9-]{0,45}[a-z0-9])?$/.test(o.name))
        throw new InputError(
          `"${o.name}" is not a Job name: lower-case letters, digits and '-', at most 47, not starting or ending with '-'`,
          {
            field: '--name',
          },
        );
      if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(o.claim))
        throw new InputError(`"${o.claim}" is not a PersistentVolumeClaim name`, { field: '--claim' });
      if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(o.memory))
        throw new InputError(`"${o.memory}" is not a Kubernetes memory quantity (such as 8Gi)`, { field: '--memory' });
      if (!o.image.trim() || /\s/.test(o.image)) throw new InputError(`"${o.image}" is not an image reference`, { field: '--image' });
      const { k8sJob, k8sMergePod } = await import('../conformance/k8s.js');
      const c = {
        name: o.name,
        image: o.image,
        shards,
        parallelism,
        cases,
        seed,
        kernel: o.kernel,
        jobs,
        timeoutSec,
        walkVmemmap: o.walkVmemmap === true,
        claim: o.claim,
        memory: o.memory,
      };
      process.stdout.write(`${JSON.stringify(o.mergePod ? k8sMergePod(c) : k8sJob(c), null, 2)}\n`);
    });
}
