// Real boots from the conformance run that replay does not match in full: the
// known limitations, kept as fixtures. Every memblock call and every log line
// must still match; only the listed kinds of observable may differ.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { profileOfLog } from '../../src/conformance/kernels.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/conformance-known');
const known = JSON.parse(read(join(DIR, 'KNOWN.json'))) as { fixtures: Record<string, { kinds: string[]; why: string }> };

describe('conformance cases kept as known limitations', () => {
  test('every kept log is listed, and every listed one is kept', () => {
    assert.deepEqual(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.txt'))
        .sort(),
      Object.keys(known.fixtures).sort(),
    );
  });
  for (const [file, k] of Object.entries(known.fixtures)) {
    test(`${file}: ${k.kinds.length ? `only ${k.kinds.join(', ')} may differ, and does` : 'matches in full'} (${k.why})`, () => {
      const log = parseKernelLog(read(join(DIR, file)), join(DIR, file));
      const r = replayFixture(log, profileOfLog(log.dmesg).profile);
      assert.equal(r.memblock.matched, r.memblock.total);
      const unexpected = r.mismatches.filter((m) => !k.kinds.some((kind) => m.what.startsWith(kind)));
      assert.deepEqual(unexpected, []);
      // A kind listed that no longer differs is a fix to record (an empty list).
      for (const kind of k.kinds)
        assert.ok(
          r.mismatches.some((m) => m.what.startsWith(kind)),
          `${kind} matches now`,
        );
    });
  }
});
