// A worker thread of `hvosim check --jobs N` (campaign-jobs.ts): it takes batches of cases from
// the shared counter until none is left, and sends back what each came to.
import { parentPort, workerData } from 'node:worker_threads';
import { judgeBatch, takeBatch, type JobsMessage, type JobsWorkerData } from './campaign-jobs.js';

const { cases, profile, next } = workerData as JobsWorkerData;
for (let i = takeBatch(next, cases.length); i >= 0; i = takeBatch(next, cases.length)) {
  const m: JobsMessage = { from: i, outcomes: judgeBatch(cases, i, profile) };
  parentPort!.postMessage(m);
}
parentPort!.postMessage({ done: true } satisfies JobsMessage);
