// The pictures and the planner: laws that tie them to the boot they describe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { KernelState } from '../../src/kernel/state.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/profiles/index.js';
import { presentSections } from '../../src/kernel/sparse.js';
import { sectionMapSize } from '../../src/kernel/sparse-buffer.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { PRESETS, presetJson } from '../../src/machine/presets.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayedOthers } from '../../src/trace/foreign.js';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { bootPicture, reservationsAfter, ownerOf } from '../../src/report/picture.js';
import { memoryMapSvg, vmemmapSvg } from '../../src/report/svg.js';
import { planBoot, withHugepages } from '../../src/report/plan.js';
import { cmdlineNotes } from '../../src/report/cmdline.js';
import { meminfoObject } from '../../src/report/proc.js';
import { fixtureFiles, read } from '../helpers.js';

const GiB = 2 ** 30;
const bootPreset = (name: string, profile: ProfileName, cmdline?: string) => {
  const m = PRESETS[name]!.build();
  return boot(cmdline === undefined ? m : { ...m, cmdline }, { profile, others: estimatedOthers });
};
const bytes = (xs: { start: number; end: number }[]) => xs.reduce((a, x) => a + x.end - x.start, 0);

/** memblock.reserved as disjoint ranges. */
function reservedRanges(s: KernelState) {
  return s.memblock.reserved.regions.map((r) => ({ start: r.base, end: r.base + r.size }));
}

