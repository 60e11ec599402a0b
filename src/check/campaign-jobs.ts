// `hvosim check --jobs N`: the cases of a campaign shared out over worker threads.
//
// The cases are made once, here, and sent to every worker; the N workers take the next few cases
// from one shared counter (so a slow case holds up no one) and send back what each came to. The
// outcomes are read in case order (summarize()), so the report is the one `--jobs 1` gives for
// the same seed. This thread only hands out and collects: booting here too, between the workers'
// messages, measured slower than leaving it to the workers.
import { Worker } from 'node:worker_threads';
import {
  campaignCases,
  judgeCase,
  summarize,
  type CampaignOptions,
  type CampaignResult,
  type CaseOutcome,
  type CheckCase,
} from './campaign.js';
import type { KernelProfile, ProfileName } from '../simulator.js';

/** Cases a thread takes at a time: few, so the last batches end together. */
const BATCH = 4;

/** What a worker is given for one campaign (a message; the workers stay for the next). */
export interface JobsWorkerData {
  cases: CheckCase[];
  profile: ProfileName | KernelProfile;
  /** The index of the next case nobody has taken (an Int32Array over a SharedArrayBuffer). */
  next: Int32Array;
}

/** What a worker sends: the outcomes of the cases from `from` on, or that it has run out. */
export type JobsMessage = { from: number; outcomes: CaseOutcome[] } | { done: true };

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

/** A campaign over `jobs` worker threads: the same result as runCampaign(). */
export async function runCampaignJobs(opts: CampaignOptions & { jobs: number }): Promise<CampaignResult> {
  const t0 = performance.now();
  const cases = campaignCases(opts);
  const outcomes: (CaseOutcome | undefined)[] = Array.from({ length: cases.length }, () => undefined);
  const next = new Int32Array(new SharedArrayBuffer(4));
  let done = 0;
  const record = (from: number, got: CaseOutcome[]) => {
    got.forEach((o, k) => {
      outcomes[from + k] = o;
    });
    done += got.length;
    opts.onProgress?.(done, cases.length);
  };
  const wanted = Math.max(1, Math.min(opts.jobs, Math.ceil(cases.length / BATCH)));
  while (pool.length < wanted) {
    const w = startWorker();
    w.unref();
    pool.push(w);
  }
  const job: JobsWorkerData = { cases, profile: opts.profile, next };
  const finished = pool.slice(0, wanted).map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        const onMessage = (m: JobsMessage) => {
          if (!('done' in m)) return record(m.from, m.outcomes);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          resolve();
        };
        const onError = (e: Error) => reject(e);
        const onExit = (code: number) => reject(new Error(`a check worker stopped with exit status ${code}`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
        worker.postMessage(job);
      }),
  );
  try {
    await Promise.all(finished);
  } catch (e) {
    // A worker that failed is not trusted again.
    await Promise.all(pool.splice(0).map((w) => w.terminate()));
    throw e;
  }
  const missing = outcomes.indexOf(undefined);
  if (missing >= 0) throw new Error(`check --jobs: case ${missing} was never judged`);
  return summarize(opts, cases, outcomes as CaseOutcome[], t0);
}
