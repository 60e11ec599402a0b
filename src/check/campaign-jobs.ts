// `hvosim check --jobs N`: the cases of a campaign shared out over worker threads.
//
// The cases are made once, here, and sent to every worker; the N workers take the next few cases
// from one shared counter (so a slow case holds up no one) and send back what each came to. The
// outcomes are read in case order (tally()), so the report is the one `--jobs 1` gives for the
// same seed; then the workers shrink the broken invariants, one each at a time, and the findings
// are put back in the order the invariants first broke. This thread only hands out and collects:
// booting here too, between the workers' messages, measured slower than leaving it to the workers.
import { Worker } from 'node:worker_threads';
import {
  campaignCases,
  campaignResult,
  judgeCase,
  shrinkFinding,
  tally,
  type CampaignOptions,
  type CampaignResult,
  type CaseOutcome,
  type CheckCase,
  type Finding,
  type FirstBreak,
} from './campaign.js';
import type { KernelProfile, ProfileName } from '../simulator.js';

/** Cases a thread takes at a time: few, so the last batches end together. */
const BATCH = 4;

/** What a shrink needs of the campaign's options (plain data: a message). */
export type ShrinkOptions = Pick<CampaignOptions, 'profile' | 'seed' | 'faults' | 'runs' | 'shrinkMs' | 'buildArgs'>;

/**
 * What a worker is given (a message; the workers stay for the next): the cases to judge, or the broken
 * invariants to shrink. `next`: the index of the next item nobody has taken (an Int32Array over a SharedArrayBuffer).
 */
export type JobsWorkerData =
  | { kind: 'judge'; cases: CheckCase[]; profile: ProfileName | KernelProfile; next: Int32Array }
  | { kind: 'shrink'; opts: ShrinkOptions; items: FirstBreak[]; next: Int32Array };

/** What a worker sends: the outcomes of the cases from `from` on, a finding, or that it has run out. */
export type JobsMessage = { from: number; outcomes: CaseOutcome[] } | { item: number; finding: Finding } | { done: true };

/** Take the next item to shrink: its index, or -1 when none is left. */
export function takeItem(next: Int32Array, total: number): number {
  const i = Atomics.add(next, 0, 1);
  return i < total ? i : -1;
}

/** Take the next batch of cases: its first index, or -1 when none is left. */
export function takeBatch(next: Int32Array, total: number): number {
  const i = Atomics.add(next, 0, BATCH);
  return i < total ? i : -1;
}

/** Judge the cases of one batch. */
export function judgeBatch(cases: CheckCase[], from: number, profile: ProfileName | KernelProfile): CaseOutcome[] {
  return cases.slice(from, from + BATCH).map((c) => judgeCase(c, profile));
}

/**
 * A worker running the worker's module: the bundle's own file beside this chunk
 * (dist/cli/campaign-worker.js, an entry of scripts/build-cli.ts), or, from the sources, the
 * TypeScript module behind tsx's loader (Node 20 does not load a worker's entry through the
 * loaders of --import, so the worker registers tsx itself before importing it).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  const options = { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  if (!here.endsWith('.ts')) return new Worker(new URL('./campaign-worker.js', here), options);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./campaign-worker.ts', here).href);
  return new Worker(`import(${api}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, ...options });
}

/**
 * A worker's young generation: a boot allocates a few MiB that die young, and a worker's default
 * (smaller than the main thread's) made it collect so often that it booted a quarter slower.
 */
const YOUNG_GENERATION_MB = 48;

/** The workers, kept between campaigns of one process (warm), never holding the process open. */
const pool: Worker[] = [];

/** Send `job` to each of `workers` and collect their messages until each says it is done. */
function runOnWorkers(
  workers: Worker[],
  job: JobsWorkerData,
  onMessage: (m: Exclude<JobsMessage, { done: true }>) => void,
): Promise<void[]> {
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const onMsg = (m: JobsMessage) => {
            if (!('done' in m)) return onMessage(m);
            worker.off('message', onMsg).off('error', onError).off('exit', onExit);
            resolve();
          };
          const onError = (e: Error) => reject(e);
          const onExit = (code: number) => reject(new Error(`a check worker stopped with exit status ${code}`));
          worker.on('message', onMsg).on('error', onError).on('exit', onExit);
          worker.postMessage(job);
        }),
    ),
  );
}

/** A campaign over `jobs` worker threads: the same result as runCampaign(). */
export async function runCampaignJobs(opts: CampaignOptions & { jobs: number }): Promise<CampaignResult> {
  const t0 = performance.now();
  const cases = campaignCases(opts);
  const outcomes: (CaseOutcome | undefined)[] = Array.from({ length: cases.length }, () => undefined);
  let done = 0;
  const wanted = Math.max(1, Math.min(opts.jobs, Math.ceil(cases.length / BATCH)));
  while (pool.length < wanted) {
    const w = startWorker();
    w.unref();
    pool.push(w);
  }
  const workers = pool.slice(0, wanted);
  const shrinkOpts: ShrinkOptions = {
    profile: opts.profile,
    seed: opts.seed,
    faults: opts.faults,
    runs: opts.runs,
    shrinkMs: opts.shrinkMs,
    buildArgs: opts.buildArgs,
  };
  let findings: (Finding | undefined)[] = [];
  let t: ReturnType<typeof tally>;
  try {
    const next = new Int32Array(new SharedArrayBuffer(4));
    await runOnWorkers(workers, { kind: 'judge', cases, profile: opts.profile, next }, (m) => {
      if (!('from' in m)) return;
      m.outcomes.forEach((o, k) => {
        outcomes[m.from + k] = o;
      });
      done += m.outcomes.length;
      opts.onProgress?.(done, cases.length);
    });
    const missing = outcomes.indexOf(undefined);
    if (missing >= 0) throw new Error(`check --jobs: case ${missing} was never judged`);
    t = tally(opts, cases, outcomes as CaseOutcome[]);
    findings = Array.from({ length: t.first.length }, () => undefined);
    // One invariant to shrink is shrunk here; more are shared out.
    if (t.first.length === 1) findings[0] = shrinkFinding(opts, t.first[0]!);
    else if (t.first.length > 1) {
      const shrinkNext = new Int32Array(new SharedArrayBuffer(4));
      const busy = workers.slice(0, t.first.length);
      await runOnWorkers(busy, { kind: 'shrink', opts: shrinkOpts, items: t.first, next: shrinkNext }, (m) => {
        if ('item' in m) findings[m.item] = m.finding;
      });
    }
  } catch (e) {
    // A worker that failed is not trusted again.
    await Promise.all(pool.splice(0).map((w) => w.terminate()));
    throw e;
  }
  const unshrunk = findings.indexOf(undefined);
  if (unshrunk >= 0) throw new Error(`check --jobs: invariant ${t.first[unshrunk]!.invariant} was never shrunk`);
  return campaignResult(opts, t, findings as Finding[], t0);
}
