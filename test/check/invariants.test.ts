// Each invariant holds on a sound boot and is reported when the state is
// broken on purpose; and the findings hvosim reports about the kernels.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkInvariants, INVARIANTS } from '../../src/check/invariants.js';
import { checkedBoot } from '../../src/check/checked-boot.js';
import { boot } from '../../src/simulator.js';
import { memblockAllocTryNidRaw } from '../../src/kernel/memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE } from '../../src/kernel/memblock-flags.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { pageZonenum } from '../../src/kernel/page.js';
import { allocPagesNodeRun } from '../../src/kernel/page-alloc.js';
import type { KernelState } from '../../src/kernel/state.js';
import type { ProfileName } from '../../src/profiles/index.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { GiB } from '../../src/util/units.js';

function run(profile: ProfileName, nodeSizes: number[], cmdline: string): KernelState {
  const m = q35Machine({ nodeSizes, numa: nodeSizes.length > 1, cpuFeatures: ['pdpe1gb'], cmdline }, 'test');
  return boot(m, { profile, others: estimatedOthers });
}
const names = (s: KernelState) => [...new Set(checkInvariants(s).map((v) => v.invariant))].sort();
const reports = (s: KernelState, name: string) => checkInvariants(s, [name]);

/** A sound boot: 6.1 with HVO (every invariant holds at its end). */
const sound = () => run('6.1', [3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=50');
/** Two zones (Normal, Movable) on one node, each with gigantic pages, hvo-v7. */
const twoZones = () => run('hvo-v7', [8 * GiB], 'hugepagesz=1G hugepages=4 hugetlb_free_vmemmap=on movablecore=3G');

describe('invariants', () => {
  test('all hold at the end of a sound boot', () => {
    assert.deepEqual(names(sound()), []);
  });

  test('every invariant has a break test below', () => {
    assert.equal(INVARIANTS.length, 13);
  });

  test('wrprotect-changes-ptes-only: a write through a 2 MiB leaf is named with the struct pages it hit', () => {
    const s = sound();
    const [entry, phys] = [...s.vmemmap.pmdLeaf.entries()][0]!;
    s.vmemmap.leafWrites.push({ entry, phys, from: 1, count: 63 });
    const first = (entry * 2 * 1024 * 1024) / 64;
    assert.match(
      reports(s, 'wrprotect-changes-ptes-only')[0]!.message,
      new RegExp(
        `PMD entry ${entry} .*63 words at 0x${(phys + 8).toString(16)}, ` +
          `the struct pages of pfn 0x${first.toString(16)} .* to pfn 0x${(first + 7).toString(16)} `,
      ),
    );
  });

  test('memblock-regions: overlapping regions', () => {
    const s = sound();
    const r = s.memblock.memory.regions[1]!;
    s.memblock.memory.regions.splice(2, 0, { ...r, base: r.base + 4096 });
    assert.match(reports(s, 'memblock-regions')[0]!.message, /overlap/);
  });

  test('memory-has-node: memory left without a node after numa_init(), a node managing more than it has, a node freeing more than it manages', () => {
    const s = sound();
    const r = s.memblock.memory.regions.at(-1)!;
    r.nid = 1024; // MAX_NUMNODES: what memory outside every firmware node kept before the coverage check
    assert.match(reports(s, 'memory-has-node')[0]!.message, /has node id 1024, not an online node, after NUMA init/);
    const t = sound();
    for (const z of t.zones!.zones.filter((x) => x.nid === 1)) z.managed = z.present + 1;
    assert.match(reports(t, 'memory-has-node')[0]!.message, /node 1 manages \d+ pages but has \d+ present/);
    const u = sound();
    u.pageAlloc.nodeFree.set(0, 1e9);
    assert.match(reports(u, 'memory-has-node')[0]!.message, /node 0 has 1000000000 free pages but manages/);
  });
  test('memblock-one-owner: an allocation handed out twice', () => {
    const s = sound();
    const c = s.memblock.calls.find((c) => c.caller === 'sparse_index_alloc')!;
    s.memblock.calls.push({ ...c, caller: 'someone_else' });
    assert.match(reports(s, 'memblock-one-owner')[0]!.message, /sparse_index_alloc still holds/);
  });

  test('vmemmap-single-writer and shared-pages-readonly: HVO tails made writable again', () => {
    const s = sound();
    const [, t] = [...s.vmemmap.pte].find(([, t]) => t.runs.some((r) => !r.stride && r.readOnly))!;
    const run0 = t.runs.find((r) => !r.stride && r.readOnly)!;
    run0.readOnly = false;
    assert.match(reports(s, 'vmemmap-single-writer')[0]!.message, /mapped writable at \d+ addresses/);
    assert.match(reports(s, 'shared-pages-readonly')[0]!.message, /is writable at vmemmap/);
  });

  test('shared-pages-readonly alone: one aliasing PTE writable', () => {
    const s = sound();
    const [, t] = [...s.vmemmap.pte].find(([, t]) => t.runs.some((r) => !r.stride && r.readOnly && r.count > 1))!;
    const r = t.runs.find((r) => !r.stride && r.readOnly && r.count > 1)!;
    t.runs.splice(t.runs.indexOf(r), 1, { ...r, count: 1, readOnly: false }, { ...r, from: r.from + 1, count: r.count - 1 });
    assert.equal(reports(s, 'shared-pages-readonly').length, 1);
  });

  test('memmap-reachable: a 2 MiB leaf of present memory removed', () => {
    const s = sound();
    s.vmemmap.pmdLeaf.delete([...s.vmemmap.pmdLeaf.keys()][3]!);
    assert.match(reports(s, 'memmap-reachable')[0]!.message, /is not mapped/);
  });

  test('compound-head: shared tails per node instead of per zone make page_zonenum() wrong', () => {
    const s = twoZones();
    const tails = [...s.vmemmap.stored].filter(([, p]) => p.kind === 'tail');
    assert.equal(tails.length, 2, 'one shared tail page for Normal, one for Movable');
    assert.deepEqual(reports(s, 'compound-head'), []);
    // Per node: every tail PTE of the node points at the first zone's page.
    const keep = tails[0]![0];
    const drop = tails[1]![0];
    for (const t of s.vmemmap.pte.values()) for (const r of t.runs) if (r.phys === drop) r.phys = keep!;
    const v = reports(s, 'compound-head');
    assert.match(v[0]!.message, /page_zonenum\(.*\) = Normal, but the PFN lies in Movable/);
    const movable = s.hugetlb.pages.find((f) => f.zone === 'Movable')!;
    assert.equal(s.zones!.names[pageZonenum(s, movable.pfn + 4096)!], 'Normal');
  });

  test('compound-head: a tail whose head pointer is lost', () => {
    const s = sound();
    const giga = new Set(s.hugetlb.pages.filter((f) => f.order === 18).map((f) => f.pfn));
    const head = [...s.vmemmap.stored.values()].find((p) => p.kind === 'head' && giga.has(p.basePfn))!;
    if (head.kind === 'head') s.vmemmap.stored.setState(head, 'plain');
    assert.match(reports(s, 'compound-head')[0]!.message, /compound_head/);
  });

  test('folio-one-zone: 6.1 keeps a gigantic page across the movablecore= boundary (finding), and a moved folio is seen', () => {
    const s = run('6.1', [3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2 movablecore=2300M');
    assert.match(reports(s, 'folio-one-zone')[0]!.message, /spans zones Normal and Movable/);
    const t = sound();
    const f = t.hugetlb.pages[0]!;
    f.pfn = 0x100000 - 2 ** (f.order - 1);
    assert.equal(reports(t, 'folio-one-zone').length, 1);
  });

  test('hvo-flag-matches-mapping: flag flipped', () => {
    const s = sound();
    const f = s.hugetlb.pages.find((p) => p.vmemmapOptimized)!;
    f.vmemmapOptimized = false;
    assert.match(reports(s, 'hvo-flag-matches-mapping')[0]!.message, /not flagged/);
  });

  test('struct-page-initialized: a shared tail page never written', () => {
    const s = twoZones();
    const p = [...s.vmemmap.stored.values()].find((p) => p.kind === 'tail')!;
    if (p.kind === 'tail') s.vmemmap.stored.setState(p, 'zero');
    assert.match(reports(s, 'struct-page-initialized')[0]!.message, /never written/);
  });

  test('memmap-boot-pages: a counter off by one', () => {
    const s = run('6.15', [3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on');
    assert.deepEqual(reports(s, 'memmap-boot-pages'), []);
    s.memmap.bootPages++;
    assert.equal(reports(s, 'memmap-boot-pages').length, 1);
  });

  test('memmap-boot-pages: a 6.15 runtime HVO that keeps the old head (no page left anywhere for a copy) is counted once', () => {
    // Above node 1's DMA32 part, nodes 1 and 2 hold only ZONE_MOVABLE; the head copy falls back along the
    // zonelist (GFP_KERNEL), so before hugetlb_init() (after the alternatives' pages are freed too) node 1's
    // DMA32 is drained and node 0 left one page, which the first PMD split takes.
    const m = q35Machine(
      {
        nodeSizes: [1280 * 2 ** 20, 3264 * 2 ** 20, 1472 * 2 ** 20],
        numa: true,
        cpuFeatures: ['pdpe1gb'],
        cmdline: 'hugetlb_free_vmemmap=on hugepagesz=2M hugepages=3 kernelcore=4M',
      },
      'test',
    );
    const s = boot(m, {
      profile: '6.15',
      others: estimatedOthers,
      afterStep: (st, step) => {
        if (step.fn !== 'free SMP alternatives') return;
        allocPagesNodeRun(st, 1, Number.MAX_SAFE_INTEGER, []);
        allocPagesNodeRun(st, 0, st.pageAlloc.nodeFree.get(0)! - 1, []);
      },
    });
    assert.ok(
      [...s.vmemmap.stored.values()].some((p) => p.kind === 'head' && p.boot),
      'one folio kept its boot head page',
    );
    assert.deepEqual(reports(s, 'memmap-boot-pages'), []);
  });

  test('memblock-nothing-lost: a vmemmap block taken during sparse_init and never mapped', () => {
    const m = q35Machine(
      { nodeSizes: [3 * GiB, 3 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: 'hugepagesz=1G hugepages=2' },
      'test',
    );
    let leaked = 0;
    const s = boot(m, {
      profile: '6.1',
      others: estimatedOthers,
      afterStep: (st, step) => {
        if (step.fn === 'sparse_init' && !leaked)
          leaked = memblockAllocTryNidRaw(st.memblock, 2 ** 21, 2 ** 21, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 0, 'vmemmap_alloc_block_buf');
      },
    });
    assert.ok(leaked);
    assert.match(reports(s, 'memblock-nothing-lost')[0]!.message, /nothing uses it/);
  });
});

describe('findings about the kernels (faithful model, not silenced)', () => {
  test("6.15 to 7.2: the vmemmap HVO frees in a discarded gigantic page's sections is leaked, and said to be (7.3 frees it)", () => {
    const cmdline = 'hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=1 movablecore=708M';
    const leaky = run('hvo-v7', [3776 * 2 ** 20], cmdline);
    const lost = reports(leaky, 'memblock-nothing-lost');
    // One report per memblock call that took the range (the sparse buffer, then the block carved from it).
    assert.ok(lost.length >= 1);
    for (const v of lost) assert.match(v.message, /^\[0x[0-9a-f]+-0x[0-9a-f]+\] .*free_bootmem_page\(\) keeps \(the kernel leaks them\)$/);
    assert.equal(leaky.hvo.vmemmapPagesLeaked, 8);
    const fixed = run('7.3', [3776 * 2 ** 20], cmdline);
    assert.equal(fixed.hvo.vmemmapPagesLeaked, 0);
    assert.deepEqual(reports(fixed, 'memblock-nothing-lost'), []);
  });
  const m = q35Machine(
    { nodeSizes: [3 * GiB, 3 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on' },
    'test',
  );
  test('6.15 and hvo-v7: vmemmap_wrprotect_hvo() covers only 63 of 4095 tail PTEs (end = start + pages_per_huge_page)', () => {
    for (const profile of ['6.15', 'hvo-v7'] as const) {
      const v = checkedBoot(m, { profile }).violations.find((x) => x.invariant === 'vmemmap-single-writer')!;
      assert.ok(v.atEnd, profile);
      assert.match(v.message, /mapped writable at \d+ addresses/);
    }
  });
  test('hvo-v7: the shared tail page is not counted in nr_memmap_boot_pages', () => {
    const v = checkedBoot(m, { profile: 'hvo-v7' }).violations.find((x) => x.invariant === 'memmap-boot-pages')!;
    assert.match(v.message, /nr_memmap_boot_pages is \d+ but \d+ .*shared tail/);
  });
  test('hvo-v7: tails read as plain pages between gather_bootmem_prealloc() and the late_initcall that initializes the shared tails', () => {
    const v = checkedBoot(m, { profile: 'hvo-v7' }).violations.find((x) => x.invariant === 'compound-head')!;
    assert.equal(v.step, 'hugetlb_init');
    assert.equal(v.atEnd, false);
  });
  test('6.15: no compound_head() finding (the fake-head check reads page[1])', () => {
    assert.equal(
      checkedBoot(m, { profile: '6.15' }).violations.find((x) => x.invariant === 'compound-head'),
      undefined,
    );
  });
});
