// hvosim check: a randomized campaign of boots with every invariant checked after every step.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { addBuildOptions, bootBuildArgs, type BuildOptions, buildOrigin, profilesWithOwnBuild } from './build-options.js';
import { DEFAULT_PROFILE } from '../simulator.js';
import { INVARIANTS } from '../check/invariants.js';
import { parseKernel } from './boot.js';
import { CASES_OPTION, SEED_OPTION, wholeOption } from './options.js';
import { printJson, progress, table } from './output.js';

interface CheckCliOptions extends BuildOptions {
  kernel: string;
  faults?: boolean;
  runs: string;
  seed: string;
  json?: boolean;
  jobs?: string;
}

/**
 * Runs from which --jobs defaults to the cores. Whole processes on 2 cores (7.3, cold): 200 runs
 * 1.1 s at --jobs 1 against 1.6 s at 2, 1,000 runs 2.6 against 3.3 s, 5,000 runs 11 s both ways.
 */
const JOBS_FROM_RUNS = 10_000;

/** The most threads --jobs takes: more than any machine's cores buys nothing. */
const MAX_JOBS = 1024;

export function registerCheck(program: Command): void {
  addBuildOptions(program.command('check'))
    .description('boot generated machines and command lines (and injected faults) with every invariant checked after every step')
    .option('--kernel <profile>', 'kernel profile or kernel version (7.2)', DEFAULT_PROFILE.name)
    .option('--faults', 'inject memblock allocation failures (the Nth allocation, a kernel function, a node)')
    .option('--runs <n>', 'generated cases', '200')
    .option('--seed <s>', 'seed of the generator (same seed, same cases)', '1')
    .option('--json', 'print the findings as JSON')
    .option('--kernel-image <path>', 'your kernel (a bzImage): its build facts (place, size, pg_data_t, per-cpu, IKCONFIG)')
    .option(
      '--jobs <n>',
      `threads that boot cases (default: one per core from ${JOBS_FROM_RUNS.toLocaleString('en')} runs on, else 1: each thread warms its JIT up ` +
        'over its first ~1,500 cases, so short campaigns run faster in one); the findings are the same for any N',
    )
    .addHelpText(
      'after',
      `
Invariants:
${INVARIANTS.map((i) => `  ${i.name.padEnd(26)} ${i.describe}`).join('\n')}

Each invariant that breaks is reported once, with how many cases broke it and
the smallest case fast-check shrinks it to, as a command that reproduces it.
Exit status 1 when any invariant broke. With --jobs N the cases are shared
out over N threads and read back in case order: the report is the same as
with --jobs 1 (but for the seconds).

Examples:
  $ hvosim check --kernel 6.15 --runs 1000
  $ hvosim check --kernel hvo-v7 --faults --runs 1000 --seed 7
  $ hvosim check --kernel 6.1 --runs 50 --json
  $ hvosim check --runs 2000 --jobs 2`,
    )
    .action(async (o: CheckCliOptions) => {
      // fast-check loads only when a campaign runs.
      const { runCampaign } = await import('../check/campaign.js');
      const { runCampaignJobs } = await import('../check/campaign-jobs.js');
      const kernel = parseKernel(o.kernel);
      const profile = kernel.profile;
      // A build of the user's (--build, --config, --kernel-image): every case boots it, and the reproducers say it.
      const [own] = await profilesWithOwnBuild([profile], o);
      const buildArgs = bootBuildArgs(o);
      const runs = wholeOption(o.runs, '--runs', CASES_OPTION);
      const seed = wholeOption(o.seed, '--seed', SEED_OPTION);
      const jobs =
        o.jobs === undefined
          ? runs >= JOBS_FROM_RUNS
            ? availableParallelism()
            : 1
          : wholeOption(o.jobs, '--jobs', { what: 'a number of threads', min: 1, max: MAX_JOBS, why: 'one per processor is enough' });
      const bar = progress(`checking ${profile}`, runs);
      const campaign = { profile: own!, buildArgs, runs, seed, faults: !!o.faults, onProgress: (done: number) => bar.update(done) };
      const r = jobs > 1 ? await runCampaignJobs({ ...campaign, jobs }) : runCampaign(campaign);
      bar.stop();
      process.exitCode = r.findings.length ? 1 : 0;
      const build = typeof own === 'string' || !own ? null : buildOrigin(own);
      if (o.json) return printJson({ ...r, kernel, build });
      const out: string[] = [];
      const died = r.panics.reduce((a, p) => a + p.cases, 0);
      out.push(
        `hvosim check: kernel ${profile}, ${runs} cases from seed ${seed}${o.faults ? ', with injected faults' : ''}: ` +
          `${r.clean} clean, ${died} died as the kernel would, ${r.findings.length} invariants broken (${r.seconds.toFixed(1)} s)`,
      );
      if (kernel.note) out.push(`note: ${kernel.note}.`);
      if (buildArgs) out.push(`build: every case boots with${buildArgs}`);
      if (died)
        out.push(
          '',
          'Boots that died (the kernel panics or oopses on these faults):',
          table([['cases', 'how', 'one of them'], ...r.panics.map((p) => [String(p.cases), p.reason, p.reproducer])]),
        );
      if (r.findings.length) {
        out.push(
          '',
          table([
            ['invariant', 'cases', 'first seen after', 'heals by the end'],
            ...r.findings.map((f) => [f.invariant, String(f.cases), f.violation.step, f.violation.atEnd ? 'no' : 'yes']),
          ]),
        );
        for (const f of r.findings) out.push('', `${f.invariant}: ${f.violation.message}`, `  reproduce: ${f.reproducer}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
