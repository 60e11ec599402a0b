// An InvariantChecker carries its work from step to step: an invariant is
// checked again only after a step that changed a part of the state it says it
// reads. That must never change an answer: after every step of generated
// boots (faults injected, pools grown and shrunk after boot), what the
// carrying checker says equals a fresh check of every invariant.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { checkInvariants, InvariantChecker } from '../../src/check/invariants.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PROFILE_NAMES } from '../../src/profiles/index.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';

describe('invariants carried from step to step', () => {
  for (const profile of PROFILE_NAMES) {
    test(`${profile}: the carrying checker agrees with a fresh check after every step`, () => {
      let steps = 0;
      fc.assert(
        fc.property(caseArb(true), fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), (c, nrHugepages) => {
          const checker = new InvariantChecker();
          boot(
            { ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline },
            {
              profile,
              faults: c.faults,
              others: estimatedOthers,
              nrHugepages,
              afterStep: (s, step) => {
                if (s.panic) return;
                steps++;
                assert.deepEqual(checker.check(s), checkInvariants(s), `after ${step.fn}`);
              },
            },
          );
        }),
        { numRuns: 40, seed: 11 },
      );
      // Most boots live to the end (a fault can kill one early).
      assert.ok(steps > 40 * 12, `${steps} steps checked`);
    });
  }
});
