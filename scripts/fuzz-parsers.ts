// Fuzz the parsers of outside input with many inputs each (default 10,000):
//   npx tsx scripts/fuzz-parsers.ts [RUNS] [SEED]
// Prints, per parser, the inputs tried and the failures (an exception other than InputError,
// or an InputError of more than one line); exits 1 on any failure.
import fc from 'fast-check';
import { fuzzProperties } from '../test/fuzz/parsers.js';

const runs = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
let failed = 0;
console.log(`fuzzing with ${runs} inputs per parser, seed ${seed}`);
for (const [name, prop] of Object.entries(fuzzProperties())) {
  const t = Date.now();
  const r = fc.check(prop, { numRuns: runs, seed });
  const secs = ((Date.now() - t) / 1000).toFixed(1);
  if (r.failed) {
    failed++;
    console.log(
      `${name}: FAILED after ${r.numRuns} inputs (${secs} s): ${fc.stringify(r.counterexample)}\n  ${String(r.errorInstance).split('\n')[0]}`,
    );
  } else {
    console.log(`${name}: ${r.numRuns} inputs, 0 uncaught exceptions (${secs} s)`);
  }
}
process.exit(failed ? 1 : 0);
