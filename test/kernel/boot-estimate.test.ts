// Boots without a log (the other subsystems estimated) against the real boots:
// the answer an operator gets from a JSON machine or a QEMU command line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { memblockDbgLine } from '../../src/kernel/memblock.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { hugepagesByNode, meminfoObject } from '../../src/report/proc.js';
import { loggedCalls, ourPrintedCalls } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { parseHugepages, parseMeminfo } from '../../src/trace/proc.js';
import { fixtureFiles, read } from '../helpers.js';

const sorted = (h: Record<string, Record<string, number>>) =>
  JSON.stringify(
    Object.keys(h)
      .sort()
      .map((n) => [n, Object.entries(h[n]!).sort()]),
  );

describe('boot with estimated other subsystems, against real boots', () => {
  for (const f of fixtureFiles()) {
    test(f.split('/').pop()!, () => {
      const log = parseKernelLog(read(f), f);
      const s = boot(machineFromLog(log), { profile: '6.1', others: estimatedOthers });
      assert.equal(sorted(hugepagesByNode(s)), sorted(parseHugepages(log.sections.get('HUGEPAGES') ?? [])), 'hugepages per node and size');
      const kernel = loggedCalls(log)
        .filter((c) => c.ours)
        .map((c) => `${memblockDbgLine({ ...c.call, printed: true })} -> ${c.result}`);
      const ours = ourPrintedCalls(s.memblock).map((c) => `${memblockDbgLine(c)} -> ${c.result ?? 0}`);
      assert.deepEqual(ours, kernel, 'our memblock calls, with the estimate in place of the log');
      const memTotal = parseMeminfo(log.sections.get('MEMINFO') ?? []).get('MemTotal')!;
      // alloc_large_system_hash, alloc_low_pages and a few small tables are estimates: a few pages either way.
      assert.ok(Math.abs(memTotal - meminfoObject(s).MemTotal!) <= 16, `MemTotal ${meminfoObject(s).MemTotal} vs the kernel's ${memTotal}`);
    });
  }
});
