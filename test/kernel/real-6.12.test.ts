// Linux 6.12 (profile 6.12) against Debian's real boots (test/fixtures/linux-6.12/), and the
// behaviours that set it apart from 6.1, each on a machine of its own:
// - hugetlb_pages_alloc_boot(): the boot's 2 MiB pages in padata chunks, each starting its round
//   robin at the first online node, with a cursor of the boot's own;
// - set_max_huge_pages() growing the pool from the hstate's untouched cursor (node 0);
// - numa_cleanup_meminfo() of mm/numa_memblks.c trimming the blocks to memblock's DRAM.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkedBoot } from '../../src/check/checked-boot.js';
import { boot } from '../../src/simulator.js';
import { setMaxHugePages } from '../../src/kernel/hugetlb.js';
import { MAX_NUMNODES } from '../../src/kernel/memblock-flags.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { q35Machine } from '../../src/machine/qemu.js';
import type { ProfileName } from '../../src/profiles/index.js';
import { hugepagesByNode } from '../../src/report/proc.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { replayMemblock } from '../../src/trace/replay.js';
import { GiB } from '../../src/util/units.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/linux-6.12');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('profile 6.12 replays every real 6.12 boot', () => {
  test('21 boots, and one with its vmemmap walked', () =>
    assert.deepEqual([files.filter((f) => f.startsWith('n')).length, files.filter((f) => f.startsWith('v')).length], [21, 1]));
  for (const f of files) {
    test(f, () => {
      const log = parseKernelLog(read(join(DIR, f)), f);
      const r = replayFixture(log, '6.12');
      assert.deepEqual(
        r.mismatches.map((m) => `${m.what}: kernel ${m.kernel}, ours ${m.ours}`),
        [],
      );
      assert.equal(r.observables.matched, r.observables.total);
      assert.equal(r.memblock.matched, r.memblock.total);
      // Call by call, with the MEMBLOCK dumps and the "NUMA: Node" lines of numa_memblks.c.
      const m = replayMemblock(log, { profile: '6.12' });
      assert.deepEqual(m.mismatches, []);
      assert.ok(m.numa.total > 0 && m.dumps.total === 2);
    });
  }
});

function run(profile: ProfileName, nodeSizes: number[], cmdline: string) {
  const m = q35Machine({ nodeSizes, numa: nodeSizes.length > 1, cpuFeatures: ['pdpe1gb'], cmdline }, 'test');
  return boot(m, { profile, others: estimatedOthers });
}
const per2m = (s: ReturnType<typeof run>) => Object.values(hugepagesByNode(s)).map((n) => n['2048kB'] ?? 0);

describe('hugetlb_pages_alloc_boot() (6.12): padata chunks, each from the first node', () => {
  test('3 pages on 2 nodes are 3 chunks of 1, all on node 0; 6.1 and 6.16 go round robin', () => {
    assert.deepEqual(per2m(run('6.12', [2 * GiB, 2 * GiB], 'hugepages=3')), [3, 0]);
    assert.deepEqual(per2m(run('6.1', [2 * GiB, 2 * GiB], 'hugepages=3')), [2, 1]);
    assert.deepEqual(per2m(run('6.16', [2 * GiB, 2 * GiB], 'hugepages=3')), [2, 1]);
  });
  test('300 pages on 2 nodes are 4 chunks of 75 (min_chunk), 38/37 each', () => {
    assert.deepEqual(per2m(run('6.12', [2 * GiB, 2 * GiB], 'hugepages=300')), [152, 148]);
    assert.deepEqual(per2m(run('6.1', [2 * GiB, 2 * GiB], 'hugepages=300')), [150, 150]);
  });
  test('law: every page asked is allocated, and no node has more than the one before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 400 }), (nodes, pages) => {
        const counts = per2m(run('6.12', Array(nodes).fill(2 * GiB), `hugepages=${pages}`));
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          pages,
        );
        for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! <= counts[i - 1]!, counts.join('/'));
      }),
      { numRuns: 12, seed: 612 },
    );
  });
});

describe('growing the pool after boot (poolGrowFromNode0)', () => {
  test('6.12 starts again at node 0 (n11: 50 pages on 6 nodes grown to 120); 6.1 carries on from the boot', () => {
    const grow = (profile: ProfileName) => {
      const s = run(profile, Array(6).fill(1 * GiB), 'hugepages=50');
      assert.deepEqual(per2m(s), [9, 9, 8, 8, 8, 8]);
      assert.ok(setMaxHugePages(s, 120).ok);
      return per2m(s);
    };
    assert.deepEqual(grow('6.12'), [21, 21, 20, 20, 19, 19]);
    assert.deepEqual(grow('6.1'), [20, 20, 20, 20, 20, 20]);
  });
});

describe('numa_cleanup_meminfo() of mm/numa_memblks.c (numaMemblks)', () => {
  test('blocks start at the first page of RAM, and [0, 4 KiB) reserved gets no node', () => {
    const machine = () => q35Machine({ nodeSizes: [2 * GiB, 2 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: '' }, 'test');
    const { state: s, violations } = checkedBoot(machine(), { profile: '6.12', others: estimatedOthers });
    assert.deepEqual(violations, []);
    assert.ok(
      s.dmesg.some((l) => l.startsWith('NUMA: Node 0 [mem 0x00001000-0x0009ffff] + [mem 0x00100000-')),
      s.dmesg.filter((l) => l.startsWith('NUMA')).join('\n'),
    );
    const low = s.memblock.reserved.regions.find((r) => r.base === 0)!;
    assert.equal(low.size, 0x1000);
    assert.equal(low.nid, MAX_NUMNODES);
    const old = boot(machine(), { profile: '6.1', others: estimatedOthers });
    assert.ok(old.dmesg.some((l) => l.startsWith('NUMA: Node 0 [mem 0x00000000-0x0009ffff] + [mem 0x00100000-')));
    assert.equal(old.memblock.reserved.regions.find((r) => r.base === 0)!.nid, 0);
  });
});
