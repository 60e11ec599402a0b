// What the pictures' labels count: a node's RAM (not its span), each node's struct pages adding up
// to the "without HVO" figure, and text that stays readable when drawn narrow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PRESETS } from '../../src/machine/presets.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { validateMachine } from '../../src/machine/validate.js';
import { bootPicture } from '../../src/report/picture.js';
import { barX0, COMPACT_WIDTH, memoryMapSvg, vmemmapSvg } from '../../src/report/svg.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function bootNodes(sizes: number[], cmdline: string) {
  const m = validateMachine(q35Machine({ nodeSizes: sizes, numa: true, cpuFeatures: ['pdpe1gb'], cmdline }, 'test'));
  return boot(m, { others: estimatedOthers });
}

test("a node's picture holds its RAM apart from its span; each node's struct pages add up to the whole", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (halves, hvo) => {
      const s = bootNodes(
        halves.map((h) => h * 512 * MiB),
        `hugepagesz=1G hugepages=1${hvo ? ' hugetlb_free_vmemmap=on' : ''}`,
      );
      const pic = bootPicture(s);
      for (const n of pic.nodes) {
        const ram = s.memblock.memory.regions.filter((r) => r.nid === n.nid).reduce((a, r) => a + r.size, 0);
        assert.equal(n.ram, ram, `node ${n.nid}: RAM is memblock's memory of the node`);
        assert.ok(n.ram <= n.end - n.start);
        const zones = s.zones!.zones.filter((z) => z.nid === n.nid);
        assert.equal(n.presentBytes, zones.reduce((a, z) => a + z.present, 0) * s.arch.pageSize);
        assert.ok(n.managedBytes !== null && n.managedBytes <= n.presentBytes!);
      }
      const v = pic.vmemmap;
      assert.equal(
        v.nodes.reduce((a, n) => a + n.structPageBytes, 0),
        v.fullBytes,
        'the nodes\' struct pages are the "without HVO" figure',
      );
    }),
    { numRuns: 12 },
  );
});

test('the default machine: node 0 spans 4.99 GiB around the PCI hole, holds 2.99 GiB of RAM and 48 MiB of struct pages', () => {
  const m = PRESETS.default!.build();
  const pic = bootPicture(boot(m, { others: estimatedOthers }));
  for (const width of [1000, 400]) {
    const map = memoryMapSvg(pic, { width });
    assert.match(map, /2\.99 GiB RAM/);
    assert.match(map, /spans 4\.99 GiB/);
    const vm = vmemmapSvg(pic, { width });
    assert.equal((vm.match(/48 MiB of struct pages</g) ?? []).length, 2);
    assert.match(vm, /in a 79\.99 MiB range/);
    assert.match(vm, /without HVO: 96 MiB/);
  }
});

test('drawn narrow, the labels go above the bars and no text is under 10 px', () => {
  const pic = bootPicture(bootNodes([3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on'));
  assert.equal(barX0(COMPACT_WIDTH - 1), 8);
  for (const svg of [memoryMapSvg(pic, { width: 380 }), vmemmapSvg(pic, { width: 380 })]) {
    assert.match(svg, /width="380"/);
    for (const [, size] of svg.matchAll(/font-size="(\d+(?:\.\d+)?)"/g)) assert.ok(Number(size) >= 10, `font-size ${size}`);
    for (const [, x, w] of svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g))
      assert.ok(Number(x) + Number(w) <= 380 + 0.01, `a rectangle past the right edge: x ${x} width ${w}`);
  }
});
