// A boot with every invariant checked after every step.
import {
  boot,
  estimatedOthers,
  type KernelProfile,
  type KernelState,
  type MemblockFaults,
  type OtherSubsystems,
  type ProfileName,
} from '../simulator.js';
import type { Machine } from '../machine/types.js';
import { InvariantChecker, type Violation } from './invariants.js';

export interface StepViolation extends Violation {
  /** The step after which it was first seen. */
  step: string;
  /** Steps after which it was seen (it may heal later in the boot). */
  seenAfter: number;
  /** Whether it still held at the end of the boot. */
  atEnd: boolean;
}

export interface CheckedBoot {
  state: KernelState;
  /** The first violation of each invariant, with the step it appeared after. */
  violations: StepViolation[];
}

/** Boot with the invariants (all, or those named) checked after every step. */
export function checkedBoot(
  machine: Machine,
  opts: {
    profile: ProfileName | KernelProfile;
    faults?: MemblockFaults;
    others?: OtherSubsystems | null;
    invariants?: string[];
    nrHugepages?: number;
  },
): CheckedBoot {
  const first = new Map<string, StepViolation>();
  let last: Violation[] = [];
  const checker = new InvariantChecker(opts.invariants);
  const state = boot(machine, {
    profile: opts.profile,
    faults: opts.faults,
    others: opts.others === undefined ? estimatedOthers : opts.others,
    nrHugepages: opts.nrHugepages,
    afterStep: (s, step) => {
      // A dead machine has no invariants to keep: the panic is the outcome.
      if (s.panic) return;
      last = checker.check(s);
      for (const v of last) {
        const had = first.get(v.invariant);
        if (had) had.seenAfter++;
        else first.set(v.invariant, { ...v, step: step.fn, seenAfter: 1, atEnd: false });
      }
    },
  });
  for (const v of last) first.get(v.invariant)!.atEnd = true;
  return { state, violations: [...first.values()] };
}
