import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuArgs, q35Machine } from '../../src/machine/qemu.js';
import { PRESETS } from '../../src/machine/presets.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { InputError } from '../../src/util/errors.js';
import { GiB, MiB, parseSize } from '../../src/util/units.js';
import { fixtureFiles, read } from '../helpers.js';

function inputError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.describe(), re);
    return true;
  });
}

describe('QEMU q35 layout matches what the real firmware reported', () => {
  for (const file of fixtureFiles()) {
    test(basename(file), () => {
      const log = parseKernelLog(read(file), file);
      // A boot given its own SRAT (-acpitable) has no QEMU-made NUMA layout to compare with.
      if (/acpitable=/.test(log.header ?? '')) return;
      const sizes = /nodes=\[([^\]]*)\]/
        .exec(log.header ?? '')![1]!
        .split(/\s+/)
        .map((s) => parseSize(s)!);
      const fromLog = machineFromLog(log);
      const ours = q35Machine({ nodeSizes: sizes, numa: true, cpuFeatures: ['pdpe1gb'], cmdline: log.cmdline! });
      assert.deepEqual(ours.e820, fromLog.e820);
      assert.deepEqual(ours.nodes, fromLog.nodes);
      assert.deepEqual(fromLog.cpu.features, ['pdpe1gb']);
    });
  }
});

describe('QEMU command lines', () => {
  test('memory backends and -numa nodes', () => {
    const m = parseQemuArgs(
      'qemu-system-x86_64 -machine q35 -cpu qemu64,+pdpe1gb -m 4096M -object memory-backend-ram,id=m0,size=1500M -numa node,nodeid=0,memdev=m0 ' +
        '-object memory-backend-ram,id=m1,size=2596M -numa node,nodeid=1,memdev=m1 -append "console=ttyS0 hugepagesz=1G hugepages=2"',
    );
    assert.equal(m.nodes.length, 2);
    assert.deepEqual(m.nodes[1]!.ranges, [
      { start: 1500 * MiB, end: 2 * GiB },
      { start: 4 * GiB, end: 4 * GiB + 2596 * MiB - (2 * GiB - 1500 * MiB) },
    ]);
    assert.deepEqual(m.cpu.features, ['pdpe1gb']);
    assert.equal(m.cmdline, 'console=ttyS0 hugepagesz=1G hugepages=2');
  });
  test('-m alone: one node, no SRAT; a plain number is MiB', () => {
    const m = parseQemuArgs('-m 2048');
    assert.equal(m.nodes.length, 0);
    assert.equal(m.e820.find((e) => e.start === 0x100000)!.end, 2 * GiB - 0x21000);
  });
  test('a node referring to an unknown backend is an error', () => {
    inputError(() => parseQemuArgs('-m 2G -numa node,memdev=nope'), /Device 'nope' not found/);
  });
  test('-m that disagrees with the nodes is an error', () => {
    inputError(
      () => parseQemuArgs('-m 3G -object memory-backend-ram,id=a,size=1G -numa node,memdev=a'),
      /total memory for NUMA nodes \(0x40000000\) should equal RAM size \(0xc0000000\)/,
    );
  });
  test('a machine other than q35 is refused', () => {
    inputError(() => parseQemuArgs('-M pc -m 1G'), /only the q35 machine/);
  });
  test('an unreadable size is an error', () => {
    inputError(() => parseQemuArgs('-m lots'), /cannot read a memory size/);
    inputError(() => parseQemuArgs('-m 1.5X'), /cannot read a memory size/);
  });
  test('a fraction before a suffix is a size, as QEMU reads it (1.5G is 1536 MiB)', () => {
    const ram = (args: string) =>
      parseQemuArgs(args)
        .e820.filter((e) => e.type === 'usable')
        .reduce((a, e) => a + e.end - e.start, 0);
    assert.equal(ram('-m 1.5G'), ram('-m 1536M'));
    const m = parseQemuArgs(
      '-m 2G -object memory-backend-ram,id=a,size=0.5G -numa node,memdev=a -object memory-backend-ram,id=b,size=1.5G -numa node,memdev=b',
    );
    assert.equal(m.nodes.length, 2);
  });
});

