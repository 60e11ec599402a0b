// The hugetlb parameters as mm/hugetlb.c (6.1) handles them, on machines no
// fixture covers (no pdpe1gb, odd orders), and the laws of zones and PTE runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { PteRun, PteTable } from '../../src/kernel/pgtable.js';
import { pteLookup, pteSetRange } from '../../src/kernel/pgtable.js';
import { PteTables } from '../../src/kernel/pgtable-storage.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { hugepagesByNode, meminfoObject } from '../../src/report/proc.js';
import { GiB, MiB } from '../../src/util/units.js';

function run(nodeSizes: number[], cmdline: string, features = ['pdpe1gb']) {
  const m = q35Machine({ nodeSizes, numa: nodeSizes.length > 1, cpuFeatures: features, cmdline }, 'test');
  return boot(m, { profile: '6.1', others: estimatedOthers });
}
const hugetlbLines = (s: ReturnType<typeof run>) => s.dmesg.filter((l) => l.startsWith('HugeTLB: '));

describe('hugetlb parameters (6.1)', () => {
  test('without pdpe1gb, 1 GiB pages are refused and their count ignored; no 1 GiB hstate exists', () => {
    const s = run([4 * GiB], 'hugepagesz=1G hugepages=2', []);
    assert.deepEqual(hugetlbLines(s).slice(0, 2), [
      'HugeTLB: unsupported hugepagesz=1G',
      'HugeTLB: hugepages=2 does not follow a valid hugepagesz, ignoring',
    ]);
    assert.deepEqual(Object.keys(hugepagesByNode(s).node0!), ['2048kB']);
    assert.ok(!s.memblock.calls.some((c) => c.caller === '__alloc_bootmem_huge_page'));
  });
  test('hugepages= before any hugepagesz= goes to the default size (2 MiB), allocated in hugetlb_init', () => {
    const s = run([2 * GiB, 2 * GiB], 'hugepages=100');
    const hp = hugepagesByNode(s);
    assert.equal(hp.node0!['2048kB']! + hp.node1!['2048kB']!, 100);
    assert.equal(hp.node0!['2048kB'], 50, 'round robin over the nodes');
    assert.equal(meminfoObject(s).HugePages_Total, 100);
  });
  test('default_hugepagesz=1G makes HugePages_Total count 1 GiB pages, and a second default_hugepagesz= is refused', () => {
    const s = run([4 * GiB, 4 * GiB], 'default_hugepagesz=1G hugepages=2 default_hugepagesz=2M');
    assert.ok(hugetlbLines(s).includes('HugeTLB: default_hugepagesz previously specified, ignoring 2M'));
    assert.equal(meminfoObject(s).HugePages_Total, 2);
    assert.equal(meminfoObject(s).Hugepagesize, 1024 * 1024);
  });
  test('a per-node count on a node that does not exist invalidates the parameter', () => {
    const s = run([2 * GiB, 2 * GiB], 'hugepagesz=2M hugepages=0:5,9:5');
    assert.ok(hugetlbLines(s).includes('HugeTLB: Invalid hugepages parameter 9:5'));
    assert.equal(meminfoObject(s).HugePages_Total, 0);
  });
  test('asking more gigantic pages than fit prints the failure and keeps what it got', () => {
    const s = run([8 * GiB], 'hugepagesz=1G hugepages=50');
    const got = hugepagesByNode(s).node0!['1048576kB']!;
    assert.ok(got > 0 && got < 8, `got ${got}`);
    assert.ok(hugetlbLines(s).includes(`HugeTLB: allocating 50 of page size 1.00 GiB failed.  Only allocated ${got} hugepages.`));
  });
  test('hugetlb_free_vmemmap: off by default in this build; HVO gives back 4095 vmemmap pages per 1 GiB page and 7 per 2 MiB page', () => {
    // Command lines of one length: start_kernel()'s copies of it are memblock allocations too.
    const off = run([4 * GiB, 4 * GiB], 'hugepagesz=1G hugepages=3 hugepagesz=2M hugepages=10 hugetlb_free_vmemmap=0');
    const on = run([4 * GiB, 4 * GiB], 'hugepagesz=1G hugepages=3 hugepagesz=2M hugepages=10 hugetlb_free_vmemmap=1');
    assert.equal(run([4 * GiB, 4 * GiB], 'hugepagesz=1G hugepages=3').hvo.vmemmapPagesFreed, 0);
    assert.equal(off.hvo.vmemmapPagesFreed, 0);
    assert.equal(on.hvo.vmemmapPagesFreed, 3 * 4095 + 10 * 7);
    assert.equal(meminfoObject(on).MemTotal! - meminfoObject(off).MemTotal!, (3 * 4095 + 10 * 7) * 4);
  });
  test('a bad hugetlb_free_vmemmap value is reported as parse_args does and ignored', () => {
    const s = run([2 * GiB], 'hugetlb_free_vmemmap=perhaps hugepagesz=2M hugepages=4');
    assert.ok(s.dmesg.includes("Booting kernel: `perhaps' invalid for parameter `hugetlb_free_vmemmap'"));
    assert.equal(s.hvo.optimized, 0);
  });
  test('after HVO, every tail vmemmap page of a gigantic page maps the head page read-only', () => {
    const s = run([4 * GiB, 4 * GiB], 'hugepagesz=1G hugepages=1 hugetlb_free_vmemmap=on');
    const page = s.hugetlb.pages[0]!;
    const start = page.pfn * 64;
    const head = s.vmemmap.pte.get(Math.floor(start / (2 * MiB)))!;
    const headPhys = pteLookup(head, 0)!;
    assert.equal(headPhys.readOnly, false);
    for (let off = 4096; off < 16 * MiB; off += 4096) {
      const t = s.vmemmap.pte.get(Math.floor((start + off) / (2 * MiB)))!;
      const e = pteLookup(t, Math.floor(((start + off) % (2 * MiB)) / 4096))!;
      assert.equal(e.phys, headPhys.phys);
      assert.equal(e.readOnly, true);
    }
  });
});