describe('the memory-map picture', () => {
  test('replaying the calls gives back exactly what memblock holds reserved, on real boots (their own calls) and generated ones', () => {
    const logs = fixtureFiles().slice(0, 12);
    assert.ok(logs.length > 0);
    for (const f of logs) {
      const log = parseKernelLog(read(f), f);
      for (const profile of PROFILE_NAMES) {
        const s = boot(machineFromLog(log), { profile, others: replayedOthers(log) });
        const mine = reservationsAfter(s, s.memblock.calls.length);
        assert.deepEqual(mergeAdjacent(mine), mergeAdjacent(reservedRanges(s)), `${f} ${profile}`);
      }
    }
    fc.assert(
      fc.property(caseArb(false), fc.constantFrom(...PROFILE_NAMES), (c, profile) => {
        const s = boot({ ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline }, { profile, others: estimatedOthers });
        assert.deepEqual(mergeAdjacent(reservationsAfter(s, s.memblock.calls.length)), mergeAdjacent(reservedRanges(s)));
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  test('owners come from the calling kernel function', () => {
    assert.equal(ownerOf('__alloc_bootmem_huge_page'), 'hugetlb');
    assert.equal(ownerOf('vmemmap_alloc_block_zero'), 'memmap');
    assert.equal(ownerOf('vmemmap_populate_hugepages'), 'memmap');
    assert.equal(ownerOf('sparse_init_nid'), 'memmap');
    assert.equal(ownerOf('pcpu_embed_first_chunk'), 'per-cpu');
    assert.equal(ownerOf('numa_init'), 'node data');
  });

  test('taken before hugetlb allocates, the first step shows no hugetlb reservation; the last shows every gigantic page', () => {
    for (const profile of PROFILE_NAMES) {
      const s = bootPreset('default', profile);
      const first = bootPicture(s, 0);
      assert.equal(first.nodes.flatMap((n) => n.reserved).filter((e) => e.what === 'hugetlb').length, 0);
      const last = bootPicture(s);
      const huge = last.nodes.flatMap((n) => n.reserved).filter((e) => e.what === 'hugetlb');
      assert.equal(bytes(huge), 2 * GiB, profile);
      assert.equal(bytes(last.nodes.flatMap((n) => n.hugePages)), 2 * GiB);
    }
  });

  test('the SVG stays small at any size: at most a rectangle a pixel per layer, and a window draws only what it holds', () => {
    const s = bootPreset('4s-3t', 'hvo-v7');
    const pic = bootPicture(s);
    const svg = memoryMapSvg(pic, { width: 800 });
    const rects = (svg.match(/<rect /g) ?? []).length;
    assert.ok(rects < 4 * 4 * 800, `${rects} rectangles`);
    assert.equal((svg.match(/<g class="node"/g) ?? []).length, 4);
    const n2 = pic.nodes[2]!;
    const zoomed = memoryMapSvg(pic, { window: { start: n2.start + GiB, end: n2.start + 2 * GiB } });
    assert.deepEqual(
      [...zoomed.matchAll(/data-nid="(\d+)"/g)].map((m) => m[1]),
      ['2'],
    );
    assert.match(vmemmapSvg(pic), /shared tail page/);
  });

  test('the vmemmap picture claims no HVO saving or cost when HVO is off', () => {
    const off = vmemmapSvg(bootPicture(bootPreset('default', '7.1', 'hugepagesz=1G hugepages=2')));
    assert.match(off, /HVO is off/);
    assert.doesNotMatch(off, /HVO (saves|costs)/);
    const on = vmemmapSvg(bootPicture(bootPreset('default', '7.1', 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on')));
    assert.match(on, /HVO saves/);
  });
});

/** Ranges with touching neighbours merged (owners dropped). */
function mergeAdjacent(xs: { start: number; end: number }[]) {
  const out: { start: number; end: number }[] = [];
  for (const x of [...xs].sort((a, b) => a.start - b.start)) {
    const l = out.at(-1);
    if (l && l.end >= x.start) l.end = Math.max(l.end, x.end);
    else out.push({ start: x.start, end: x.end });
  }
  return out;
}

describe('the planner', () => {
  test("asked and got add up; HugeTLB memory is what the pool holds; struct pages without HVO are every present section's memmap", () => {
    for (const profile of PROFILE_NAMES) {
      const s = bootPreset('default', profile);
      const p = planBoot(s);
      const z = p.sizes.find((x) => x.bytes === GiB)!;
      assert.equal(z.asked, 2);
      assert.equal(
        z.got,
        z.rows.reduce((a, r) => a + r.got, 0),
      );
      assert.equal(z.got, s.hugetlb.pages.filter((x) => x.order === 18).length);
      assert.equal(p.hugetlbBytes, meminfoObject(s).Hugetlb! * 1024);
      assert.equal(p.structPages.withoutHvoBytes, presentSections(s) * sectionMapSize(s));
    }
  });

  test('what HVO saves in struct pages is what MemTotal gains over the same boot without HVO, less the PTE tables it took (6.1)', () => {
    const on = bootPreset('default', '6.1', 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on');
    const off = bootPreset('default', '6.1', 'hugepagesz=1G hugepages=2');
    const gain = (meminfoObject(on).MemTotal! - meminfoObject(off).MemTotal!) * 1024;
    const saved = planBoot(on).structPages.savedBytes - planBoot(off).structPages.savedBytes;
    assert.ok(gain > 0);
    // The PTE tables that split the vmemmap come from the buddy allocator: used memory, not less MemTotal.
    assert.equal(saved, gain - on.hvo.pteTables * 4096);
  });

  test('pages missing: each short node is explained; the best command line gets what it promises when booted', () => {
    for (const profile of PROFILE_NAMES) {
      const cmd = 'hugetlb_free_vmemmap=on hugepagesz=1G hugepages=6';
      const m = { ...PRESETS.default!.build(), cmdline: cmd };
      const s = boot(m, { profile, others: estimatedOthers });
      const p = planBoot(s, { reboot: (c) => boot({ ...m, cmdline: c }, { profile, others: estimatedOthers }) });
      const z = p.sizes.find((x) => x.bytes === GiB)!;
      assert.equal(z.asked, 6);
      assert.ok(z.got < 6);
      assert.equal(z.why.length, z.rows.length, 'one line per node (the count was spread over them)');
      for (const w of z.why) assert.match(w.text, /^node \d+: \d+ aligned slots? of 1 GiB/);
      // The taken slots name what holds them, inside the slot.
      for (const e of z.why.flatMap((w) => w.examples).filter((x) => x.includes(' holds '))) {
        const m = /^\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] holds \S[^[]* at \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\]/.exec(e)!;
        assert.ok(m, e);
        assert.ok(Number(m[3]) >= Number(m[1]) && Number(m[4]) <= Number(m[2]), e);
      }
      const best = z.best!;
      assert.ok(best.pages >= z.got);
      const again = boot({ ...m, cmdline: best.cmdline }, { profile, others: estimatedOthers });
      assert.equal(again.hugetlb.pages.filter((x) => x.order === 18).length, best.pages);
      assert.equal(again.panic, null);
    }
  });

  test('withHugepages replaces the ask for one size and keeps everything else', () => {
    const M = 2 ** 21;
    assert.equal(
      withHugepages('hugepagesz=2M hugepages=10 hugepagesz=1G hugepages=1 movablecore=1G', GiB, M, 3),
      'hugepagesz=2M hugepages=10 movablecore=1G hugepagesz=1G hugepages=3',
    );
    assert.equal(withHugepages('hugepages=5 hugepagesz=1G hugepages=1', M, M, 7), 'hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=7');
    assert.equal(withHugepages('', GiB, M, 2), 'hugepagesz=1G hugepages=2');
    // Booted, the new line asks for exactly that count of that size and the same of the others.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), (g, small, want) => {
        const cmd = `hugepagesz=2M hugepages=${small} hugepagesz=1G hugepages=${g}`;
        const m = { ...PRESETS.default!.build(), cmdline: withHugepages(cmd, GiB, M, want) };
        const s = boot(m, { profile: '6.1', others: estimatedOthers });
        const count = (order: number) => s.hugetlb.pages.filter((x) => x.order === order).length;
        assert.equal(count(9), small);
        assert.equal(count(18), Math.min(want, 2));
      }),
      { numRuns: 20, seed: 3 },
    );
  });

  test('a misspelt parameter is pointed out; ones hvosim does not read are listed, module parameters left alone', () => {
    const n = cmdlineNotes('hugepage=4 hugepagesize=1G console=ttyS0 foo.bar=1 hugepages=2 -- hugepagse=1');
    assert.deepEqual(
      n.suspicious.map((x) => x.meant),
      ['hugepages', 'hugepagesz'],
    );
    assert.deepEqual(n.ignored, ['console=ttyS0']);
  });

  test('a preset written as a machine file boots the same machine', () => {
    for (const name of Object.keys(PRESETS)) {
      const fromFile = loadMachineJson(JSON.stringify(presetJson(name)), 'x.json');
      const built = PRESETS[name]!.build();
      assert.deepEqual(fromFile.e820, built.e820, name);
      assert.deepEqual(fromFile.nodes, built.nodes, name);
    }
  });
});
