// The whole 6.1 boot against every real boot: memblock calls, log lines, zones,
// hugepages, meminfo, and the MemTotal changes HVO and pool growth make.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { fixtureFiles, read } from '../helpers.js';

const files = fixtureFiles();

describe('replay of whole fixtures (6.1)', () => {
  test('there are real boots to compare with', () => {
    assert.ok(files.length >= 15, `found ${files.length} fixtures`);
  });
  const seen = { hvoPairs: 0, growth: 0 };
  for (const f of files) {
    test(f.split('/').pop()!, () => {
      const r = replayFixture(parseKernelLog(read(f), f));
      const shown = r.mismatches
        .slice(0, 5)
        .map((m) => `${m.what}\n  kernel: ${m.kernel}\n  ours:   ${m.ours}`)
        .join('\n');
      assert.equal(r.memblock.matched, r.memblock.total, shown);
      assert.equal(r.observables.matched, r.observables.total, shown);
      assert.ok(r.observables.total >= 20, 'every fixture has at least the zone, HugeTLB and meminfo observables');
      if (!r.notes.some((n) => n.includes('hugetlb_free_vmemmap'))) seen.hvoPairs++;
      if (/_AFTER_NR2M=/.test(read(f))) seen.growth++;
    });
  }
  test('the HVO on/off pairs and the pool growths were among them', () => {
    assert.ok(seen.hvoPairs >= 4, `HVO pairs compared: ${seen.hvoPairs}`);
    assert.ok(seen.growth >= 3, `growths compared: ${seen.growth}`);
  });
});
