// The input readers under fuzzing (scripts/fuzz.ts; run by hand with 10,000 inputs per reader):
// every input is read or refused with an InputError, never another exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayMemblock } from '../../src/trace/replay.js';
import { InputError } from '../../src/util/errors.js';
import { fuzz } from '../../scripts/fuzz.js';
import { fixtureFiles, read } from '../helpers.js';

describe('fuzzing the readers (a few hundred inputs each; scripts/fuzz.ts runs more)', () => {
  for (const r of fuzz(Number(process.env.HVOSIM_FUZZ_RUNS ?? 200), Number(process.env.HVOSIM_FUZZ_SEED ?? 7))) {
    test(r.reader, () => {
      assert.deepEqual(r.uncaught, [], `${r.uncaught.length} inputs raised something else than an InputError`);
      assert.ok(r.runs > 0);
    });
  }
});

describe('what the fuzzing found', () => {
  test('a MEMBLOCK dump with its regions out of order is bad input (exit 2), not an internal error', () => {
    const file = fixtureFiles().find((f) => f.includes('n02-3node-1g3'))!;
    const lines = read(file).split('\n');
    const i = lines.findIndex((l) => / reserved\[0x0\]/.test(l));
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    assert.throws(
      () => replayMemblock(parseKernelLog(lines.join('\n'), 'swapped.txt')),
      (e) => e instanceof InputError && /reserved\[1\] overlaps or comes before/.test(e.describe()),
    );
  });
});