describe('zones: laws for any kernelcore=/movablecore=', () => {
  test('present pages of a node sum to its memory; ZONE_MOVABLE starts on a MAX_ORDER boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4, max: 40 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('kernelcore', 'movablecore'),
        fc.integer({ min: 0, max: 12000 }),
        (sizes128m, knob, mib) => {
          const s = run(
            sizes128m.map((x) => x * 128 * MiB),
            `${knob}=${mib}M`,
          );
          const lay = s.zones!;
          for (const [nid, span] of lay.nodeSpan) {
            const mem = s.memblock.memory.regions
              .filter((r) => r.nid === nid)
              .reduce((a, r) => a + Math.floor((r.base + r.size) / 4096) - Math.ceil(r.base / 4096), 0);
            const present = lay.zones.filter((z) => z.nid === nid).reduce((a, z) => a + z.present, 0);
            assert.equal(present, mem);
            const zs = lay.zones.filter((z) => z.nid === nid && z.spanned).sort((a, b) => a.startPfn - b.startPfn);
            for (let i = 1; i < zs.length; i++)
              assert.ok(zs[i]!.startPfn >= zs[i - 1]!.startPfn + zs[i - 1]!.spanned, 'zones do not overlap');
            const mv = lay.zoneMovablePfn.get(nid) ?? 0;
            if (mv) assert.ok(mv % 1024 === 0 && mv >= span.start && mv < span.end);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('PTE runs', () => {
  test('setting ranges of a run list equals setting them in a plain array', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.integer({ min: 0, max: 511 }),
            count: fc.integer({ min: 1, max: 512 }),
            phys: fc.integer({ min: 1, max: 1e6 }),
            stride: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
            ro: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
        (ops) => {
          const t: PteTable = { page: 0, runs: [{ from: 0, count: 512, phys: 0, stride: 1, readOnly: false }] };
          const plain = Array.from({ length: 512 }, (_, i) => ({ phys: i * 4096, readOnly: false }));
          for (const o of ops) {
            const count = Math.min(o.count, 512 - o.from);
            pteSetRange(t, o.from, count, o.phys * 4096, o.stride, o.ro);
            for (let i = 0; i < count; i++) plain[o.from + i] = { phys: o.phys * 4096 + (o.stride ? i * 4096 : 0), readOnly: o.ro };
          }
          for (let i = 0; i < 512; i++) assert.deepEqual(pteLookup(t, i), plain[i]);
          assert.equal(
            t.runs.reduce((a, r) => a + r.count, 0),
            512,
          );
        },
      ),
    );
  });

  test('tables that share a runs array change apart (copy on write)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            entry: fc.integer({ min: 0, max: 3 }),
            from: fc.integer({ min: 0, max: 511 }),
            count: fc.integer({ min: 1, max: 512 }),
            phys: fc.integer({ min: 1, max: 1e6 }),
          }),
          { maxLength: 12 },
        ),
        (ops) => {
          // Four tables, the last three sharing one array (as HVO's whole tables mapped onto one page do).
          const pte = new PteTables();
          const shared: PteRun[] = [{ from: 0, count: 512, phys: 7 * 4096, stride: 0, readOnly: true }];
          pte.add(0, 4096, [{ from: 0, count: 512, phys: 0, stride: 1, readOnly: false }]);
          for (const e of [1, 2, 3]) pte.add(e, (e + 1) * 4096, shared);
          const plain = [0, 1, 2, 3].map((e) => Array.from({ length: 512 }, (_, i) => (e ? 7 * 4096 : i * 4096)));
          for (const o of ops) {
            const count = Math.min(o.count, 512 - o.from);
            pteSetRange(pte.get(o.entry)!, o.from, count, o.phys * 4096, 1, false);
            for (let i = 0; i < count; i++) plain[o.entry]![o.from + i] = (o.phys + i) * 4096;
          }
          for (const e of [0, 1, 2, 3])
            for (let i = 0; i < 512; i++) assert.equal(pteLookup(pte.get(e)!, i)?.phys, plain[e]![i], `table ${e}, entry ${i}`);
          assert.equal(shared.length, 1, 'the shared array itself is never changed');
        },
      ),
    );
  });
});
