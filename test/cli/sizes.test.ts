// One size syntax for every size hvosim reads: a machine file's, QEMU's properties and --plan-margin agree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseMargin } from '../../src/report/plan.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { parseSize } from '../../src/util/units.js';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const sizeText = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 4096 }), fc.constantFrom('', 'K', 'M', 'G', 'T', 'P', 'E', 'k', 'm', 'g', 't', 'p', 'e'))
    .map(([n, u]) => `${n}${u}`),
  fc.integer({ min: 0, max: 2 ** 40 }).map((n) => `0x${n.toString(16)}`),
);

describe('sizes', () => {
  test('--plan-margin reads a size exactly as a machine file does (1P, 0x40000000, 4096)', () => {
    fc.assert(
      fc.property(sizeText, (v) => {
        const bytes = parseSize(v);
        const m = parseMargin(v);
        if (bytes === null) assert.equal(m, null, v);
        else assert.deepEqual(m, { bytes }, v);
      }),
    );
    assert.deepEqual(parseMargin('1P'), { bytes: 2 ** 50 });
    assert.deepEqual(parseMargin('0x40000000'), { bytes: 2 ** 30 });
  });
  test('a machine file and a QEMU object property read the same sizes', () => {
    for (const v of ['3G', '3072M', '0xc0000000', '3221225472']) {
      const j = loadMachineJson(JSON.stringify({ q35: { nodes: [v] } }), 'm.json');
      const q = parseQemuArgs(`-m 3G -object memory-backend-ram,id=a,size=${v} -numa node,memdev=a`);
      assert.deepEqual(j.e820, q.e820, v);
    }
  });
  test('boot --plan-margin 1P: accepted; no count keeps it free, and it says so (no recommendation in --json)', () => {
    const r = hvosim('boot', '--plan-margin', '1P');
    assert.ok(r.code === 0, r.err);
    assert.match(r.out, /Even with no 1 GiB pages the machine keeps less than the 1 PiB free that the planner keeps/);
    assert.doesNotMatch(r.out, /That leaves more than the 1 PiB/);
    const j = JSON.parse(hvosim('boot', '--plan-margin', '1P', '--json').out);
    assert.equal(j.plan.sizes[0].recommended, undefined);
  });
});
