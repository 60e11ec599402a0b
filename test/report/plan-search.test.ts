// The planner's search for the most pages: the answer boots, one more does not (or gets no more),
// the per-node split adds up, and the recommendation keeps the margin. The search assumes that
// whether a boot survives is monotone in the ask; the property test also tries asks above the
// answer at random, so a machine where that does not hold would show here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boot, numaNodeSpans } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { KernelState } from '../../src/kernel/state.js';
import { PROFILE_NAMES as PROFILES, type ProfileName as Profile } from '../../src/profiles/index.js';
import { PRESETS } from '../../src/machine/presets.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { bootDeath, marginBytes, parseMargin, planBoot, withHugepages, type Margin, type PlanSize } from '../../src/report/plan.js';
import { meminfoObject } from '../../src/report/proc.js';

const GiB = 2 ** 30;

function planOf(m: Machine, profile: Profile, margin?: Margin) {
  const run = (cmdline: string) => boot({ ...m, cmdline }, { profile, others: estimatedOthers });
  const s = run(m.cmdline);
  return { s, run, plan: planBoot(s, { reboot: run, margin }) };
}

const pagesOf = (t: KernelState, bytes: number) => t.hugetlb.pages.filter((p) => p.order === Math.log2(bytes / 4096)).length;
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

const perNodeOf = (t: KernelState, bytes: number) => {
  const out: Record<string, number> = {};
  for (const nid of numaNodeSpans(t.numa).keys()) out[`node${nid}`] = 0;
  for (const p of t.hugetlb.pages) if (p.order === Math.log2(bytes / 4096)) out[`node${p.nid}`] = (out[`node${p.nid}`] ?? 0) + 1;
  return out;
};

/** The ask of a planner's command line (its last hugepages=), and one fewer gets fewer pages. */
function fewestAsk(s: KernelState, run: (c: string) => KernelState, z: PlanSize, defaultBytes: number, cmdline: string, pages: number) {
  const ask = Number(/hugepages=(\d+)$/.exec(cmdline)![1]);
  assert.ok(ask >= pages, cmdline);
  if (ask === 0) return;
  const u = run(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, ask - 1));
  assert.ok(pagesOf(u, z.bytes) < pages, `${cmdline}: asking for ${ask - 1} gets as many pages (${pages})`);
}

/** The laws every answer keeps; `above` are asks past the answer to try as well. */
function checkSize(s: KernelState, run: (c: string) => KernelState, z: PlanSize, above: number[]) {
  const dflt = s.hugetlb.hstates[s.hugetlb.defaultIdx]!;
  const defaultBytes = 2 ** (dflt.order + 12);
  const best = z.best;
  if (!best) {
    assert.ok(z.noBest, 'no answer only when even no pages of the size die');
    assert.ok(bootDeath(run(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, 0))));
    return;
  }
  assert.equal(sum(best.perNode), best.pages, `per-node split adds up: ${JSON.stringify(best.perNode)}`);
  const t = run(best.cmdline);
  assert.equal(bootDeath(t), null, `the answer boots: ${best.cmdline}`);
  assert.equal(pagesOf(t, z.bytes), best.pages, 'and gets the pages promised');
  assert.deepEqual(perNodeOf(t, z.bytes), best.perNode, 'on the nodes promised');
  fewestAsk(s, run, z, defaultBytes, best.cmdline, best.pages);
  for (const k of [best.pages + 1, ...above.map((a) => best.pages + 1 + a)]) {
    const u = run(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, k));
    assert.ok(bootDeath(u) || pagesOf(u, z.bytes) <= best.pages, `asking for ${k} boots and gets ${pagesOf(u, z.bytes)} > ${best.pages}`);
  }
  if (z.recommended) {
    const r = z.recommended;
    assert.ok(r.pages <= best.pages);
    assert.equal(sum(r.perNode), r.pages);
    const u = run(r.cmdline);
    assert.equal(bootDeath(u), null);
    assert.equal(pagesOf(u, z.bytes), r.pages);
    assert.deepEqual(perNodeOf(u, z.bytes), r.perNode);
    fewestAsk(s, run, z, defaultBytes, r.cmdline, r.pages);
    assert.ok((meminfoObject(u).MemFree ?? 0) * 1024 >= z.marginBytes!, 'the recommendation leaves the margin free');
    // One more page would not.
    const v = run(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, r.pages + 1));
    assert.ok(bootDeath(v) || (meminfoObject(v).MemFree ?? 0) * 1024 < z.marginBytes! || pagesOf(v, z.bytes) === r.pages);
  } else if (best.freeBytes < z.marginBytes!) {
    // No recommendation though the most leaves less than the margin: then not even none of the size leaves it.
    const none = run(withHugepages(s.machine.cmdline, z.bytes, defaultBytes, 0));
    assert.ok(bootDeath(none) || (meminfoObject(none).MemFree ?? 0) * 1024 < z.marginBytes!);
  }
}

