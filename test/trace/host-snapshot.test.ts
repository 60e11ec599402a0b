// Host snapshots recorded from real kernels (scripts/record-host.ts: Debian's 6.12 and 7.3 under QEMU, the
// collector run in the guest as root and as an unprivileged user) read back into the machine of the QEMU
// command line: exactly with root (the kernel log's e820 and SRAT), to a memory block without.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ConformanceCase, caseQemuArgs } from '../../src/conformance/cases.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { machineFromSnapshot, parseHostSnapshot } from '../../src/trace/host-snapshot.js';
import { InputError } from '../../src/util/errors.js';
import { ROOT } from '../helpers.js';

const HOST = join(ROOT, 'test/fixtures/host');
const generations = existsSync(HOST) ? readdirSync(HOST).filter((d) => d.startsWith('linux-')) : [];

function recorded(gen: string): { c: ConformanceCase; root: string; user: string }[] {
  const dir = join(HOST, gen);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as ConformanceCase[];
  return cases
    .filter((c) => existsSync(join(dir, `${c.id}.root.snap`)) && existsSync(join(dir, `${c.id}.user.snap`)))
    .map((c) => ({ c, root: join(dir, `${c.id}.root.snap`), user: join(dir, `${c.id}.user.snap`) }));
}

/** Each node's RAM (the usable e820 entries within its ranges) as the memory blocks it touches. */
function nodeBlocks(m: Machine, block: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const n of m.nodes) {
    const set = new Set<number>();
    for (const r of n.ranges)
      for (const e of m.e820) {
        if (e.type !== 'usable') continue;
        const a = Math.max(r.start, e.start);
        const b = Math.min(r.end, e.end);
        for (let x = Math.floor(a / block); a < b && x * block < b; x++) set.add(x);
      }
    out.set(
      n.id,
      [...set].sort((x, y) => x - y),
    );
  }
  return out;
}

for (const gen of generations) {
  const cases = recorded(gen);
  test(`${gen}: at least one case has a root and an unprivileged snapshot`, () => assert.ok(cases.length >= 1));
  for (const { c, root, user } of cases) {
    const qemu = parseQemuArgs(caseQemuArgs(c));
    test(`${gen} ${c.id}: as root, the machine is the QEMU command line's, exactly`, () => {
      const snap = parseHostSnapshot(readFileSync(root, 'utf8'), root);
      assert.equal(snap.root, true);
      const { machine, unknown } = machineFromSnapshot(snap);
      assert.deepEqual(machine.e820, qemu.e820);
      assert.deepEqual(
        machine.nodes.map((n) => ({ id: n.id, ranges: n.ranges })),
        qemu.nodes.map((n) => ({ id: n.id, ranges: n.ranges })),
      );
      assert.ok(!unknown.some((u) => /no kernel log/.test(u)));
    });
    test(`${gen} ${c.id}: unprivileged, the firmware map exactly and the nodes to a memory block`, () => {
      const snap = parseHostSnapshot(readFileSync(user, 'utf8'), user);
      assert.equal(snap.root, false);
      assert.equal(snap.log, undefined, 'an unprivileged collector reads no kernel log (dmesg_restrict)');
      const { machine, unknown } = machineFromSnapshot(snap);
      assert.deepEqual(machine.e820, qemu.e820);
      assert.ok(snap.blockSize);
      if (qemu.nodes.length > 1) {
        assert.deepEqual(nodeBlocks(machine, snap.blockSize), nodeBlocks(qemu, snap.blockSize));
        assert.ok(
          unknown.some((u) => /memory block/.test(u)),
          'says the nodes are known to a memory block',
        );
      }
      assert.ok(
        unknown.some((u) => /no kernel log/.test(u)),
        'says it had no kernel log',
      );
      assert.ok(machine.cpu.features.includes('pdpe1gb'), '1 GiB pages seen in the hugepages sysfs');
    });
  }
}

test('a snapshot with no NUMA, no firmware map section entries but a map, and no log: answers, says what it lacks', () => {
  const text = [
    '# hvosim host snapshot v1: memory layout and kernel configuration only',
    '=====HOST',
    'release 6.12.1-custom',
    'machine x86_64',
    'uid 1000',
    '=====CMDLINE',
    '',
    '=====FIRMWARE_MEMMAP',
    '0x0 0x9fbff System RAM',
    '0x100000 0x7fffffff System RAM',
    '=====NODES',
    '=====NOTES',
    'nodes: /sys/devices/system/node absent (a kernel without NUMA, or no sysfs): one node assumed',
    'kernel log: neither dmesg nor journalctl -k readable (not root, dmesg_restrict): no e820, SRAT or memblock lines; the map comes from sysfs',
    '=====END',
  ].join('\n');
  const { machine, unknown, read } = machineFromSnapshot(parseHostSnapshot(text, 'small-vm'));
  assert.equal(machine.nodes.length, 0);
  assert.equal(machine.e820.length, 2);
  assert.ok(unknown.some((u) => /no kernel log/.test(u)));
  assert.ok(unknown.some((u) => /1 GiB pages/.test(u)));
  assert.ok(read.some((r) => /no NUMA nodes/.test(r)));
});

test('bad snapshots: one clear input error, never a stack trace', () => {
  assert.throws(
    () => parseHostSnapshot('hello\n', 'x'),
    (e: unknown) => e instanceof InputError && /not a host snapshot/.test(e.message),
  );
  const noMap = '# hvosim host snapshot v1\n=====HOST\nuid 1000\n=====END\n';
  assert.throws(
    () => machineFromSnapshot(parseHostSnapshot(noMap, 'y')),
    (e: unknown) => e instanceof InputError && /no memory map/.test(e.message),
  );
  const badLine = '# hvosim host snapshot v1\n=====FIRMWARE_MEMMAP\nnot a line\n=====END\n';
  assert.throws(
    () => parseHostSnapshot(badLine, 'z'),
    (e: unknown) => e instanceof InputError && /firmware map line/.test(e.message),
  );
});
