// build_all_zonelists() and allocations without __GFP_THISNODE: each node's fallback order as the
// kernel prints it ("Fallback order for Node N: ..."), and HVO's head copy and shared tail taken from
// the next node in it when the folio's node holds only ZONE_MOVABLE. Held to real boots of Debian's
// 7.1.13 and 6.16.12 (case c035 of `hvosim conformance --seed 20261205`: kernelcore=44M on five nodes,
// 1681 pages of 2 MiB at boot, nodes 1 to 4 all Movable).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { replayedOthers } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/zonelist-fallback');
const load = (name: string) => parseKernelLog(read(join(DIR, name)), name);
const fallbackLines = (lines: string[]) => lines.filter((l) => l.startsWith('Fallback order for Node ')).map((l) => l.trimEnd());

describe('zonelists: the nodes an allocation falls back over', () => {
  for (const [file, kernel] of [
    ['linux-7.1-s20261205-c035.txt', '7.1'],
    ['linux-6.16-s20261205-c035.txt', '6.16'],
  ] as const) {
    test(`${kernel}: every folio on an all-Movable node is optimized with pages from another node; the replay matches in full (${file})`, () => {
      const log = load(file);
      const r = replayFixture(log, kernel);
      assert.deepEqual(r.mismatches, []);
      assert.deepEqual(r.byKind.zonelists, { total: 5, matched: 5 });
      const s = boot(machineFromLog(log), { profile: kernel, others: replayedOthers(log) });
      assert.equal(s.hvo.failed, 0);
      assert.equal(s.hvo.optimized, 1681);
    });
  }

  test('the printed orders: itself, then the nodes above it, then those below, node_load taking turns', () => {
    const log = load('linux-7.1-s20261205-c035.txt');
    const kernel = fallbackLines(log.dmesg.map((l) => l.text));
    assert.deepEqual(kernel, [
      'Fallback order for Node 0: 0 1 2 3 4',
      'Fallback order for Node 1: 1 2 3 4 0',
      'Fallback order for Node 2: 2 3 4 0 1',
      'Fallback order for Node 3: 3 4 0 1 2',
      'Fallback order for Node 4: 4 0 1 2 3',
    ]);
    const s = boot(machineFromLog(log), { profile: '7.1', others: replayedOthers(log) });
    assert.deepEqual(fallbackLines(s.dmesg), kernel);
  });

  // Recorded with Debian's 7.1.13: QEMU node 1 has no memory and no CPU, so its SRAT names PXM 0 and 2 only.
  const MEMORYLESS_QEMU =
    '-machine q35 -cpu qemu64,+pdpe1gb -smp 1 -m 4096M -object memory-backend-ram,id=m0,size=2048M ' +
    '-numa node,nodeid=0,memdev=m0 -numa node,nodeid=1 -object memory-backend-ram,id=m2,size=2048M -numa node,nodeid=2,memdev=m2';
  const nodeLines = (lines: string[]) =>
    lines.filter((l) => /^(ACPI: SRAT: Node|Initmem setup node|Fallback order for Node)/.test(l)).map((l) => l.trimEnd());
  test('a proximity domain without memory or CPUs gets no node: the next one is node 1 (QEMU command line and log)', () => {
    const log = load('linux-7.1-memoryless-pxm1.txt');
    const kernel = nodeLines(log.dmesg.map((l) => l.text));
    assert.ok(kernel.includes('ACPI: SRAT: Node 1 PXM 2 [mem 0x100000000-0x17fffffff]'));
    const m = { ...parseQemuArgs(MEMORYLESS_QEMU), cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on' };
    assert.deepEqual(nodeLines(boot(m, { profile: '7.1', others: estimatedOthers }).dmesg), kernel);
    assert.deepEqual(nodeLines(boot(machineFromLog(log), { profile: '7.1', others: replayedOthers(log) }).dmesg), kernel);
    assert.deepEqual(replayFixture(log, '7.1').mismatches, []);
  });
});
