// A randomized campaign: generated machines, command lines and injected
// faults, each booted with every invariant checked after every step. Each
// invariant that breaks is reported once, with the smallest case fast-check
// can shrink it to and a one-line command that reproduces it.
import fc from 'fast-check';
import { resolveProfile, type KernelProfile, type MemblockFaults, type ProfileName } from '../simulator.js';
import { parseQemuArgs } from '../machine/qemu.js';
import { checkedBoot, type StepViolation } from './checked-boot.js';
import { faultSpecs } from './faults.js';

export interface CheckCase {
  /** Node sizes in MiB. */
  nodes: number[];
  /** The CPU has 1 GiB pages (pdpe1gb). */
  gbpages: boolean;
  cmdline: string;
  faults?: MemblockFaults;
}

/** The kernel functions whose allocations a campaign may fail. */
export const FAULT_CALLERS = ['vmemmap_alloc_block_zero', 'vmemmap_alloc_block_buf', '__alloc_bootmem_huge_page', 'sparse_init_nid'];

/** Machine shapes: 1 to 4 nodes of 1 to 6 GiB in 64 MiB steps (so often not whole GiB). */
const nodesArb = fc.array(
  fc.integer({ min: 16, max: 96 }).map((x) => x * 64),
  { minLength: 1, maxLength: 4 },
);

/** Command lines over the hugetlb and zone parameters, in all their forms. */
function cmdlineArb(nodeCount: number): fc.Arbitrary<string> {
  const count1g = fc.oneof(
    fc.integer({ min: 0, max: 8 }).map(String),
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: nodeCount - 1 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: nodeCount })
      .map((xs) => xs.map(([n, c]) => `${n}:${c}`).join(',')),
  );
  return fc
    .record({
      hvo: fc.constantFrom('hugetlb_free_vmemmap=on', 'hugetlb_free_vmemmap=on', 'hugetlb_free_vmemmap=off', ''),
      giga: fc.option(count1g, { nil: undefined }),
      small: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
      dflt: fc.constantFrom('', '', 'default_hugepagesz=1G', 'default_hugepagesz=2M'),
      zone: fc.option(
        fc.oneof(
          fc.integer({ min: 1, max: 1024 }).map((x) => `movablecore=${x * 4}M`),
          fc.integer({ min: 5, max: 80 }).map((x) => `movablecore=${x}%`),
          fc.integer({ min: 1, max: 1024 }).map((x) => `kernelcore=${x * 4}M`),
        ),
        { nil: '' },
      ),
    })
    .map((r) =>
      [
        r.hvo,
        r.dflt,
        r.giga !== undefined ? `hugepagesz=1G hugepages=${r.giga}` : '',
        r.small !== undefined ? `hugepagesz=2M hugepages=${r.small}` : '',
        r.zone,
      ]
        .filter(Boolean)
        .join(' '),
    );
}

/** Boot steps a caller fault may be limited to: where hugetlb and sparse build the vmemmap. */
export const FAULT_STEPS = ['sparse_init', 'free_area_init', 'hugetlb_init'];

function faultsArb(nodeCount: number): fc.Arbitrary<MemblockFaults | undefined> {
  return fc.option(
    fc.oneof(
      fc.integer({ min: 1, max: 200 }).map((n) => ({ nth: [n] })),
      fc
        .tuple(fc.constantFrom(...FAULT_CALLERS), fc.option(fc.constantFrom(...FAULT_STEPS), { nil: undefined }))
        .map(([c, step]) => ({ callers: [step ? `${c}@${step}` : c] })),
      fc.integer({ min: 0, max: nodeCount - 1 }).map((n) => ({ nodes: [n] })),
    ),
    { nil: undefined, freq: 4 },
  );
}

/** Generated cases; with `faults`, most carry one injected failure. */
export function caseArb(faults: boolean): fc.Arbitrary<CheckCase> {
  return nodesArb.chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes),
      gbpages: fc.constantFrom(true, true, true, false),
      cmdline: cmdlineArb(nodes.length),
      faults: faults ? faultsArb(nodes.length) : fc.constant(undefined),
    }),
  );
}

/** The QEMU arguments that describe the case's machine: one memory backend per node, as q35 from QEMU 5.1 on wants (it refuses -numa node,mem=). */
export function qemuArgs(c: CheckCase): string {
  const total = c.nodes.reduce((a, b) => a + b, 0);
  return [
    `-machine q35 -cpu qemu64${c.gbpages ? ',+pdpe1gb' : ''} -m ${total}M`,
    ...c.nodes.map((mib, i) => `-object memory-backend-ram,id=m${i},size=${mib}M -numa node,nodeid=${i},memdev=m${i}`),
  ].join(' ');
}

/** A command that reproduces the case. */
export function reproducer(c: CheckCase, profile: ProfileName | KernelProfile, buildArgs = ''): string {
  const faults = faultSpecs(c.faults)
    .map((f) => ` --fault ${f}`)
    .join('');
  return `hvosim boot --kernel ${resolveProfile(profile).name}${buildArgs} --qemu "${qemuArgs(c)}" --cmdline "${c.cmdline}"${faults} --check`;
}

/** Boot one case with the invariants checked. */
export function runCase(c: CheckCase, profile: ProfileName | KernelProfile, invariants?: string[]): StepViolation[] {
  return bootCase(c, profile, invariants).violations;
}

function bootCase(c: CheckCase, profile: ProfileName | KernelProfile, invariants?: string[]) {
  const m = { ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline };
  return checkedBoot(m, { profile, faults: c.faults, invariants });
}

