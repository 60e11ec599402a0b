// The feature matrix: docs/features.md is what the generator writes, every profile of a release agrees
// with the feature history (but for the contradictions known and listed here), and hvo-v7 is 6.15 with
// only the series' own changes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FEATURE_HISTORY, type FeatureChange } from '../../src/profiles/feature-history.js';
import {
  changedBySeries,
  compareReleases,
  contradictions,
  FEATURE_NAMES,
  type FeatureName,
  featureMatrixMarkdown,
  heldReleases,
  seriesBase,
  seriesValueAt,
} from '../../src/profiles/feature-matrix.js';
import { getProfile, KERNEL_PROFILES } from '../../src/profiles/index.js';

/**
 * The profiles of a release whose value the history contradicts, each with why it is kept. Another change
 * takes them away; the test fails when one here stops contradicting, so the list cannot go stale.
 */
const KNOWN_CONTRADICTIONS: readonly (readonly [profile: string, feature: FeatureName])[] = [
  // 6.12.118's gather_bootmem_prealloc() already works per node (6.9), but hvosim's 'per-node' gather also carries
  // 6.15's zone check and pre-HVO, so the 6.12 profile (held to Debian's 6.12.118 boots) keeps 'per-page'.
  ['6.12', 'gather'],
  // The 6.12 profile stands for 6.13 and 6.14 too, and 6.14 brought memblock_alloc_or_panic() and
  // MEMBLOCK_ALLOC_NOLEAKTRACE for the memmap; it is held to Debian's 6.12.118 boots, which have neither.
  ['6.12', 'memSectionRootCaller'],
  ['6.12', 'memblockAllocNoLeakTrace'],
  // The 6.16 profile stands for 6.18 and 6.19 too, which print no "allocation took" for a pool of 0 pages
  // (b322e88b3d55, 6.18); it is held to Debian's 6.16.12 boots.
  ['6.16', 'hugetlbAllocTookLine'],
];

const key = (profile: string, feature: string): string => `${profile}/${feature}`;

describe('the feature matrix', () => {
  it('docs/features.md is what scripts/feature-matrix.ts writes (npm run features)', () => {
    assert.equal(readFileSync('docs/features.md', 'utf8'), featureMatrixMarkdown());
  });

  it('has a history for every feature of every profile, steps oldest first, each a new value', () => {
    for (const p of KERNEL_PROFILES) assert.deepEqual(Object.keys(p.features).sort(), [...FEATURE_NAMES].sort(), p.name);
    for (const f of FEATURE_NAMES) {
      const steps = FEATURE_HISTORY[f].steps;
      assert.equal(steps[0].since, '6.1', `${f}: the first step is 6.1's value`);
      const mainline = steps.filter((s) => s.since !== null);
      for (let i = 1; i < mainline.length; i++) assert.ok(compareReleases(mainline[i - 1]!.since!, mainline[i]!.since!) < 0, f);
      for (let i = 1; i < steps.length; i++) assert.notEqual(steps[i]!.value, steps[i - 1]!.value, `${f}: step ${i}`);
      for (const s of steps) assert.ok(s.since !== null || s.series, `${f}: a step in no release is a patch of the series`);
    }
  });

  it('agrees with every profile of a release, but for the known contradictions', () => {
    const found = KERNEL_PROFILES.filter((p) => heldReleases(p).length).flatMap((p) =>
      contradictions(p).map((c) => key(c.profile, c.feature)),
    );
    const known = KNOWN_CONTRADICTIONS.map(([p, f]) => key(p, f));
    assert.deepEqual(
      found.filter((k) => !known.includes(k)),
      [],
      'a profile contradicts the history: fix the profile or the history, or list it above with why',
    );
  });

  it('still has each known contradiction (the list cannot go stale)', () => {
    for (const [name, feature] of KNOWN_CONTRADICTIONS) {
      const p = getProfile(name);
      assert.ok(p, name);
      assert.ok(
        contradictions(p).some((c) => c.feature === feature),
        `${name} agrees with the history on ${feature} now: take it out of KNOWN_CONTRADICTIONS`,
      );
    }
  });

  it('has hvo-v7 be 6.15 with only the changes of the series', () => {
    const v7 = getProfile('hvo-v7')!;
    const base = getProfile(v7.base!)!;
    assert.equal(seriesBase(v7), '6.15');
    for (const f of FEATURE_NAMES) {
      const change: FeatureChange<unknown> = FEATURE_HISTORY[f];
      if (changedBySeries(change)) assert.equal(v7.features[f], seriesValueAt(change, '6.15'), f);
      else assert.equal(v7.features[f], base.features[f], `${f}: the series does not change it, so hvo-v7 keeps 6.15's value`);
    }
  });

  it('holds each profile to its releases, 6.15 to its code and hvo-v7 to 6.15 plus the series', () => {
    assert.deepEqual(heldReleases(getProfile('6.15')!), ['6.15']);
    assert.deepEqual(heldReleases(getProfile('hvo-v7')!), []);
    assert.deepEqual(heldReleases(getProfile('6.16')!), getProfile('6.16')!.releases);
    assert.ok(compareReleases('6.9', '6.12') < 0 && compareReleases('7.0', '6.19') > 0);
  });
});