describe('machine files (JSON)', () => {
  test('q35 form', () => {
    const m = loadMachineJson(JSON.stringify({ name: 'box', q35: { nodes: ['3G', '3G'] }, cmdline: 'hugepages=2' }), 'box.json');
    assert.equal(m.name, 'box');
    assert.equal(m.nodes.length, 2);
    assert.equal(m.cmdline, 'hugepages=2');
  });
  test('explicit e820 and nodes', () => {
    const m = loadMachineJson(
      JSON.stringify({
        e820: [
          { start: 0, size: '639K', type: 'usable' },
          { start: '0x100000', size: '4095M', type: 'usable' },
        ],
        nodes: [{ id: 0, ranges: [{ start: 0, size: '4G' }] }],
      }),
      'x.json',
    );
    assert.equal(m.e820[1]!.end, 4 * GiB);
  });
  test('a wrong type names file, line and field', () => {
    const text = '{\n  "q35": {\n    "nodes": ["3G", true]\n  }\n}\n';
    inputError(() => loadMachineJson(text, 'bad.json'), /^bad\.json:3: q35\.nodes\[1\]: /);
  });
  test('a size that is not one names it', () => {
    inputError(() => loadMachineJson('{"q35": {"nodes": ["3 gigs"]}}', 'bad.json'), /expected a size or address like 4G.*"3 gigs"/);
  });
  test('broken JSON names the line', () => {
    inputError(() => loadMachineJson('{\n "q35": {\n  "nodes": ["3G",]\n }\n}', 'broken.json'), /^broken\.json:3: invalid JSON/);
  });
  test('unknown fields are refused', () => {
    inputError(() => loadMachineJson('{"q35": {"nodes": ["1G"]}, "ram": 5}', 'u.json'), /ram/);
  });
  test('no memory given', () => {
    inputError(() => loadMachineJson('{"cmdline": ""}', 'none.json'), /either as "q35" or as "e820"/);
  });
  test('overlapping e820 entries', () => {
    const text = JSON.stringify({
      e820: [
        { start: 0, size: '2G', type: 'usable' },
        { start: '1G', size: '2G', type: 'reserved' },
      ],
    });
    inputError(() => loadMachineJson(text, 'o.json'), /overlap/);
  });
  test('overlapping nodes', () => {
    const text = JSON.stringify({
      e820: [{ start: 0, size: '4G', type: 'usable' }],
      nodes: [
        { id: 0, ranges: [{ start: 0, size: '3G' }] },
        { id: 1, ranges: [{ start: '2G', size: '2G' }] },
      ],
    });
    inputError(() => loadMachineJson(text, 'n.json'), /node 0 .* overlaps node 1/);
  });
  test('a node that owns no memory is accepted with a warning (memoryless node)', () => {
    const text = JSON.stringify({
      e820: [{ start: 0, size: '4G', type: 'usable' }],
      nodes: [
        { id: 0, ranges: [{ start: 0, size: '4G' }] },
        { id: 1, ranges: [{ start: '8G', size: '1G' }] },
      ],
    });
    const m = loadMachineJson(text, 'ml.json');
    assert.deepEqual(m.warnings, ['node 1 owns no usable memory: the kernel leaves it memoryless']);
  });
  test('an impossible size is refused', () => {
    inputError(() => loadMachineJson('{"q35": {"nodes": ["99999999999T"]}}', 'big.json'), /expected a size/);
  });
});

describe('kernel logs as machines', () => {
  test('a log without an e820 map is an error', () => {
    inputError(() => machineFromLog(parseKernelLog('[    0.000000] Linux version 6.1\n', 'x.log')), /no "BIOS-e820:" lines/);
    // A log whose start the kernel's buffer dropped says so.
    inputError(
      () => machineFromLog(parseKernelLog('[    0.120000] memblock_reserve: [0x1000-0x1fff] foo+0x0/0x0\n', 'x.log')),
      /no "BIOS-e820:" lines.*log_buf_len, overflowed and dropped the start/,
    );
  });
  test('presets build valid machines', () => {
    for (const [name, p] of Object.entries(PRESETS)) {
      const m = p.build();
      assert.equal(m.name, name);
      assert.ok(m.nodes.length >= 1);
    }
  });
});
