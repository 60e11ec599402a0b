// A worker thread of `hvosim check --jobs N` (campaign-jobs.ts): for each job it is sent, it takes items from the
// shared counter until none is left (batches of cases to judge, or broken invariants to shrink) and sends back
// what each came to.
import { parentPort } from 'node:worker_threads';
import { shrinkFinding } from './campaign.js';
import { judgeBatch, takeBatch, takeItem, type JobsMessage, type JobsWorkerData } from './campaign-jobs.js';

parentPort!.on('message', (job: JobsWorkerData) => {
  if (job.kind === 'judge') {
    const { cases, profile, next } = job;
    for (let i = takeBatch(next, cases.length); i >= 0; i = takeBatch(next, cases.length))
      parentPort!.postMessage({ from: i, outcomes: judgeBatch(cases, i, profile) } satisfies JobsMessage);
  } else {
    const { opts, items, next } = job;
    for (let i = takeItem(next, items.length); i >= 0; i = takeItem(next, items.length))
      parentPort!.postMessage({ item: i, finding: shrinkFinding(opts, items[i]!) } satisfies JobsMessage);
  }
  parentPort!.postMessage({ done: true } satisfies JobsMessage);
});
