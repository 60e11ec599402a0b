// A worker thread of `hvosim check --jobs N` (campaign-jobs.ts): for each campaign it is sent, it
// takes batches of cases from the shared counter until none is left, and sends back what each came to.
import { parentPort } from 'node:worker_threads';
import { judgeBatch, takeBatch, type JobsMessage, type JobsWorkerData } from './campaign-jobs.js';

parentPort!.on('message', ({ cases, profile, next }: JobsWorkerData) => {
  for (let i = takeBatch(next, cases.length); i >= 0; i = takeBatch(next, cases.length)) {
    const m: JobsMessage = { from: i, outcomes: judgeBatch(cases, i, profile) };
    parentPort!.postMessage(m);
  }
  parentPort!.postMessage({ done: true } satisfies JobsMessage);
});
