// Linux 7.3 (Debian linux-binary-7.3.4+deb13-cloud-amd64) against its real
// boots, test/fixtures/linux-7.3: the reordered boot (zones first, gigantic
// pages, sparse_init() with HVO and no sparse buffer, memmap_init()), each
// held to the fixture that shows it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffBoots } from '../../src/check/diff.js';
import { boot } from '../../src/simulator.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { loggedCalls, ourPrintedCalls, replayedOthers } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { getProfile, validatedAgainst } from '../../src/profiles/index.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/linux-7.3');
const load = (name: string) => {
  const f = join(DIR, name);
  return parseKernelLog(read(f), f);
};
const boot73 = (name: string, profile = '7.3') => {
  const log = load(name);
  return boot(machineFromLog(log), { profile, others: replayedOthers(log) });
};

describe('Linux 7.3 against its real boots', () => {
  const fixtures = readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort();

  test('every fixture replays every observable and every memblock call with the 7.3 profile, which says it is validated', () => {
    // The 21 cases of every generation, and the boots recorded with their vmemmap walked (v*).
    assert.equal(fixtures.filter((f) => f.startsWith('n')).length, 21);
    assert.equal(fixtures.filter((f) => f.startsWith('v')).length, 4);
    for (const name of fixtures) {
      const r = replayFixture(load(name), '7.3');
      assert.deepEqual(r.mismatches, [], name);
    }
    assert.match(validatedAgainst(getProfile('7.3')!) ?? '', /linux-binary-7\.3\.4\+deb13-cloud-amd64.*test\/fixtures\/linux-7\.3/);
  });

  test("sparse_init_nid() panics where it cannot map a section or a gigantic page's HVO vmemmap; 7.1 carries on", () => {
    const log = load('n13-hvo-3node-odd.txt');
    for (const caller of ['vmemmap_alloc_block_zero@sparse_init', 'vmemmap_alloc_block_buf@sparse_init']) {
      const s = boot(machineFromLog(log), { profile: '7.3', faults: { callers: [caller] } });
      assert.match(s.panic ?? '', /Failed to allocate (usemap for node|memmap for section|memmap for HugeTLB page)/, caller);
      const old = boot(machineFromLog(log), { profile: '7.1', faults: { callers: [caller] } });
      assert.doesNotMatch(old.panic ?? '', /Failed to allocate (memmap for section|memmap for HugeTLB page)/, caller);
    }
    // The HVO mapping of node 1's page: its first table fails (node 0's sections done, node 1's tables there).
    const s = boot(machineFromLog(log), { profile: '7.3', stepwise: true });
    const calls = s.memblock.calls;
    let hvoHead = -1;
    for (let i = 0; i < calls.length && hvoHead < 0; i++)
      if (calls.callerAt(i) === 'vmemmap_alloc_block_buf' && calls.sizeAt(i) === 4096) hvoHead = i;
    assert.ok(hvoHead > 0);
    let nth = 0;
    for (let i = 0; i <= hvoHead; i++) if (/^memblock_(alloc_|phys_alloc_range)/.test(calls.fnAt(i))) nth++;
    const dead = boot(machineFromLog(log), { profile: '7.3', faults: { nth: [nth] } });
    assert.equal(dead.panic, 'Kernel panic - not syncing: Failed to allocate memmap for HugeTLB page');
  });

  test('hvosim diff says where each generation built the boot-time HVO mapping', () => {
    const log = load('n13-hvo-3node-odd.txt');
    const d = diffBoots(machineFromLog(log), '7.1', '7.3', { others: null });
    const text = d.summary.join('\n');
    assert.match(text, /3 gigantic pages got the HVO mapping from hugetlb_vmemmap_init_late\(\) \(once zones existed\)/);
    assert.match(
      text,
      /3 gigantic pages got the HVO mapping from hugetlb_vmemmap_init_early\(\) from sparse_init_nid\(\) \(zones set up first\)/,
    );
  });

  test('the zones are set up before any HugeTLB or sparse allocation', () => {
    const s = boot73('n13-hvo-3node-odd.txt');
    const zones = s.dmesg.findIndex((l) => l.includes('Zone ranges:'));
    const initmem = s.dmesg.map((l) => l.startsWith('Initmem setup node')).lastIndexOf(true);
    const huge = s.dmesg.findIndex((l) => l.startsWith('HugeTLB:'));
    assert.ok(zones >= 0 && initmem > zones && huge > initmem, `${zones} ${initmem} ${huge}`);
    const steps = s.steps.map((st) => st.fn);
    assert.ok(steps.indexOf('free_area_init') < steps.indexOf('hugetlb_bootmem_alloc'));
    assert.ok(steps.indexOf('hugetlb_bootmem_alloc') < steps.indexOf('sparse_init'));
    assert.ok(steps.indexOf('sparse_init') < steps.indexOf('memmap_init'));
  });

  test('no sparse buffer: the memmap in 2 MiB blocks, and the HVO head page and tables in sparse_init_nid before them (n13)', () => {
    const log = load('n13-hvo-3node-odd.txt');
    const s = boot73('n13-hvo-3node-odd.txt');
    const ours = ourPrintedCalls(s.memblock).filter((c) => /^(vmemmap_|sparse_init_nid|sparse_buffer)/.test(c.caller));
    assert.ok(!ours.some((c) => c.caller === 'sparse_buffer_fini' || c.fn === 'memblock_alloc_exact_nid_raw'));
    const kernel = loggedCalls(log).filter((c) => c.ours && /^(vmemmap_|sparse_init_nid)/.test(c.call.caller));
    // The same calls, one by one: function, size, node, caller (the kernel's inlined callers read as ours).
    const shape = (c: { fn: string; size: number; nid?: number; caller: string }) => `${c.fn} ${c.size} ${c.nid} ${c.caller}`;
    assert.deepEqual(
      ours.map(shape),
      kernel.map((c) => shape(c.call)),
    );
    // Per node: 11, 13 and 8 blocks of 2 MiB.
    const blocks = [0, 1, 2].map((nid) => ours.filter((c) => c.size === 2 * 1024 * 1024 && c.nid === nid).length);
    assert.deepEqual(blocks, [11, 13, 8]);
  });

  test('hugetlb_free_cross_zone_pages(): a page across two zones goes back at once and does not count (n23, n12)', () => {
    const n23 = boot73('n23-movable-cuts-1g-hvo.txt');
    const huge = n23.dmesg.filter((l) => l.startsWith('HugeTLB:'));
    assert.deepEqual(huge.slice(0, 2), [
      'HugeTLB: freed 1 cross-zone hugepages of size 1.00 GiB on node 0.',
      'HugeTLB: allocating 2 of page size 1.00 GiB failed.  Only allocated 0 hugepages.',
    ]);
    assert.ok(!huge.some((l) => l.includes('invalid page')));
    const freed = ourPrintedCalls(n23.memblock).filter((c) => c.caller === 'hugetlb_free_cross_zone_pages');
    assert.deepEqual(
      freed.map((c) => [c.base, c.size]),
      [[0x100000000, 0x40000000]],
    );
    const n12 = boot73('n12-2node-movable-1g.txt').dmesg.filter((l) => l.startsWith('HugeTLB:'));
    assert.deepEqual(n12.slice(0, 3), [
      'HugeTLB: freed 1 cross-zone hugepages of size 1.00 GiB on node 0.',
      'HugeTLB: freed 1 cross-zone hugepages of size 1.00 GiB on node 1.',
      'HugeTLB: allocating 5 of page size 1.00 GiB failed.  Only allocated 2 hugepages.',
    ]);
    // Per node (hugetlb_hstate_alloc_pages_onenode()): freed before the node's own "failed" line, and not counted.
    const log = load('n23-movable-cuts-1g-hvo.txt');
    const pernode = boot(
      { ...machineFromLog(log), cmdline: 'console=ttyS0 nokaslr memblock=debug movablecore=1700M hugepagesz=1G hugepages=0:2' },
      { profile: '7.3' },
    );
    assert.deepEqual(pernode.dmesg.filter((l) => l.startsWith('HugeTLB:')).slice(0, 2), [
      'HugeTLB: freed 1 cross-zone hugepages of size 1.00 GiB on node 0.',
      'HugeTLB: allocating 2 of page size 1.00 GiB failed node0.  Only allocated 0 hugepages.',
    ]);
    // 7.1 keeps them until hugetlb_vmemmap_init_late()/gather and discards them there.
    assert.ok(boot73('n23-movable-cuts-1g-hvo.txt', '7.1').dmesg.some((l) => l.includes('1 invalid page discarded')));
  });
});