describe("the planner's search", () => {
  test('2s-server with HVO off (issue 17): each profile finds the largest ask that boots, not the ask it was given', () => {
    const m = { ...PRESETS['2s-server']!.build(), cmdline: 'hugepagesz=1G hugepages=400' };
    for (const profile of PROFILES) {
      const { s, run, plan } = planOf(m, profile);
      const z = plan.sizes.find((x) => x.bytes === GiB)!;
      assert.ok(z.best!.pages > 400, `${profile}: ${z.best!.pages}`);
      checkSize(s, run, z, [0, 3, 20]);
      // HVO is off: nothing is claimed saved.
      assert.equal(plan.structPages.hvo, false);
    }
  });

  test('6.15 with movablecore cutting a page across zones: the fewest pages asked that get the best', () => {
    const m = { ...PRESETS.default!.build(), cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M' };
    const { s, run, plan } = planOf(m, '6.15');
    const z = plan.sizes.find((x) => x.bytes === GiB)!;
    assert.equal(z.best!.pages, 1);
    assert.match(z.best!.cmdline, / hugepages=1$/);
    checkSize(s, run, z, [0]);
  });

  test('7.3 frees a page spanning two zones at allocation: the answer asks for the page it discards too', () => {
    // Found by the property below once a profile was added: hugepages=1 gets none on 7.3 (its page spans the
    // movablecore= boundary and is freed at once), hugepages=2 gets one.
    const m = {
      ...parseQemuArgs(qemuArgs({ nodes: [1216, 2944], gbpages: true, cmdline: '' })),
      cmdline: 'hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1 movablecore=68M',
    };
    const { s, run, plan } = planOf(m, '7.3');
    const z = plan.sizes.find((x) => x.bytes === GiB)!;
    assert.equal(z.best!.pages, 1);
    assert.match(z.best!.cmdline, / hugepages=2$/);
    checkSize(s, run, z, []);
  });
  test('a boot that dies is said to die, and the plan of it says so instead of explaining slots', () => {
    const m = { ...PRESETS['2s-server']!.build(), cmdline: 'hugepagesz=1G hugepages=512' };
    const { s, plan } = planOf(m, 'hvo-v7');
    assert.ok(s.panic);
    assert.ok(plan.died);
    assert.equal(plan.structPages.complete, false);
    const z = plan.sizes.find((x) => x.bytes === GiB)!;
    assert.match(z.why[0]!.text, /^the boot died/);
    // The margin is a share of the memory the answer boots with, not of the dead boot's (none).
    assert.ok(z.marginBytes! > 8 * GiB, String(z.marginBytes));
    assert.ok(z.best!.pages > 0 && z.best!.pages < 512);
    // Slots hugetlb had taken are pages, not free slots.
    for (const w of z.why.slice(1)) {
      const held = Number(/holding pages: (\d+)/.exec(w.text)![1]);
      assert.ok(held > 0, w.text);
    }
  });

  test('property: over generated machines and every profile, the answer boots, one more page does not help, the split adds up', () => {
    fc.assert(
      fc.property(
        caseArb(false),
        fc.constantFrom(...PROFILES),
        fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 2 }),
        (c, profile, above) => {
          const m = { ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline };
          const { s, run, plan } = planOf(m, profile);
          for (const z of plan.sizes) checkSize(s, run, z, above);
        },
      ),
      { numRuns: 40, seed: 17 },
    );
  });

  test('--plan-margin: sizes and shares of MemTotal; the default share is bounded', () => {
    assert.deepEqual(parseMargin('4G'), { bytes: 4 * GiB });
    assert.deepEqual(parseMargin('5%'), { percent: 5 });
    assert.deepEqual(parseMargin('0'), { bytes: 0 });
    assert.equal(parseMargin('lots'), null);
    assert.equal(parseMargin('120%'), null);
    assert.equal(marginBytes({ percent: 2, minBytes: 256 * 2 ** 20, maxBytes: 16 * GiB }, 768 * 1024 * 1024), Math.floor(768 * GiB * 0.02));
    assert.equal(marginBytes({ percent: 2, minBytes: 256 * 2 ** 20, maxBytes: 16 * GiB }, 64 * 1024 ** 3), 16 * GiB);
    assert.equal(marginBytes({ percent: 2, minBytes: 256 * 2 ** 20, maxBytes: 16 * GiB }, 1024 * 1024), 256 * 2 ** 20);
  });

  test('a bigger margin never recommends more pages', () => {
    const m = { ...PRESETS['2s-server']!.build(), cmdline: 'hugepagesz=1G hugepages=400' };
    let last = Infinity;
    for (const bytes of [0, 4 * GiB, 20 * GiB, 60 * GiB]) {
      const z = planOf(m, '6.15', { bytes }).plan.sizes.find((x) => x.bytes === GiB)!;
      const n = z.recommended?.pages ?? z.best!.pages;
      assert.ok(n <= last, `${bytes}: ${n} > ${last}`);
      last = n;
    }
  });
});
