// Shortcuts that do many of the kernel's iterations at once (a gigantic page's
// vmemmap built without the general walk, a run of memblock allocations placed
// without the search) must leave exactly the state the general path leaves:
// the same memblock calls and regions, the same page tables, the same pool.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { boot, type BootOptions } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { allocPagesNode, allocPagesNodeRun } from '../../src/kernel/page-alloc.js';
import type { KernelState } from '../../src/kernel/state.js';
import { getProfile, PROFILE_NAMES } from '../../src/profiles/index.js';
import { parseQemuArgs, q35Machine } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { GiB } from '../../src/util/units.js';

/** Everything a boot leaves, as plain data (change counters left out: they count work, not state). */
function snapshot(s: KernelState) {
  const { memblock: mb, vmemmap: pt, sparse, hugetlb, stepwise, shortcuts, afterStep, ...rest } = s;
  void stepwise;
  void shortcuts;
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
  for (const profile of PROFILE_NAMES) {
    test(`${profile}: generated machines, faults injected, pools changed after boot`, () => {
      let preHvo = 0;
      fc.assert(
        fc.property(caseArb(true), fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), (c, nrHugepages) => {
          preHvo += sameBoot({ ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline }, { profile, faults: c.faults, nrHugepages });
        }),
        { numRuns: 150, seed: 5 },
      );
      // The shortcut is taken where HVO is built at boot.
      if (getProfile(profile)!.features.bootVmemmap !== 'gather')
        assert.ok(preHvo > 40, `${preHvo} gigantic pages had their vmemmap built at boot`);
    });

    // A generation that optimizes in gather builds no HVO mapping at boot.
    if (getProfile(profile)!.features.bootVmemmap !== 'gather')
      test(`${profile}: an allocation failing in the middle of a run of gigantic pages`, () => {
        // Every allocation the step that builds the HVO mappings makes (6.15: sparse_init, hvo-v7: free_area_init),
        // failed in turn (every third), in a boot with and without the shortcuts.
        const m = q35Machine(
          {
            nodeSizes: [16 * GiB, 16 * GiB],
            numa: true,
            cpuFeatures: ['pdpe1gb'],
            cpuVendor: 'Intel',
            cmdline: 'hugepagesz=1G hugepages=20 hugetlb_free_vmemmap=on',
          },
          'test',
        );
        const plain = boot(m, { profile, others: estimatedOthers, stepwise: true });
        const step = getProfile(profile)!.features.bootVmemmap === 'deferred' ? 'free_area_init' : 'sparse_init';
        const allocs = new Set([
          'memblock_alloc_try_nid',
          'memblock_alloc_try_nid_raw',
          'memblock_alloc_exact_nid_raw',
          'memblock_phys_alloc_range',
        ]);
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

describe('allocPagesNodeRun() is allocPagesNode() called in a row', () => {
  test('the same pages and free lists, across free ranges and zones, and when the node runs out', () => {
    const m = q35Machine(
      {
        nodeSizes: [3 * GiB, 5 * GiB],
        numa: true,
        cpuFeatures: ['pdpe1gb'],
        cpuVendor: 'Intel',
        cmdline: 'hugepagesz=1G hugepages=2 movablecore=1G',
      },
      'test',
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
        (nid, count, freeLeft) => {
          const a = boot(m, { profile: '6.1', others: estimatedOthers });
          const b = boot(m, { profile: '6.1', others: estimatedOthers });
          if (freeLeft !== undefined) for (const s of [a, b]) s.pageAlloc.nodeFree.set(nid, freeLeft);
          const got: number[] = [];
          const made = allocPagesNodeRun(a, nid, count, got);
          const want: number[] = [];
          for (let i = 0; i < count; i++) {
            const p = allocPagesNode(b, nid, 0, false);
            if (p === null) break;
            want.push(p);
          }
          assert.equal(made, want.length);
          assert.deepEqual(got, want);
          assert.deepEqual(a.pageAlloc.freeRanges, b.pageAlloc.freeRanges);
          assert.deepEqual(a.pageAlloc.nodeFree, b.pageAlloc.nodeFree);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('small free ranges, one running into the zone above (Movable, which page tables may not use)', () => {
    const m = q35Machine(
      { nodeSizes: [3 * GiB, 5 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: 'Intel', cmdline: 'movablecore=1G' },
      'test',
    );
    const pieces = fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 })), { maxLength: 8 });
    fc.assert(
      fc.property(
        pieces,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 200 }),
        (frags, below, above, count) => {
          const [a, b] = [boot(m, { profile: '6.1', others: estimatedOthers }), boot(m, { profile: '6.1', others: estimatedOthers })];
          const normal = a.zones!.zones.find((z) => z.nid === 1 && z.name === 'Normal' && z.spanned > 0)!;
          const ps = a.arch.pageSize;
          const hi = (normal.startPfn + normal.spanned) * ps;
          // Pieces of free memory below the zone's end, then one from `below` pages under it to `above` pages past it.
          const ranges: { start: number; end: number }[] = [];
          let at = hi - (below + 200) * ps;
          for (const [len, gap] of frags) {
            ranges.push({ start: at, end: at + len * ps });
            at += (len + gap) * ps;
          }
          ranges.push({ start: hi - below * ps, end: hi + above * ps });
          for (const s of [a, b])
            s.pageAlloc.freeRanges.set(
              1,
              ranges.map((r) => ({ ...r })),
            );
          const got: number[] = [];
          const made = allocPagesNodeRun(a, 1, count, got);
          const want: number[] = [];
          for (let i = 0; i < count; i++) {
            const p = allocPagesNode(b, 1, 0, false);
            if (p === null) break;
            want.push(p);
          }
          assert.equal(made, want.length);
          assert.deepEqual(got, want);
          assert.deepEqual(a.pageAlloc.freeRanges, b.pageAlloc.freeRanges);
          assert.ok(
            got.every((p) => p * ps < hi),
            'no page past the zone',
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
