// hugetlb_cma= and hugetlb_cma_only= as 7.3's mm/hugetlb_cma.c parses them, the CMA areas mm/cma.c
// declares for them, and what a CMA build shows in /proc (test/fixtures/custom/7.3-cma holds the real boots).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createCmaState } from '../../src/kernel/cma.js';
import { cmdlineParseHugetlbCma } from '../../src/kernel/hugetlb-cma.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { KernelState } from '../../src/kernel/state.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { getProfile } from '../../src/profiles/index.js';
import { planBoot } from '../../src/report/plan.js';
import { hugepagesByNode, meminfoObject, zones } from '../../src/report/proc.js';
import { boot } from '../../src/simulator.js';
import { GiB } from '../../src/util/units.js';

/** The parser's state alone (the variables of mm/hugetlb_cma.c and a log). */
function parse(...values: string[]) {
  const s = { cma: createCmaState(), dmesg: [], dmesgLevels: new Map() } as unknown as KernelState;
  for (const v of values) cmdlineParseHugetlbCma(s, v);
  const c = s.cma.hugetlb;
  return {
    size: c.size,
    percent: c.percent,
    sizeInNode: Object.fromEntries(c.sizeInNode),
    percentInNode: Object.fromEntries(c.percentInNode),
    log: s.dmesg,
  };
}

describe('cmdline_parse_hugetlb_cma()', () => {
  test('a total size, or a percentage of memory', () => {
    assert.deepEqual(parse('2G'), { size: 2 * GiB, percent: 0, sizeInNode: {}, percentInNode: {}, log: [] });
    assert.deepEqual(parse('10%'), { size: 0, percent: 10, sizeInNode: {}, percentInNode: {}, log: [] });
  });
  test('per node, sizes and percentages mixed; a later total clears them', () => {
    assert.deepEqual(parse('0:1G,1:50%').sizeInNode, { 0: GiB });
    assert.deepEqual(parse('0:1G,1:50%').percentInNode, { 1: 50 });
    assert.deepEqual(parse('0:1G', '3G'), { size: 3 * GiB, percent: 0, sizeInNode: {}, percentInNode: {}, log: [] });
  });
  test("bad values: the kernel's warnings, and the parse stops where it is", () => {
    assert.deepEqual(parse('101%').log, ['hugetlb_cma: invalid percentage 101']);
    assert.equal(parse('101%').percent, 0);
    const r = parse('0:1G,1:101%,2:1G');
    assert.deepEqual(r.log, ['hugetlb_cma: invalid percentage 101 for node 1']);
    assert.deepEqual(r.sizeInNode, { 0: GiB }, 'node 2 is never reached');
    assert.deepEqual(parse('5000:1G').sizeInNode, {}, 'a node id of MAX_NUMNODES or more stops the parse');
    // After a node entry the kernel parses the whole value as a total: "0:1G,2G" is 0 bytes, and node 0 is dropped.
    assert.deepEqual(parse('0:1G,2G'), { size: 0, percent: 0, sizeInNode: {}, percentInNode: {}, log: [] });
    assert.deepEqual(parse('junk'), { size: 0, percent: 0, sizeInNode: {}, percentInNode: {}, log: [] });
  });
});

const cmaBuild = { ...getProfile('7.3')!.build };
const noCmaBuild = { ...cmaBuild, config: { ...cmaBuild.config, CMA: false } };

function run(nodeSizes: number[], cmdline: string, opts: { features?: string[]; cma?: boolean } = {}) {
  const m = q35Machine({ nodeSizes, numa: nodeSizes.length > 1, cpuFeatures: opts.features ?? ['pdpe1gb'], cmdline }, 'test');
  return boot(m, { profile: '7.3', others: estimatedOthers, build: opts.cma === false ? noCmaBuild : cmaBuild });
}
const cmaLines = (s: KernelState) => s.dmesg.filter((l) => /^(hugetlb_cma: |cma: |CMA area |HugeTLB: hugetlb_cma)/.test(l));

