// Shortcuts that do many of the kernel's iterations at once (a gigantic page's
// vmemmap built without the general walk, a run of memblock allocations placed
// without the search) must leave exactly the state the general path leaves:
// the same memblock calls and regions, the same page tables, the same pool.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { boot, type BootOptions } from '../../src/kernel/boot.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PROFILES, type KernelState } from '../../src/kernel/state.js';
import { parseQemuArgs, q35Machine } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { GiB } from '../../src/util/units.js';

/** Everything a boot leaves, as plain data (change counters left out: they count work, not state). */
function snapshot(s: KernelState) {
  const { memblock: mb, vmemmap: pt, sparse, hugetlb, stepwise, afterStep, ...rest } = s;
  void stepwise;
  void afterStep;
  return {
    rest,
    hugetlb: { ...hugetlb, gen: 0 },
    memblock: {
      memory: mb.memory.regions,
      reserved: mb.reserved.regions,
      totals: [mb.memory.totalSize, mb.reserved.totalSize],
      calls: mb.calls.toArray(),
      allocCount: mb.allocCount,
    },
    vmemmap: {
      pud: pt.pud,
      pmd: pt.pmd,
      leaves: [...pt.pmdLeaf],
      pte: [...pt.pte.keys()].map((e) => [e, pt.pte.pageAt(e), pt.pte.runsAt(e)]),
      stored: [...pt.stored],
      buddyPages: pt.buddyPages,
    },
    sparse: { ...sparse, preinit: [...sparse.preinit] },
  };
}

function sameBoot(m: Machine, opts: BootOptions): number {
  const fast = boot(m, { ...opts, others: estimatedOthers });
  const slow = boot(m, { ...opts, others: estimatedOthers, stepwise: true });
  assert.deepEqual(snapshot(fast), snapshot(slow));
  return fast.hvo.preHvo;
}

describe('shortcuts leave the state the general path leaves', () => {
  for (const profile of PROFILES) {
    test(`${profile}: generated machines, faults injected, pools changed after boot`, () => {
      let preHvo = 0;
      fc.assert(
        fc.property(caseArb(true), fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), (c, nrHugepages) => {
          preHvo += sameBoot({ ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline }, { profile, faults: c.faults, nrHugepages });
        }),
        { numRuns: 150, seed: 5 },
      );
      // The shortcut is taken where HVO is built at boot.
      if (profile !== '6.1') assert.ok(preHvo > 40, `${preHvo} gigantic pages had their vmemmap built at boot`);
    });

    // 6.1 builds no HVO mapping at boot.
    if (profile !== '6.1')
      test(`${profile}: an allocation failing in the middle of a run of gigantic pages`, () => {
        // Every allocation the step that builds the HVO mappings makes (6.15: sparse_init, hvo-v7: free_area_init),
        // failed in turn (every third), in a boot with and without the shortcuts.
        const m = q35Machine({ nodeSizes: [16 * GiB, 16 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: 'Intel', cmdline: 'hugepagesz=1G hugepages=20 hugetlb_free_vmemmap=on' }, 'test');
        const plain = boot(m, { profile, others: estimatedOthers, stepwise: true });
        const step = profile === 'hvo-v7' ? 'free_area_init' : 'sparse_init';
        const allocs = new Set(['memblock_alloc_try_nid', 'memblock_alloc_try_nid_raw', 'memblock_alloc_exact_nid_raw', 'memblock_phys_alloc_range']);
        const at = plain.steps.findIndex((st) => st.fn === step);
        const from = plain.steps[at]!.firstCall;
        const to = plain.steps[at + 1]?.firstCall ?? plain.memblock.calls.length;
        let nth = 0;
        const inStep: number[] = [];
        for (let i = 0; i < to; i++) {
          if (!allocs.has(plain.memblock.calls.fnAt(i))) continue;
          nth++;
          if (i >= from && plain.memblock.calls.callerAt(i).startsWith('vmemmap_alloc_block')) inStep.push(nth);
        }
        assert.ok(inStep.length > 100, `${inStep.length} vmemmap allocations in ${step}`);
        for (let k = 0; k < inStep.length; k += 3) sameBoot(m, { profile, faults: { nth: [inStep[k]!] } });
      });

    test(`${profile}: larger machines, the sparse buffer and memblock running out`, () => {
      const shapes: [number[], string][] = [
        [[64 * GiB, 64 * GiB], 'hugepagesz=1G hugepages=100 hugetlb_free_vmemmap=on'],
        [[16 * GiB, 40 * GiB, 8 * GiB], 'hugepagesz=1G hugepages=0:14,1:39,2:7 hugetlb_free_vmemmap=on movablecore=20%'],
        [[6 * GiB], 'hugepagesz=1G hugepages=6 hugetlb_free_vmemmap=on'],
      ];
      for (const [nodeSizes, cmdline] of shapes) {
        const m = q35Machine({ nodeSizes, numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: 'Intel', cmdline }, 'test');
        sameBoot(m, { profile });
        sameBoot(m, { profile, nrHugepages: 0 });
      }
    });
  }
});
