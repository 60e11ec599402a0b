// NUMA nodes that do not cover the RAM: the kernel refuses the firmware's description
// (numa_meminfo_cover_memory(): "NUMA: nodes only cover ...MB of your ...MB e820 RAM. Not used.")
// and fakes one node over everything. The real 6.1 boot n20-numa-uncovered (an SRAT of our own
// given to QEMU with -acpitable) says so; these check the rule on machines of other shapes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkedBoot } from '../../src/check/checked-boot.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { hugepagesByNode, meminfoObject } from '../../src/report/proc.js';

function machine(nodes: { id: number; ranges: { start: string; size: string }[] }[], cmdline: string) {
  return loadMachineJson(
    JSON.stringify({
      e820: [
        { start: 0, size: '0x9fc00', type: 'usable' },
        { start: '0x100000', size: '4095M', type: 'usable' },
        { start: '0x100000000', size: '4G', type: 'usable' },
      ],
      nodes,
      cmdline,
    }),
    'uncovered.json',
  );
}

describe('numa_meminfo_cover_memory()', () => {
  test('nodes covering 4 of 8 GiB are not used: one node over all RAM, no memory lost, every invariant holds', () => {
    const m = machine(
      [
        { id: 0, ranges: [{ start: '0', size: '2G' }] },
        { id: 1, ranges: [{ start: '2G', size: '2G' }] },
      ],
      'hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=100',
    );
    const { state: s, violations } = checkedBoot(m, { profile: '6.1', others: estimatedOthers });
    assert.deepEqual(violations, []);
    assert.ok(
      s.dmesg.includes('NUMA: nodes only cover 4095MB of your 8191MB e820 RAM. Not used.'),
      s.dmesg.filter((l) => l.startsWith('NUMA')).join('\n'),
    );
    const i = s.dmesg.indexOf('No NUMA configuration found');
    assert.ok(i > 0);
    assert.equal(s.dmesg[i + 1], 'Faking a node at [mem 0x0000000000000000-0x00000001ffffffff]');
    assert.deepEqual([...s.nodeData.keys()], [0]);
    assert.ok(s.memblock.memory.regions.every((r) => r.nid === 0));
    const mi = meminfoObject(s);
    assert.ok(mi.MemFree! <= mi.MemTotal!, `MemFree ${mi.MemFree} > MemTotal ${mi.MemTotal}`);
    const hp = hugepagesByNode(s);
    assert.deepEqual(Object.keys(hp), ['node0']);
    assert.equal(hp.node0!['1048576kB'], 4);
    assert.equal(hp.node0!['2048kB'], 100);
  });
  test('up to 1 MiB of RAM outside the nodes is let go (the kernel allows that slack)', () => {
    const m = machine(
      [
        { id: 0, ranges: [{ start: '0', size: '4G' }] },
        { id: 1, ranges: [{ start: '4G', size: '0xfff01000' }] },
      ],
      '',
    );
    const { state: s } = checkedBoot(m, { profile: '6.1', others: estimatedOthers });
    assert.ok(!s.dmesg.some((l) => l.startsWith('NUMA: nodes only cover')));
    assert.deepEqual([...s.nodeData.keys()], [0, 1]);
  });
  test('all profiles fall back the same way', () => {
    for (const profile of ['6.15', 'hvo-v7'] as const) {
      const m = machine([{ id: 0, ranges: [{ start: '0', size: '1G' }] }], 'hugepagesz=1G hugepages=2');
      const { state: s, violations } = checkedBoot(m, { profile, others: estimatedOthers });
      assert.deepEqual(violations, [], profile);
      assert.ok(s.dmesg.includes('No NUMA configuration found'), profile);
      assert.equal(hugepagesByNode(s).node0!['1048576kB'], 2, profile);
    }
  });
});