describe('hugetlb_cma_reserve() (7.3)', () => {
  test('k07 of the CMA build: node 0 has no free 1 GiB block, node 1 gets its area bottom-up from 4 GiB, no boot-time 1 GiB page', () => {
    const s = run([2 * GiB, 3 * GiB], 'hugetlb_cma=2G hugepagesz=1G hugepages=1 hugetlb_free_vmemmap=on');
    assert.deepEqual(cmaLines(s), [
      'hugetlb_cma: reserve 2048 MiB, up to 1024 MiB per node',
      'cma: Failed to reserve 1024 MiB',
      'hugetlb_cma: reservation failed: err -12, node 0',
      'cma: Reserved 1024 MiB in 1 range',
      'hugetlb_cma: reserved 1024 MiB on node 1',
      'HugeTLB: hugetlb_cma is enabled, skip boot time allocation',
    ]);
    assert.deepEqual(
      s.cma.areas.map((a) => [a.name, a.nid, a.ranges.map((r) => r.basePfn * 4096)]),
      [['hugetlb1', 1, [4 * GiB]]],
    );
    assert.equal(hugepagesByNode(s).node1!['1048576kB'], 0);
    assert.equal(meminfoObject(s).CmaTotal, 1048576);
    assert.equal(meminfoObject(s).CmaFree, 1048576);
    assert.equal(zones(s).find((z) => z.node === 1 && z.zone === 'Normal')!.cma, 262144);
  });
  test('without CONFIG_CMA hugetlb_cma= is no parameter: the 1 GiB page is allocated, and /proc/meminfo has no CmaTotal', () => {
    const n = run([2 * GiB, 3 * GiB], 'hugetlb_cma=2G hugepagesz=1G hugepages=1', { cma: false });
    assert.equal(cmaLines(n).length, 0);
    assert.equal(hugepagesByNode(n).node1!['1048576kB'], 1);
    assert.equal(meminfoObject(n).CmaTotal, undefined);
  });
  test("the kernel's warnings: no 1 GiB pages, a node size not a whole number of pages, a node without memory, a total not one", () => {
    assert.deepEqual(cmaLines(run([4 * GiB], 'hugetlb_cma=1G', { features: [] })), [
      "hugetlb_cma: the option isn't supported by current arch",
    ]);
    assert.deepEqual(cmaLines(run([2 * GiB, 3 * GiB], 'hugetlb_cma=1:512M')), [
      'hugetlb_cma: cma area of node 1 must be a multiple of 1024 MiB',
    ]);
    assert.deepEqual(cmaLines(run([2 * GiB, 3 * GiB], 'hugetlb_cma=5:1G')), ['hugetlb_cma: invalid node 5 specified']);
    assert.deepEqual(cmaLines(run([2 * GiB, 3 * GiB], 'hugetlb_cma=1536M')), ['hugetlb_cma: cma area must be a multiple of 1024 MiB']);
    assert.match(cmaLines(run([4 * GiB], 'hugetlb_cma=1%'))[0]!, /^hugetlb_cma: reservation size rounded down to 0 from 40 MiB \(1%\)$/);
  });
  test('hugetlb_cma_only=1: the boot-time 1 GiB pages come out of the areas, without a memblock call of their own', () => {
    const s = run([4 * GiB, 4 * GiB], 'hugetlb_cma=2G hugetlb_cma_only=1 hugepagesz=1G hugepages=2');
    assert.ok(!s.memblock.calls.some((c) => c.caller === '__alloc_bootmem_huge_page'));
    const hp = hugepagesByNode(s);
    assert.equal(hp.node0!['1048576kB']! + hp.node1!['1048576kB']!, 2);
    for (const p of s.hugetlb.pages.filter((x) => x.order === 18)) {
      const a = s.cma.areas.find((x) => x.nid === p.nid)!;
      assert.ok(
        a.ranges.some((r) => p.pfn >= r.basePfn && p.pfn < r.basePfn + r.count),
        `page ${p.pfn} in its node's area`,
      );
    }
    assert.equal(meminfoObject(s).CmaTotal, 2 * 1048576);
    assert.equal(meminfoObject(s).CmaFree, 2 * 1048576 - 2 * 1048576);
  });
  test("hugetlb_cma_only= as kstrtobool() reads it: 'true' and 'on' take the pages from the areas, 'off' does not, 'x' is malformed", () => {
    const giant = (c: string) => run([4 * GiB, 4 * GiB], `hugetlb_cma=2G ${c} hugepagesz=1G hugepages=2`);
    for (const on of ['hugetlb_cma_only=true', 'hugetlb_cma_only=on', 'hugetlb_cma_only=Enable'])
      assert.equal(giant(on).hugetlb.pages.filter((p) => p.order === 18).length, 2, on);
    assert.equal(giant('hugetlb_cma_only=off').hugetlb.pages.length, 0);
    const bad = giant('hugetlb_cma_only=x');
    assert.ok(bad.dmesg.includes("Malformed early option 'hugetlb_cma_only'"));
    assert.equal(bad.hugetlb.pages.length, 0);
  });
});