export interface Finding {
  invariant: string;
  /** Cases (of the campaign's) that broke it. */
  cases: number;
  /** The shrunk case, its violation and a command that reproduces it. */
  smallest: CheckCase;
  violation: StepViolation;
  reproducer: string;
}

export interface CampaignResult {
  profile: ProfileName;
  faults: boolean;
  seed: number;
  runs: number;
  /** Cases that broke no invariant (and did not panic). */
  clean: number;
  /** Cases the kernel would not survive (an injected fault where the kernel panics), by what killed them. */
  panics: { reason: string; cases: number; reproducer: string }[];
  findings: Finding[];
  seconds: number;
}

/** What one case came to: the kind of death (addresses and sizes left out), and the invariants it broke. */
export interface CaseOutcome {
  panic: string | null;
  invariants: string[];
}

/** Boot one case of a campaign and say what it came to (what a worker of `check --jobs` sends back). */
export function judgeCase(c: CheckCase, profile: ProfileName | KernelProfile): CaseOutcome {
  const r = bootCase(c, profile);
  // The kind of death, without the addresses and sizes that vary from case to case.
  const panic = r.state.panic ? r.state.panic.replace(/\b(0x[0-9a-f]+|[0-9a-f]{16}|\d+)\b/g, 'N') : null;
  return { panic, invariants: r.violations.map((v) => v.invariant) };
}

export interface CampaignOptions {
  /** The profile, or a profile with a user's build (--config, --build, --kernel-image). */
  profile: ProfileName | KernelProfile;
  /** The options that describe that build, as the reproducers repeat them (" --config FILE"). */
  buildArgs?: string;
  runs: number;
  seed: number;
  faults: boolean;
  onProgress?: (done: number, total: number) => void;
  shrinkMs?: number;
}

/** The cases of a campaign: the same seed, the same cases. */
export function campaignCases(opts: Pick<CampaignOptions, 'runs' | 'seed' | 'faults'>): CheckCase[] {
  return fc.sample(caseArb(opts.faults), { numRuns: opts.runs, seed: opts.seed });
}

/** Run a campaign: `runs` generated cases from `seed`; each broken invariant shrunk to its smallest case. */
export function runCampaign(opts: CampaignOptions): CampaignResult {
  const t0 = performance.now();
  const cases = campaignCases(opts);
  const outcomes = cases.map((c, i) => {
    const o = judgeCase(c, opts.profile);
    opts.onProgress?.(i + 1, cases.length);
    return o;
  });
  return summarize(opts, cases, outcomes, t0);
}

/** A broken invariant's first case in a campaign, and how many cases broke it: what shrinkFinding() starts from. */
export interface FirstBreak {
  invariant: string;
  c: CheckCase;
  n: number;
  at: number;
}

/** The outcomes tallied in case order: clean cases, deaths by kind, and each broken invariant's first case. */
export function tally(
  opts: CampaignOptions,
  cases: CheckCase[],
  outcomes: CaseOutcome[],
): { clean: number; panics: CampaignResult['panics']; first: FirstBreak[] } {
  const first = new Map<string, FirstBreak>();
  let clean = 0;
  const panics = new Map<string, { cases: number; reproducer: string }>();
  cases.forEach((c, i) => {
    const { panic, invariants } = outcomes[i]!;
    if (panic !== null) {
      const p = panics.get(panic) ?? { cases: 0, reproducer: reproducer(c, opts.profile, opts.buildArgs) };
      p.cases++;
      panics.set(panic, p);
    } else if (!invariants.length) clean++;
    for (const inv of invariants) {
      const f = first.get(inv);
      if (f) f.n++;
      else first.set(inv, { invariant: inv, c, n: 1, at: i });
    }
  });
  return { clean, panics: [...panics].map(([reason, p]) => ({ reason, ...p })), first: [...first.values()] };
}

/**
 * A broken invariant shrunk: its first case replayed (fast-check's path skips the cases before it without making
 * them), then shrunk by fast-check, keeping only this invariant broken, within a time budget.
 */
export function shrinkFinding(opts: CampaignOptions, f: FirstBreak): Finding {
  const { invariant: inv, c, n, at } = f;
  const out = fc.check(
    fc.property(caseArb(opts.faults), (x) => !runCase(x, opts.profile, [inv]).length),
    { numRuns: 1, seed: opts.seed, path: String(at), interruptAfterTimeLimit: opts.shrinkMs ?? 20_000 },
  );
  const smallest = (out.counterexample?.[0] as CheckCase | undefined) ?? c;
  const violation = runCase(smallest, opts.profile, [inv])[0] ?? runCase(c, opts.profile, [inv])[0]!;
  return { invariant: inv, cases: n, smallest, violation, reproducer: reproducer(smallest, opts.profile, opts.buildArgs) };
}

/** The campaign's result from its tally and its findings (in the order their invariants first broke). */
export function campaignResult(opts: CampaignOptions, t: ReturnType<typeof tally>, findings: Finding[], t0: number): CampaignResult {
  return {
    profile: resolveProfile(opts.profile).name,
    faults: opts.faults,
    seed: opts.seed,
    runs: opts.runs,
    clean: t.clean,
    panics: t.panics,
    findings,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The campaign's result from every case's outcome, read in case order (so the
 * report is the same however the cases were shared out): the deaths by kind,
 * and each broken invariant's first case shrunk.
 */
export function summarize(opts: CampaignOptions, cases: CheckCase[], outcomes: CaseOutcome[], t0: number): CampaignResult {
  const t = tally(opts, cases, outcomes);
  return campaignResult(
    opts,
    t,
    t.first.map((f) => shrinkFinding(opts, f)),
    t0,
  );
}
