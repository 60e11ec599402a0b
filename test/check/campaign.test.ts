// Reproducers of check campaigns: the QEMU arguments must be what QEMU's q35 takes (memory
// backends, not -numa node,mem=, which q35 refuses from QEMU 5.1 on) and describe the case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs, reproducer } from '../../src/check/campaign.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { machineRamBytes } from '../../src/machine/types.js';
import { MiB } from '../../src/util/units.js';

describe('campaign reproducers', () => {
  test("law: every case's QEMU arguments parse as QEMU would take them, with the case's nodes and CPU", () => {
    fc.assert(
      fc.property(caseArb(true), (c) => {
        const args = qemuArgs(c);
        assert.doesNotMatch(args, /mem=/);
        const m = parseQemuArgs(args);
        assert.equal(m.nodes.length, c.nodes.length);
        assert.equal(m.cpu.features.includes('pdpe1gb'), c.gbpages);
        // SeaBIOS keeps back the top of low RAM and the first MiB's holes: RAM is the nodes' sum less those.
        const sum = c.nodes.reduce((a, b) => a + b, 0) * MiB;
        assert.ok(machineRamBytes(m) < sum && machineRamBytes(m) > sum - 2 * MiB);
        assert.match(reproducer(c, '6.1'), /^hvosim boot --kernel 6\.1 --qemu "-machine q35 /);
      }),
      { numRuns: 200 },
    );
  });
});