describe('what the reports and other generations say', () => {
  test('the planner names hugetlb_cma= as why the 1 GiB pages are missing, with the areas, and gives no best ask', () => {
    const s = run([2 * GiB, 3 * GiB], 'hugetlb_cma=2G hugepagesz=1G hugepages=1');
    const z = planBoot(s, { reboot: (c) => run([2 * GiB, 3 * GiB], c) }).sizes.find((x) => x.size === '1 GiB')!;
    assert.match(z.why[0]!.text, /^hugetlb_cma= is set, so the kernel skips boot-time 1 GiB pages/);
    assert.deepEqual(z.why[0]!.examples, ['hugetlb1 on node 1: [mem 0x100000000-0x13fffffff] (1 GiB)']);
    assert.equal(z.best, undefined);
    assert.match(z.noBest!, /allocates none at boot/);
  });
  test('a CMA build of a generation that does not reserve the areas says hugetlb_cma= is not modelled there', () => {
    const m = q35Machine({ nodeSizes: [2 * GiB, 3 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: 'hugetlb_cma=2G' }, 'test');
    const s = boot(m, { profile: '7.1', others: estimatedOthers, build: { ...getProfile('7.1')!.build, config: cmaBuild.config } });
    assert.ok(s.dmesg.some((l) => l.startsWith('hvosim: hugetlb_cma= is not modelled for this kernel generation')));
    assert.equal(s.cma.areas.length, 0);
  });
});

describe('the CMA areas (property)', () => {
  const gib = fc.integer({ min: 1, max: 6 });
  const machine = fc.record({
    nodes: fc.array(gib, { minLength: 1, maxLength: 4 }),
    perNode: fc.boolean(),
    asked: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
  });
  test('every area lies in one zone of its node, in memory, on 1 GiB boundaries, and nothing else memblock gave out lies in it', () => {
    fc.assert(
      fc.property(machine, ({ nodes, perNode, asked }) => {
        const arg = perNode ? nodes.map((_, i) => `${i}:${asked[i]}G`).join(',') : `${asked.reduce((a, b) => a + b, 0)}G`;
        const s = run(
          nodes.map((g) => g * GiB),
          `hugetlb_cma=${arg} hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=16`,
        );
        const ps = s.arch.pageSize;
        const ranges = s.cma.areas.flatMap((a) =>
          a.ranges.map((r) => ({ nid: a.nid, start: r.basePfn * ps, end: (r.basePfn + r.count) * ps })),
        );
        let total = 0;
        for (const r of ranges) {
          total += r.end - r.start;
          assert.equal(r.start % GiB, 0);
          const mem = s.memblock.memory.regions.find((m) => m.base <= r.start && r.end <= m.base + m.size);
          assert.ok(mem && mem.nid === r.nid, `[${r.start}, ${r.end}) in memory of node ${r.nid}`);
          const z = zones(s).filter((x) => x.node === r.nid && x.start * ps < r.end && r.start < (x.start + x.spanned) * ps);
          assert.equal(z.length, 1, 'one zone');
          for (const o of ranges) assert.ok(o === r || o.end <= r.start || r.end <= o.start, 'areas do not overlap');
        }
        assert.equal(meminfoObject(s).CmaTotal, total / 1024);
        // Every allocation memblock made after the areas (and every huge page) lies outside them.
        const inArea = (a: number, size: number) => ranges.some((r) => a < r.end && r.start < a + size);
        s.memblock.calls.forEach((c) => {
          if (c.fn.startsWith('memblock_alloc') && c.result) assert.ok(!inArea(c.result, c.size!), `${c.caller} at ${c.result}`);
        });
        const giant = s.hugetlb.pages.filter((p) => p.order === 18);
        for (const p of giant) assert.ok(!inArea(p.pfn * ps, 2 ** p.order * ps), 'a 1 GiB page in an area');
        if (ranges.length) assert.equal(giant.length, 0, 'with an area, no 1 GiB page at boot');
      }),
      { numRuns: 40 },
    );
  });
});
