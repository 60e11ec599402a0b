// The 6.15 and hvo-v7 boots, against what their kernel source does (there is
// no real-kernel output of these generations in the repo): the order of the
// early allocation, pre-HVO and its undo, the per-zone shared tails, and the
// accounting each path does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { presentSections } from '../../src/kernel/sparse.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { ProfileName } from '../../src/profiles/index.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { meminfoObject, vmstat } from '../../src/report/proc.js';
import { GiB } from '../../src/util/units.js';

function run(profile: ProfileName, nodeSizes: number[], cmdline: string) {
  const m = q35Machine({ nodeSizes, numa: nodeSizes.length > 1, cpuFeatures: ['pdpe1gb'], cmdline }, 'test');
  return boot(m, { profile, others: estimatedOthers });
}
const hugeCalls = (s: ReturnType<typeof run>) => s.memblock.calls.findIndex((c) => c.caller === '__alloc_bootmem_huge_page');
/** The first memblock call of a boot step (the mem_section root's caller name differs between generations). */
const firstCall = (s: ReturnType<typeof run>, step: string) => s.steps.find((x) => x.fn === step)!.firstCall;
const sectionsOf = (s: ReturnType<typeof run>) => presentSections(s);

describe('6.15 and hvo-v7 boots', () => {
  const cmd = 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on';
  for (const p of ['6.15', 'hvo-v7'] as const) {
    test(`${p}: gigantic pages come from memblock before sparse_init(), and their sections are skipped by sparse`, () => {
      const s = run(p, [3 * GiB, 3 * GiB], cmd);
      assert.ok(hugeCalls(s) >= 0 && hugeCalls(s) < firstCall(s, 'sparse_init'));
      assert.equal(s.sparse.preinit.size, 2 * 8);
      // nr_memmap_boot_pages = 512 per populated section + 1 head page per pre-HVO page.
      assert.equal(s.memmap.bootPages, 512 * (sectionsOf(s) - 16) + 2);
      assert.equal(vmstat(s).nr_memmap_boot_pages, s.memmap.bootPages);
      assert.equal(s.hvo.preHvo, 2);
      assert.ok(s.hugetlb.pages.every((f) => f.order < 18 || f.vmemmapOptimized));
    });
  }

  test('6.1 allocates while parsing hugepages=, after sparse_init() and the zones', () => {
    const s = run('6.1', [3 * GiB, 3 * GiB], cmd);
    assert.ok(hugeCalls(s) > firstCall(s, 'sparse_init'));
    assert.equal(s.sparse.preinit.size, 0);
  });

  test('6.15 builds the HVO mapping in init_early (tails mirror the head page), hvo-v7 only in init_late (tails on the zone page)', () => {
    const a = run('6.15', [3 * GiB, 3 * GiB], cmd);
    const b = run('hvo-v7', [3 * GiB, 3 * GiB], cmd);
    const kinds = (s: typeof a) => [...s.vmemmap.stored.values()].map((p) => p.kind).sort();
    assert.deepEqual(kinds(a), ['head', 'head']);
    // Both pages landed in the same zone (node 1's Normal): one shared tail page serves both.
    const zones = new Set(b.hugetlb.pages.filter((f) => f.order === 18).map((f) => `${f.nid}:${f.zone}`));
    assert.deepEqual(kinds(b), Array(zones.size).fill('tail'));
  });

  test('the message of the savings is the documented one in every generation', () => {
    for (const p of ['6.1', '6.15', 'hvo-v7'] as const) {
      const s = run(p, [4 * GiB], 'hugepagesz=1G hugepages=1');
      assert.ok(s.dmesg.includes('HugeTLB: 16380 KiB vmemmap can be freed for a 1.00 GiB page'), p);
      assert.ok(s.dmesg.includes('HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page'), p);
    }
  });

  test('MemTotal: pre-HVO keeps head + 8 PTE tables per 1 GiB page; hvo-v7 also holds one shared tail per zone and order', () => {
    const off = meminfoObject(run('6.15', [3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2')).MemTotal!;
    const a = run('6.15', [3 * GiB, 3 * GiB], cmd);
    const b = run('hvo-v7', [3 * GiB, 3 * GiB], cmd);
    assert.equal(meminfoObject(a).MemTotal! - off, 2 * (4096 - 9) * 4);
    const tails = [...b.vmemmap.stored.values()].filter((p) => p.kind === 'tail').length;
    assert.equal(meminfoObject(a).MemTotal! - meminfoObject(b).MemTotal!, tails * 4);
  });

  describe('a gigantic page that spans two zones (movablecore= boundary inside it)', () => {
    const spanning = 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M';
    for (const p of ['6.15', 'hvo-v7'] as const) {
      test(`${p}: given back to memblock, its vmemmap mapped normally, reported as discarded`, () => {
        const s = run(p, [3 * GiB, 3 * GiB], spanning);
        assert.equal(s.hvo.zoneInvalid, 1);
        assert.ok(s.dmesg.includes('HugeTLB: 1.00 GiB page size: 1 invalid page discarded'));
        assert.ok(s.dmesg.includes('HugeTLB: registered 1.00 GiB page size, pre-allocated 1 pages'));
        const freed = s.memblock.calls.find((c) => c.fn === 'memblock_phys_free' && c.caller === 'hugetlb_vmemmap_init_late');
        assert.equal(freed?.size, GiB);
        // The invalid page's 16 MiB of vmemmap: 4096 pages of its own, by base pages (6.15, under the PTE tables left by the undo) or 2 MiB leaves (hvo-v7).
        const start = (freed!.base! / 4096) * 64;
        let own = 0;
        for (let e = start / 2 ** 21; e < (start + 2 ** 24) / 2 ** 21; e++) {
          if (s.vmemmap.pmdLeaf.has(e)) own += 512;
          for (const r of s.vmemmap.pte.get(e)?.runs ?? []) if (r.stride) own += r.count;
        }
        assert.equal(own, 4096);
        if (p === '6.15') {
          assert.equal(s.memblock.calls.filter((c) => c.caller === 'vmemmap_undo_hvo').length, 1);
          assert.equal(s.memblock.calls.filter((c) => c.caller === 'vmemmap_alloc_block_buf' && c.size === 4096).length, 4096);
        } else assert.equal(s.memblock.calls.filter((c) => c.caller === 'vmemmap_undo_hvo').length, 0);
        // Boot accounting covers the normal population of the invalid page either way.
        assert.equal(s.memmap.bootPages, 512 * (sectionsOf(s) - 16) + 1 + 4096);
      });
    }
    test('6.1 keeps it: a folio across Normal and Movable', () => {
      const s = run('6.1', [3 * GiB, 3 * GiB], spanning);
      assert.equal(s.hugetlb.pages.filter((f) => f.order === 18).length, 2);
    });
  });

  test('without pdpe1gb, hugetlb_bootmem_alloc() runs from mm_core_init(): no pre-HVO', () => {
    const m = q35Machine({ nodeSizes: [4 * GiB], numa: false, cpuFeatures: [], cmdline: 'hugepages=10 hugetlb_free_vmemmap=on' }, 'test');
    const s = boot(m, { profile: 'hvo-v7', others: estimatedOthers });
    assert.equal(s.sparse.preinit.size, 0);
    assert.equal(s.hvo.optimized, 10);
    assert.ok(s.dmesg.indexOf(s.dmesg.find((l) => l.startsWith('Kernel command line'))!) >= 0);
  });

  test('a bad hugetlb_free_vmemmap= is an early option there', () => {
    const s = run('hvo-v7', [2 * GiB], 'hugetlb_free_vmemmap=maybe');
    assert.ok(s.dmesg.includes("Malformed early option 'hugetlb_free_vmemmap'"));
    assert.equal(s.hugetlb.vmemmapOptimizeEnabled, false);
  });

  test('runtime HVO of 2 MiB pages: 6.1 keeps the head page (7 freed), 6.15 copies it (8 freed, 1 new), hvo-v7 maps tails on the zone page', () => {
    const c = 'hugetlb_free_vmemmap=on hugepages=10';
    const [a, b, v] = (['6.1', '6.15', 'hvo-v7'] as const).map((p) => run(p, [4 * GiB], c));
    assert.equal(a!.hvo.vmemmapPagesFreed, 70);
    assert.equal(b!.hvo.vmemmapPagesFreed, 80);
    assert.equal(b!.memmap.pages, 10);
    assert.equal(v!.hvo.vmemmapPagesFreed, 80);
    assert.equal([...v!.vmemmap.stored.values()].filter((p) => p.kind === 'tail' && !p.boot).length, 1);
  });
});
