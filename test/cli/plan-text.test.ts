// The planner's summary lines stay short on machines of many nodes: a list that grows with the
// machine names the first few and counts the rest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planText } from '../../src/cli/boot.js';
import { joinCapped, LINE_ITEMS } from '../../src/cli/output.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { planOfBoot } from '../../src/report/plan.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { GiB } from '../../src/util/units.js';

describe('planText on many nodes', () => {
  test('joinCapped: the first items, then how many more', () => {
    assert.equal(joinCapped(['a', 'b']), 'a, b');
    const many = Array.from({ length: 20 }, (_, i) => `node${i} 0`);
    assert.equal(joinCapped(many, 3, 'more nodes'), 'node0 0, node1 0, node2 0 and 17 more nodes');
    assert.equal(joinCapped(many.slice(0, LINE_ITEMS)).split(', ').length, LINE_ITEMS);
  });

  test('24 nodes of 1 GiB: the "Most ..." line names 8 nodes and counts 16 more; "Why" lists 8 nodes', () => {
    const cmdline = 'hugepagesz=1G hugepages=30 hugetlb_free_vmemmap=on';
    const m = q35Machine({ nodeSizes: Array(24).fill(GiB), numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: 'Intel', cmdline }, 'test');
    const opts = { profile: 'hvo-v7' as const, others: estimatedOthers };
    const s = boot(m, opts);
    const lines = planText(planOfBoot(s, m, opts));
    const most = lines.find((l) => l.startsWith('Most 1 GiB pages'))!;
    assert.ok(most, lines.join('\n'));
    assert.match(most, /\(node0 \d+, node1 \d+, .*node7 \d+ and 16 more nodes\)/);
    assert.doesNotMatch(most, /node8 /);
    assert.ok(most.length < 200, most);
    const why = lines.findIndex((l) => l.startsWith('Why '));
    assert.ok(why >= 0, lines.join('\n'));
    const nodesNamed = lines.slice(why + 1).filter((l) => /^ {2}node \d+:/.test(l));
    assert.equal(nodesNamed.length, LINE_ITEMS);
    assert.ok(lines.includes('  and 16 more nodes (--json lists every node)'), lines.join('\n'));
  });
});
