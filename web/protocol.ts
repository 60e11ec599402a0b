// Messages between the page and the simulator worker: plain data only.
import type { ProfileName } from '../src/simulator.js';
import type { BootPicture } from '../src/report/picture.js';
import type { Plan } from '../src/report/plan.js';
import type { VmemmapSummary } from '../src/check/diff.js';

export type Request =
  | {
      id: number;
      kind: 'boot';
      machineText: string;
      cmdline: string;
      profile: ProfileName;
      compare: ProfileName | null;
      /** The user's build, pasted: a .config, or a build description (hvosim build --json); empty for the profiles' own. */
      buildText: string;
      /** Boot even a machine the worker would first ask about (too large to boot quickly). */
      force?: boolean;
    }
  | { id: number; kind: 'step'; which: 'a' | 'b'; step: number };

export interface View {
  profile: ProfileName;
  picture: BootPicture;
  plan: Plan;
  memTotalKb: number;
  hugetlbKb: number;
  memblockCalls: number;
  hugepages: Record<string, Record<string, number>>;
  panic: string | null;
  hugetlbLog: string[];
  kernelWarnings: string[];
  stepCalls: string[];
  vmemmap: VmemmapSummary;
}

export type Response =
  | { id: number; ok: false; error: { field: 'machine' | 'cmdline' | 'build' | 'general'; message: string } }
  | {
      id: number;
      ok: true;
      kind: 'boot';
      machineWarnings: string[];
      cmdWarnings: string[];
      /** What the pasted build gave (options, facts), and what stayed the profile's; null without one. */
      buildNote: string | null;
      a: View;
      b?: View;
      diff?: { summary: string[]; dmesgOnlyA: string[]; dmesgOnlyB: string[]; memmapBootPages: [number | null, number | null] };
    }
  | { id: number; ok: true; kind: 'step'; which: 'a' | 'b'; picture: BootPicture; stepCalls: string[] }
  /** Not booted: the machine would take long; why, for the page to ask before booting it. */
  | { id: number; ok: true; kind: 'confirm'; reason: string };
