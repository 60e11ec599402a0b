// One size formatter for people (formatBytes, humanSize is the same function): whole sizes read
// whole, others are cut down, never rounded up to look whole.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatBytes } from '../../src/util/format.js';
import { humanSize } from '../../src/util/units.js';
import { PRESETS } from '../../src/machine/presets.js';

const UNIT: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50, EiB: 2 ** 60 };

describe('formatBytes', () => {
  test('node sizes of the default preset: 3 GiB less the 640K-1M hole is not printed as "3.0 GiB" beside "3 GiB"', () => {
    const m = PRESETS.default!.build();
    const sizes = m.nodes.map((n) => formatBytes(n.ranges.reduce((a, r) => a + r.end - r.start, 0)));
    assert.deepEqual(sizes, ['2.99 GiB', '3 GiB']);
    assert.equal(humanSize, formatBytes);
  });
  test('law: the printed size is never more than the size and less by under a hundredth of its unit; whole sizes print whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (b) => {
        const [num, unit] = formatBytes(b).split(' ');
        const shown = Number(num) * UNIT[unit!]!;
        assert.ok(shown <= b + 1e-6 * b, `${formatBytes(b)} > ${b}`);
        assert.ok(b - shown < UNIT[unit!]! / 100 + 1e-6 * b, `${formatBytes(b)} too far below ${b}`);
        if (b % UNIT[unit!]! === 0) assert.match(num!, /^\d+$/);
      }),
    );
  });
});
