// Fault injection: the boot goes on the way the kernel would, fallbacks included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkedBoot } from '../../src/check/checked-boot.js';
import { faultsNeverFired, faultSpecs, parseFaults } from '../../src/check/faults.js';
import { caseArb, reproducer, runCase } from '../../src/check/campaign.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { InputError } from '../../src/util/errors.js';
import { GiB } from '../../src/util/units.js';
import fc from 'fast-check';

const m = q35Machine(
  { nodeSizes: [3 * GiB, 3 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on' },
  'test',
);

/** The allocation number (1-based, as --fault nth= counts) of the first allocation `pred` picks, from the step `from` on. */
function nthOf(profile: '6.15' | 'hvo-v7', from: string, pred: (c: { caller: string; size: number; nid?: number }) => boolean): number {
  const s = boot(m, { profile, others: estimatedOthers });
  const start = s.steps.find((x) => x.fn === from)!.firstCall;
  let n = 0;
  for (const [i, c] of s.memblock.calls.entries()) {
    if (!c.fn.includes('alloc')) continue;
    n++;
    if (i >= start && pred(c)) return n;
  }
  throw new Error('no such allocation');
}

describe('fault injection', () => {
  test(
    'hvo-v7: the shared tail page cannot be had, so HVO population fails and the folio falls back to a full vmemmap, ' +
      'still flagged optimized (finding)',
    () => {
      // The shared tail is the first zeroed page hugetlb_vmemmap_init_late() (in free_area_init) takes.
      const target = nthOf('hvo-v7', 'free_area_init', (c) => c.caller === 'vmemmap_alloc_block_zero');
      const r = checkedBoot(m, { profile: 'hvo-v7', faults: { nth: [target] } });
      assert.equal(r.state.hvo.fallback, 1);
      assert.equal(r.state.hugetlb.pages.filter((f) => f.order === 18).length, 2);
      const v = r.violations.find((x) => x.invariant === 'hvo-flag-matches-mapping');
      assert.match(v!.message, /flagged vmemmap-optimized but its vmemmap is a full mapping/);
      // hugetlb wrote only the head's vmemmap page: the other tails keep memmap_init's plain struct pages.
      const c = r.violations.find((x) => x.invariant === 'compound-head')!;
      assert.ok(c.atEnd);
    },
  );

  test('hvo-v7: after that fallback, vmemmap_wrprotect_hvo() takes the 2 MiB leaf for a PTE table and writes into struct pages', () => {
    const r = checkedBoot(m, { profile: 'hvo-v7', faults: parseFaults(['caller=vmemmap_alloc_block_zero@free_area_init']) });
    const w = r.violations.filter((x) => x.invariant === 'wrprotect-changes-ptes-only');
    // Both pages fell back; each one's range [start + 4 KiB, start + 256 KiB) lies in its first leaf: 63 words, struct pages 0 to 7.
    assert.ok(w.length >= 1);
    assert.equal(r.state.vmemmap.leafWrites.length, 2);
    for (const x of r.state.vmemmap.leafWrites) {
      assert.deepEqual([x.from, x.count], [1, 63]);
      assert.equal(r.state.vmemmap.pmdLeaf.get(x.entry), x.phys);
    }
    assert.match(
      w[0]!.message,
      new RegExp(
        /took PMD entry \d+ \(a 2 MiB leaf at 0x[0-9a-f]+\) for a PTE table: /.source +
          /it cleared bit 1 of 63 words at 0x[0-9a-f]+008, the struct pages of pfn 0x[0-9a-f]+ \(0x[0-9a-f]+\) to pfn/.source,
      ),
    );
    // A boot without the fault protects PTEs only.
    assert.ok(!checkedBoot(m, { profile: 'hvo-v7' }).violations.some((x) => x.invariant === 'wrprotect-changes-ptes-only'));
  });

  test('a caller fault limited to one step: the same hvo-v7 fallback, named as a kernel developer would', () => {
    const r = checkedBoot(m, { profile: 'hvo-v7', faults: parseFaults(['caller=vmemmap_alloc_block_zero@free_area_init']) });
    assert.equal(r.state.panic, null);
    assert.equal(r.state.hvo.fallback, 2);
    assert.ok(r.violations.some((x) => x.invariant === 'hvo-flag-matches-mapping'));
  });

  test('6.15: a failed PTE table in init_early leaves the page without pre-HVO; sparse maps it and gather optimizes it at run time', () => {
    // The PTE table of the first pre-HVO page (both pages are on node 1, whose upper tables node 0 already made).
    const target = nthOf('6.15', 'sparse_init', (c) => c.caller === 'vmemmap_alloc_block_zero' && c.nid === 1);
    const s = boot(m, { profile: '6.15', others: estimatedOthers, faults: { nth: [target] } });
    assert.equal(s.hvo.preHvo, 1);
    assert.equal(s.hvo.optimized, 1);
    assert.equal(s.hugetlb.pages.filter((f) => f.order === 18 && f.vmemmapOptimized).length, 2);
  });

  test('no memory on a node: the page asked of it comes from the other node', () => {
    const s = boot(m, { profile: 'hvo-v7', others: estimatedOthers, faults: { nodes: [1] } });
    assert.ok(s.hugetlb.pages.filter((f) => f.order === 18).every((f) => f.nid === 0));
  });

  test('every hugetlb allocation failing: the kernel warns and boots on', () => {
    const s = boot(m, { profile: '6.15', others: estimatedOthers, faults: { callers: ['__alloc_bootmem_huge_page'] } });
    assert.ok(s.dmesg.includes('HugeTLB: allocating 2 of page size 1.00 GiB failed.  Only allocated 0 hugepages.'));
  });

  test('sparse cannot map a section: the kernel says so', () => {
    const s = boot(m, { profile: 'hvo-v7', others: estimatedOthers, faults: { callers: ['vmemmap_alloc_block_zero'] } });
    assert.ok(s.dmesg.some((l) => /^sparse_init_nid: node\[0\] memory map backing failed\. Some memory will not be available\.$/.test(l)));
  });

  test('no memory anywhere: the kernel panics in sparse_init, the check reports the death and no invariant', () => {
    const one = q35Machine({ nodeSizes: [2 * GiB], numa: false, cpuFeatures: ['pdpe1gb'], cmdline: '' }, 'test');
    const r = checkedBoot(one, { profile: 'hvo-v7', faults: { nodes: [0] } });
    assert.match(r.state.panic!, /^Kernel panic - not syncing: memblocks_present: Failed to allocate 16384 bytes align=0x40$/);
    assert.deepEqual(r.violations, []);
    assert.equal(r.state.steps.at(-1)!.fn, 'sparse_init');
  });

  test('no usemap for a node: its sections have no memmap, and memmap_init() faults on the first of them', () => {
    const s = boot(m, { profile: '6.1', others: estimatedOthers, faults: { callers: ['sparse_init_nid'] } });
    assert.ok(s.dmesg.includes('sparse_init_nid: node[0] usemap allocation failed'));
    assert.match(
      s.panic!,
      /^BUG: unable to handle page fault for address: ffffea0000000040 \/ hvosim: memmap_init\(\) wrote the struct page of pfn 0x1/,
    );
  });

  test('fault specs parse and print back; bad ones are input errors', () => {
    const f = parseFaults(['nth=3,9', 'caller=vmemmap_alloc_block_zero,__alloc_bootmem_huge_page@hugetlb_bootmem_alloc', 'node=1'])!;
    assert.deepEqual(f, {
      nth: [3, 9],
      callers: ['vmemmap_alloc_block_zero', '__alloc_bootmem_huge_page@hugetlb_bootmem_alloc'],
      nodes: [1],
    });
    assert.deepEqual(parseFaults(faultSpecs(f)), f);
    for (const bad of ['nth=0', 'nth=x', 'caller=a b', 'disk=1', 'node=-1']) assert.throws(() => parseFaults([bad]), InputError, bad);
  });

  test('generated cases boot, and their reproducer names the profile, machine, command line and faults', () => {
    for (const c of fc.sample(caseArb(true), { numRuns: 15, seed: 3 })) {
      assert.ok(Array.isArray(runCase(c, 'hvo-v7')));
      const r = reproducer(c, 'hvo-v7');
      assert.match(
        r,
        new RegExp(
          /^hvosim boot --kernel hvo-v7 --qemu "-machine q35 -cpu qemu64[^"]* -m \d+M/.source +
            /( -object memory-backend-ram,id=m\d+,size=\d+M -numa node,nodeid=\d+,memdev=m\d+)+"/.source +
            / --cmdline "[^"]*"( --fault \S+)* --check$/.source,
        ),
      );
    }
  });

  test('a fault that never fires is said so: an allocation past the last, a caller that allocated nothing (in that step), a node that is not there', () => {
    const s0 = boot(m, { profile: 'hvo-v7', others: estimatedOthers });
    const count = s0.memblock.allocCount;
    const s = boot(m, {
      profile: 'hvo-v7',
      others: estimatedOthers,
      faults: parseFaults([`nth=${count + 1}`, 'caller=no_such_fn,vmemmap_alloc_block_zero@hugetlb_init', 'node=5']),
    });
    assert.equal(s.panic, null);
    assert.deepEqual(faultsNeverFired(s), [
      `fault nth=${count + 1} never fired: the boot made only ${count} memblock allocations`,
      'fault caller=no_such_fn never fired: no_such_fn made no memblock allocation',
      'fault caller=vmemmap_alloc_block_zero@hugetlb_init never fired: vmemmap_alloc_block_zero made no memblock allocation in hugetlb_init',
      'fault node=5 never fired: the machine has no node 5 (nodes: 0, 1)',
    ]);
    // Faults that fire are not listed (a boot that died first says so); no faults, nothing to say.
    for (const faults of [{ nth: [count] }, { nodes: [1] }, { callers: ['vmemmap_alloc_block_zero'] }])
      assert.deepEqual(faultsNeverFired(boot(m, { profile: 'hvo-v7', others: estimatedOthers, faults })), [], JSON.stringify(faults));
    const died = boot(m, {
      profile: 'hvo-v7',
      others: estimatedOthers,
      faults: { nodes: [1], callers: ['vmemmap_alloc_block_zero'], nth: [count] },
    });
    assert.ok(died.panic);
    assert.match(
      faultsNeverFired({ ...died, memblock: { ...died.memblock, faults: { nth: [count] } } })[0]!,
      /memblock allocations before it died$/,
    );
    assert.deepEqual(faultsNeverFired(s0), []);
  });
});
