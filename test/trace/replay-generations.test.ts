// The memblock replay of every recorded boot of every generation, each against the profile its own
// "Linux version" line names: every allocation and both MEMBLOCK dumps match, including the node and
// flags (MEMBLOCK_RSRV_KERN, MEMBLOCK_KHO_SCRATCH) the kernels of 6.16 on print in them.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayMemblock } from '../../src/trace/replay.js';
import { profileOfLog } from '../../src/conformance/kernels.js';
import { ROOT, read } from '../helpers.js';

for (const gen of ['6.1', '6.12', '6.16', '7.0', '7.1', '7.2', '7.3']) {
  const dir = join(ROOT, 'test/fixtures', `linux-${gen}`);
  const files = readdirSync(dir).filter((n) => n.endsWith('.txt'));
  describe(`memblock replay of the ${gen} boots`, () => {
    test('there are boots to replay', () => assert.ok(files.length >= 20));
    for (const name of files) {
      test(name, () => {
        const log = parseKernelLog(read(join(dir, name)), name);
        const { profile } = profileOfLog(log.dmesg);
        assert.equal(profile, gen);
        const r = replayMemblock(log, { profile });
        assert.deepEqual(r.mismatches, []);
        assert.equal(r.matched, r.calls);
        assert.equal(r.dumps.total, 2);
        assert.equal(r.dumps.matched, 2);
        assert.equal(r.numa.matched, r.numa.total);
        assert.equal(r.truncated, false);
      });
    }
  });
}
