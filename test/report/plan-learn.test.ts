// The planner takes trials from what it already knows: the boot planned for is the trial of its own
// ask, and an ask past what the machine held boots like the ask that got as many pages. Its
// answers must be those of the planner that boots every trial (everyTrialBooted, the reference),
// on every profile and generated machine, with fewer boots.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boot, type KernelState } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/profiles/index.js';
import { PRESETS } from '../../src/machine/presets.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { planBoot, type Margin } from '../../src/report/plan.js';

/** Both planners on one boot: their plans and how many boots each made. */
function bothPlans(m: Machine, profile: ProfileName, margin?: Margin) {
  let boots = 0;
  const run = (cmdline: string): KernelState => {
    boots++;
    return boot({ ...m, cmdline }, { profile, others: estimatedOthers });
  };
  const s = run(m.cmdline);
  boots = 0;
  const learnt = planBoot(s, { reboot: run, margin, rebootsAlike: true });
  const learntBoots = boots;
  boots = 0;
  const reference = planBoot(s, { reboot: run, margin, everyTrialBooted: true });
  return { learnt, reference, learntBoots, referenceBoots: boots };
}

const MARGINS: (Margin | undefined)[] = [undefined, { bytes: 0 }, { bytes: 2 ** 30 }, { percent: 40 }, { percent: 70 }];

describe('the planner without a boot for every trial', () => {
  test('the default preset: the same answers as booting every trial, in fewer boots', () => {
    const m = PRESETS.default!.build();
    for (const profile of PROFILE_NAMES) {
      const r = bothPlans(m, profile, { bytes: 3.9 * 2 ** 30 });
      assert.deepEqual(r.learnt, r.reference, profile);
      assert.ok(r.learntBoots < r.referenceBoots, `${profile}: ${r.learntBoots} boots, the reference ${r.referenceBoots}`);
    }
  });

  test('the boot planned for is the trial of its own ask when only the order of other words differs', () => {
    const m = { ...PRESETS.default!.build(), cmdline: 'hugepagesz=1G hugepages=1 hugetlb_free_vmemmap=on' };
    const r = bothPlans(m, 'hvo-v7', { bytes: 3.9 * 2 ** 30 });
    assert.deepEqual(r.learnt, r.reference);
    assert.ok(r.learntBoots < r.referenceBoots, `${r.learntBoots} boots, the reference ${r.referenceBoots}`);
  });

  test('property: over generated machines, command lines, margins and every profile, the plans are equal', () => {
    fc.assert(
      fc.property(
        caseArb(false),
        fc.constantFrom(...PROFILE_NAMES),
        fc.constantFrom(...MARGINS),
        fc.constantFrom('', ' hugepagesz=1G hugepages=64', ' hugepagesz=2M hugepages=5000'),
        (c, profile, margin, more) => {
          const m = { ...parseQemuArgs(qemuArgs(c)), cmdline: `${c.cmdline}${more}`.trim() };
          const r = bothPlans(m, profile, margin);
          assert.deepEqual(r.learnt, r.reference, `${profile} ${m.cmdline}`);
          assert.ok(r.learntBoots <= r.referenceBoots);
        },
      ),
      { numRuns: 60, seed: 23 },
    );
  });
});
