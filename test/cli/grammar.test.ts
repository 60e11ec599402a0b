// No two numbers touch in the words hvosim prints: "Why 4 pages of 1 GiB are missing", never "Why 4 1 GiB pages".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { countOfSize } from '../../src/util/format.js';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return r.stdout + r.stderr;
}

/** A count right before a size ("4 1 GiB", "97565 2 MiB"); the kernel's own lines (HugeTLB:, e820 ranges) are not ours. */
const TOUCHING = /(?<![\w.:x-])\d+ \d+(\.\d+)? ?[KMGTPE]i?B\b/;

test('countOfSize: the size after the noun, singular for one', () => {
  assert.equal(countOfSize(1, 'page', '1 GiB'), '1 page of 1 GiB');
  assert.equal(countOfSize(4, 'page', '1 GiB'), '4 pages of 1 GiB');
  assert.equal(countOfSize(0, 'aligned slot', '2 MiB'), '0 aligned slots of 2 MiB');
});

test('the planner and the summaries never put a count right before a size', () => {
  const runs = [
    ['boot', '--cmdline', 'hugetlb_free_vmemmap=on hugepagesz=1G hugepages=6'],
    ['boot', '--cmdline', 'hugepagesz=1G hugepages=3'],
    ['boot', '--cmdline', 'hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=99999'],
    ['boot', '--machine-preset', '2s-server', '--cmdline', 'hugepagesz=1G hugepages=600'],
    ['diff', '--cmdline', 'hugepagesz=1G hugepages=5'],
    ['machine', '--machine-preset', '4s-3t'],
  ];
  for (const args of runs) {
    const out = hvosim(...args)
      .split('\n')
      .filter((l) => !/HugeTLB: |^\s*\[mem|BIOS-e820/.test(l));
    for (const l of out) assert.doesNotMatch(l, TOUCHING, `hvosim ${args.join(' ')}: ${l}`);
  }
  assert.match(hvosim('boot', '--cmdline', 'hugepagesz=1G hugepages=3'), /^Why 1 page of 1 GiB is missing:$/m);
});
