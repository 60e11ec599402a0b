// The feature matrix: each profile's features held against their history (feature-history.ts), and
// docs/features.md written from both (scripts/feature-matrix.ts prints it; the test compares it).
import { FEATURE_HISTORY, type FeatureChange, type FeatureHistory, type FeatureStep, HVO_SERIES } from './feature-history.js';
import { KERNEL_PROFILES } from './index.js';
import type { KernelFeatures, KernelProfile } from '../kernel/profile.js';

export type FeatureName = keyof KernelFeatures;
type AnyChange = FeatureChange<KernelFeatures[FeatureName]>;
type AnyStep = FeatureStep<KernelFeatures[FeatureName]>;

/** Every feature, in the order of FEATURE_HISTORY. */
export const FEATURE_NAMES = Object.keys(FEATURE_HISTORY) as FeatureName[];

/** The command that writes docs/features.md. */
export const FEATURE_MATRIX_COMMAND = 'npx tsx scripts/feature-matrix.ts > docs/features.md';

/** Orders two releases by number ("6.9" before "6.12"): negative, zero or positive. */
export function compareReleases(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** The step that gives a feature its value in a mainline release (the first step for anything older). */
export function stepAt<V>(change: FeatureChange<V>, release: string): FeatureStep<V> {
  let at = change.steps[0];
  for (const s of change.steps) if (s.since !== null && compareReleases(s.since, release) <= 0) at = s;
  return at;
}

/** A feature's value in a mainline release. */
export function valueAt<V>(change: FeatureChange<V>, release: string): V {
  return stepAt(change, release).value;
}

/** A feature's value in a series on top of a release: the release's value, then the series' own steps. */
export function seriesValueAt<V>(change: FeatureChange<V>, base: string): V {
  let v = valueAt(change, base);
  for (const s of change.steps) if (s.series) v = s.value;
  return v;
}

/** Whether a step of the history is a patch of the series (hvo-v7) too. */
export function changedBySeries(change: FeatureChange<unknown>): boolean {
  return change.steps.some((s) => s.series !== undefined);
}

/**
 * The mainline releases a profile is held to: its `releases`, or, for a profile of a release's code that
 * no Debian build stands for (6.15: `releases` empty, named after the release), that release.
 */
export function heldReleases(p: KernelProfile): readonly string[] {
  if (p.releases.length) return p.releases;
  return /^\d+\.\d+$/.test(p.name) ? [p.name] : [];
}

/** For a patch series on top of a generation (hvo-v7: no release of its own, a base): the release of its base. */
export function seriesBase(p: KernelProfile, profiles: readonly KernelProfile[] = KERNEL_PROFILES): string | undefined {
  if (heldReleases(p).length || !p.base) return undefined;
  const base = profiles.find((b) => b.name === p.base);
  return base ? heldReleases(base)[0] : undefined;
}

/** Where a profile's value of a feature is not what the history gives. */
export interface Contradiction {
  readonly profile: string;
  readonly feature: FeatureName;
  readonly value: unknown;
  /** Each release (or "<base> + series") that disagrees, with the value the history gives it and the step that makes it. */
  readonly expected: readonly { readonly release: string; readonly value: unknown; readonly step: AnyStep }[];
}

/** The profile's contradictions with the history, feature by feature (none for a profile held to no release). */
export function contradictions(
  p: KernelProfile,
  history: FeatureHistory = FEATURE_HISTORY,
  profiles: readonly KernelProfile[] = KERNEL_PROFILES,
): Contradiction[] {
  const out: Contradiction[] = [];
  const base = seriesBase(p, profiles);
  for (const f of Object.keys(history) as FeatureName[]) {
    const change = history[f] as AnyChange;
    const value = p.features[f];
    const expected: { release: string; value: unknown; step: AnyStep }[] = [];
    if (base !== undefined) {
      const want = seriesValueAt(change, base);
      const step = [...change.steps].reverse().find((s) => s.series && s.value === want) ?? stepAt(change, base);
      if (want !== value) expected.push({ release: `${base} + series`, value: want, step });
    } else {
      for (const r of heldReleases(p)) {
        const step = stepAt(change, r);
        if (step.value !== value) expected.push({ release: r, value: step.value, step });
      }
    }
    if (expected.length) out.push({ profile: p.name, feature: f, value, expected });
  }
  return out;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (v: unknown): string => `\`${String(v)}\``;

/** The column heading of a profile: its name and the releases it is held to. */
function heading(p: KernelProfile, profiles: readonly KernelProfile[]): string {
  const base = seriesBase(p, profiles);
  if (base !== undefined) return `${p.name}<br>${base} + series`;
  const rs = heldReleases(p);
  if (!rs.length) return p.name;
  const span = rs.length > 1 ? `${rs[0]}–${rs[rs.length - 1]}` : rs[0]!;
  return `${p.name}<br>${p.releases.length ? span : `${span} (code)`}`;
}

/** The "introduced by" cell: each step after the oldest, with its release and change. */
function introducedBy(change: AnyChange): string {
  return change.steps
    .slice(1)
    .map((s) => {
      const since = s.since === null ? 'hvo-v7 only' : s.since;
      const series = s.series ? ` (hvo-v7 ${s.series})` : '';
      return `**${since}** → ${code(s.value)}: ${cell(s.change)}${series}`;
    })
    .join('<br>');
}

/** A footnote: what the profile has, and what the disagreeing releases have instead (grouped by the step that gives it). */
function footnote(c: Contradiction): string {
  const groups = new Map<AnyStep, string[]>();
  for (const e of c.expected) groups.set(e.step, [...(groups.get(e.step) ?? []), e.release]);
  const parts = [...groups].map(([step, releases]) => {
    const since = step.since === null ? 'the series' : step.since;
    return `${releases.join(', ')} ${releases.length > 1 ? 'have' : 'has'} ${code(step.value)} (since ${since}: ${step.change})`;
  });
  return `**${c.profile}** · ${code(c.feature)}: the profile has ${code(c.value)}, but ${parts.join('; ')}.`;
}

/** docs/features.md: an intro, the table (a row per feature, a column per profile) and its footnotes. */
export function featureMatrixMarkdown(
  history: FeatureHistory = FEATURE_HISTORY,
  profiles: readonly KernelProfile[] = KERNEL_PROFILES,
): string {
  const names = Object.keys(history) as FeatureName[];
  const found = new Map<string, Contradiction>();
  for (const p of profiles) for (const c of contradictions(p, history, profiles)) found.set(`${p.name}/${c.feature}`, c);
  const notes: string[] = [];
  const lines: string[] = [
    '# Kernel features by generation',
    '',
    `_Generated by \`${FEATURE_MATRIX_COMMAND}\` (\`npm run features\`) from src/profiles/feature-history.ts and the profiles:`,
    'do not edit by hand._',
    '',
    'Each row is one of the named behaviours of `KernelFeatures` (src/profiles/types.ts) that set one kernel generation',
    'apart from another. "Introduced by" gives, for each value after the one 6.1 has (the oldest generation modelled),',
    'the first mainline release with it and the change that made it, with its commit id where one was found;',
    `"(hvo-v7 NN/18)" marks a patch of the series "${HVO_SERIES}" v7, which the hvo-v7 profile stands for.`,
    'Then one column per profile, each with the releases it is held to: its `releases` (checked against every one of them),',
    "the 6.15 code for 6.15, and 6.15 with the series' own steps for hvo-v7. A ⚠ marks a value the history contradicts,",
    'explained in the footnotes; test/profiles/feature-matrix.test.ts keeps the list of those known.',
    '',
    `| feature | what it is | introduced by | ${profiles.map((p) => heading(p, profiles)).join(' | ')} |`,
    `|---|---|---|${profiles.map(() => '---').join('|')}|`,
  ];
  for (const f of names) {
    const change = history[f] as AnyChange;
    const cells = profiles.map((p) => {
      const c = found.get(`${p.name}/${f}`);
      if (!c) return code(p.features[f]);
      notes.push(footnote(c));
      return `${code(p.features[f])} ⚠[^${notes.length}]`;
    });
    lines.push(`| ${code(f)} | ${cell(change.what)} | ${introducedBy(change)} | ${cells.join(' | ')} |`);
  }
  lines.push('', '## Where each value was read', '');
  for (const f of names) {
    const steps = (history[f] as AnyChange).steps.map((s) => `${s.since ?? 'hvo-v7'} ${code(s.value)}: ${s.source}`);
    lines.push(`- ${code(f)}: ${steps.join('; ')}`);
  }
  if (notes.length) lines.push('', ...notes.map((n, i) => `[^${i + 1}]: ${n}`));
  return `${lines.join('\n')}\n`;
}
