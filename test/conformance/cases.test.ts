// The conformance harness without QEMU: cases from a seed, their QEMU machine, and the comparison both modes use.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { caseQemuArgs, generateCases, MAX_GUEST_MIB } from '../../src/conformance/cases.js';
import { caseKernelCmdline } from '../../src/conformance/oracle.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { compareBoot, replayFixture } from '../../src/trace/observe.js';
import { read, ROOT } from '../helpers.js';
import { join } from 'node:path';

describe('conformance cases', () => {
  const cases = generateCases(200, 1);
  test('the same seed gives the same cases; another seed others', () => {
    assert.deepEqual(generateCases(200, 1), cases);
    assert.notDeepEqual(generateCases(20, 2), cases.slice(0, 20));
  });
  test('machines fit: 1 to 8 nodes, each at least 1 GiB, at most 16 GiB in all, sizes in 256 MiB steps, not always whole GiB', () => {
    for (const c of cases) {
      assert.ok(c.nodes.length >= 1 && c.nodes.length <= 8);
      assert.ok(c.nodes.every((m) => m >= 1024 && m % 256 === 0));
      assert.ok(c.nodes.reduce((a, b) => a + b, 0) <= MAX_GUEST_MIB + 8 * 256);
    }
    assert.ok(cases.some((c) => c.nodes.some((m) => m % 1024 !== 0)));
  });
  test('command lines cover every form the issue names', () => {
    const all = cases.map((c) => caseKernelCmdline(c)).join('\n');
    for (const re of [
      /hugepagesz=1G hugepages=\d+\b/,
      /hugepages=\d+:\d+,/,
      /hugepagesz=2M hugepages=/,
      /default_hugepagesz=1G/,
      /default_hugepagesz=2M/,
      /hugetlb_free_vmemmap=on/,
      /hugetlb_free_vmemmap=off/,
      /movablecore=\d+M/,
      /movablecore=\d+%/,
      /kernelcore=\d+M/,
      /hvosim_nr2m=\d+/,
    ])
      assert.match(all, re);
  });
  test("the case's QEMU arguments describe its machine", () => {
    for (const c of cases.slice(0, 30)) {
      const m = parseQemuArgs(caseQemuArgs(c));
      assert.equal(m.nodes.length, c.nodes.length);
      assert.ok(m.cpu.features.includes('pdpe1gb'));
    }
  });
});

describe('the two comparisons of a conformance case', () => {
  const file = join(ROOT, 'test/fixtures/linux-6.1/p02-2node-1g2-hvo.txt');
  const log = parseKernelLog(read(file), file);
  test('replay matches every observable of a real boot', () => {
    const r = replayFixture(log);
    assert.equal(r.observables.matched, r.observables.total);
  });
  test('boot --qemu compares the same observables from the QEMU command line alone', () => {
    const m = parseQemuArgs(
      '-machine q35 -cpu qemu64,+pdpe1gb -m 6G -object memory-backend-ram,id=a,size=3G -numa node,nodeid=0,memdev=a ' +
        '-object memory-backend-ram,id=b,size=3G -numa node,nodeid=1,memdev=b',
    );
    const r = compareBoot(log, (l) => boot({ ...m, cmdline: l.cmdline ?? '' }, { profile: '6.1', others: estimatedOthers }));
    assert.equal(r.byKind.hugepages!.matched, r.byKind.hugepages!.total);
    assert.ok(r.observables.total > 20);
  });
});
