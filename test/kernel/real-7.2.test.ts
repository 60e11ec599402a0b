// Linux 7.2 (Debian linux-binary-7.2.13+deb14-cloud-amd64) against its real boots, test/fixtures/linux-7.2:
// 7.1's HVO code without the sparse buffer, every tail PTE of a boot page write-protected, and the gigantic
// pages allocated from mm_core_init_early() whatever the CPU, each held to the fixture that shows it, and
// each a way the 7.1 profile (which answered for 7.2 before) is wrong about these boots.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { loggedCalls, ourPrintedCalls, replayedOthers } from '../../src/trace/foreign.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { getProfile, validatedAgainst } from '../../src/profiles/index.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/linux-7.2');
const load = (name: string) => {
  const f = join(DIR, name);
  return parseKernelLog(read(f), f);
};
const boot72 = (name: string, profile = '7.2') => {
  const log = load(name);
  return boot(machineFromLog(log), { profile, others: replayedOthers(log) });
};
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('Linux 7.2 against its real boots', () => {
  test('the 21 cases of every generation and four boots with their vmemmap walked; the profile says what it is held to', () => {
    assert.equal(fixtures.filter((f) => f.startsWith('n')).length, 21);
    assert.equal(fixtures.filter((f) => f.startsWith('v')).length, 4);
    assert.match(validatedAgainst(getProfile('7.2')!) ?? '', /linux-binary-7\.2\.13\+deb14-cloud-amd64.*test\/fixtures\/linux-7\.2/);
  });
  for (const name of fixtures)
    test(`${name} replays every observable and every memblock call with 7.2`, () => {
      const r = replayFixture(load(name), '7.2');
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.memblock.matched, r.memblock.total);
    });

  test('no sparse buffer: each 2 MiB block of memmap is its own allocation, as the kernel made them (n13); 7.1 takes one buffer per node', () => {
    const log = load('n13-hvo-3node-odd.txt');
    const ours = ourPrintedCalls(boot72('n13-hvo-3node-odd.txt').memblock).filter((c) =>
      /^(vmemmap_|sparse_init_nid|sparse_buffer)/.test(c.caller),
    );
    assert.ok(!ours.some((c) => c.caller === 'sparse_buffer_fini' || c.fn === 'memblock_alloc_exact_nid_raw'));
    const kernel = loggedCalls(log).filter((c) => c.ours && /^(vmemmap_|sparse_init_nid|sparse_buffer)/.test(c.call.caller));
    const shape = (c: { fn: string; size: number; nid?: number; caller: string }) => `${c.fn} ${c.size} ${c.nid} ${c.caller}`;
    assert.deepEqual(
      ours.map(shape),
      kernel.map((c) => shape(c.call)),
    );
    assert.deepEqual(
      [0, 1, 2].map((nid) => ours.filter((c) => c.size === 2 * 1024 * 1024 && c.nid === nid).length),
      [11, 13, 8],
    );
    const r71 = replayFixture(log, '7.1');
    assert.ok(r71.memblock.matched < r71.memblock.total, '7.1 would take a sparse buffer');
  });

  test('the gigantic pages come from mm_core_init_early() before sparse_init(), whatever the CPU (n22 cannot tell it from 7.1)', () => {
    const steps = boot72('n22-nopdpe1gb.txt').steps.map((st) => st.fn);
    assert.ok(steps.indexOf('hugetlb_bootmem_alloc') >= 0 && steps.indexOf('hugetlb_bootmem_alloc') < steps.indexOf('sparse_init'));
    assert.ok(steps.indexOf('sparse_init') < steps.indexOf('free_area_init'));
    // Without pdpe1gb no 1 GiB size is registered, so hugetlb_bootmem_alloc() takes nothing from memblock: 7.1's
    // place for it (after setup_per_cpu_areas()) replays this boot as well. The order is the source's (init/main.c).
    const p72 = getProfile('7.2')!;
    const r = replayFixture(load('n22-nopdpe1gb.txt'), { ...p72, steps: getProfile('7.1')!.steps });
    assert.deepEqual(r.mismatches, []);
  });

  test('every tail PTE of a boot page is read-only in the guest (v01); 7.1 leaves the last ones writable', () => {
    const log = load('v01-1node-4g-1g2-hvo.txt');
    assert.deepEqual(replayFixture(log, '7.2').mismatches, []);
    assert.ok(replayFixture(log, '7.1').mismatches.some((m) => /vmemmap/.test(m.what)));
  });
});
