// Any kernel version, said out loud: profileForVersion() is the one rule from a version ("7.2",
// "6.18.3", a log's "7.1.13+deb13-cloud-amd64") to a profile: the release's own, else the nearest
// earlier code with a note naming it and what is known to differ (src/profiles/release-facts.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getProfile, KERNEL_PROFILES, kernelRelease, profileForVersion, resolveKernel } from '../../src/simulator.js';
import { RELEASE_FACTS } from '../../src/profiles/release-facts.js';

/** [version, profile, exact, what the note says (null: no note)] */
const CASES: [string, string, boolean, RegExp | null][] = [
  ['6.1', '6.1', true, null],
  ['6.1.0-56-cloud-amd64', '6.1', true, null],
  ['6.12.5', '6.12', true, null],
  ['6.13', '6.12', true, /^Linux 6\.13 is profile 6\.12's code \(6\.12 to 6\.14\); held to Debian's 6\.12\.118, not to 6\.13's own boots$/],
  // Release 6.15 has a profile of its own, modelled from source (no Debian build of it is left); 6.16's holds 6.16 to 6.19.
  ['6.15', '6.15', true, /^Linux 6\.15 is profile 6\.15's code, modelled from source: not yet held to a real kernel$/],
  ['6.18', '6.16', true, /^Linux 6\.18 is profile 6\.16's code \(6\.16 to 6\.19\); held to Debian's 6\.16\.12/],
  ['6.18.3', '6.16', true, /^Linux 6\.18 is profile 6\.16's code/],
  ['7.0', '7.0', true, null],
  ['7.1.13+deb13-cloud-amd64', '7.1', true, null],
  // 7.2 has a profile of its own, held to Debian's 7.2.13 (it was answered by 7.1 with a note before).
  ['7.2', '7.2', true, null],
  ['7.2.12+deb13-cloud-amd64', '7.2', true, null],
  ['7.3', '7.3', true, null],
  ['7.5', '7.3', false, /^Linux 7\.5 is newer than anything hvosim models; answered by profile 7\.3 \(the newest code\)/],
  ['9.0', '7.3', false, /^Linux 9\.0 is newer than anything hvosim models; answered by profile 7\.3/],
  // Older than every profile: answered by the oldest, said so (a 5.x log is still replayed, as before).
  [
    '5.10',
    '6.1',
    false,
    /^Linux 5\.10 is older than every profile; answered by profile 6\.1 \(the oldest code hvosim models\); what differs is not known$/,
  ],
  [
    '6.5',
    '6.1',
    false,
    /^Linux 6\.5 has no profile of its own; answered by profile 6\.1 \(the nearest earlier code\); what differs is not known$/,
  ],
];

describe('profileForVersion(): a kernel version to a profile', () => {
  for (const [version, profile, exact, note] of CASES)
    test(`${version} -> ${profile}${exact ? '' : ' (not exact)'}`, () => {
      const v = profileForVersion(version);
      assert.ok(v, version);
      assert.equal(v.profile.name, profile);
      assert.equal(v.exact, exact);
      if (note) assert.match(v.note ?? '', note);
      else assert.equal(v.note, undefined);
    });

  test('what is not a version is no answer', () => {
    for (const g of ['garbage', '', '7', '7.x', '6.1foo', 'hvo-v7', '7.2 ', 'linux-7.2']) assert.equal(profileForVersion(g), undefined, g);
    assert.deepEqual(kernelRelease('v7.2-rc3'), [7, 2]);
  });

  test("7.2's profile: what its source has that 7.1 has not (no sparse buffer, every tail PTE write-protected, earlier gigantic pages)", () => {
    const [p71, p72, p73] = [getProfile('7.1')!, getProfile('7.2')!, getProfile('7.3')!];
    assert.deepEqual([p71.features.sparseBuffer, p72.features.sparseBuffer, p73.features.sparseBuffer], [true, false, false]);
    assert.deepEqual(
      [p71.features.hvoWrprotectEnd, p72.features.hvoWrprotectEnd, p73.features.hvoWrprotectEnd],
      ['page-count', 'vmemmap-size', 'vmemmap-size'],
    );
    // The rest of 7.1's HVO code is 7.2's: deferred population, pages walked newest first, no cross-zone free.
    const { sparseBuffer: _a, hvoWrprotectEnd: _b, ...rest71 } = p71.features;
    const { sparseBuffer: _c, hvoWrprotectEnd: _d, ...rest72 } = p72.features;
    assert.deepEqual(rest72, rest71);
    // mm_core_init_early(): the gigantic pages whatever the CPU, then free_area_init() with sparse_init() before the
    // zones (7.3 sets the zones up first; 7.1 allocates from setup_arch() with 1 GiB pages, else from mm_core_init()).
    const at = (p: typeof p71, step: string) => p.steps.indexOf(step as never);
    assert.ok(at(p72, 'hugetlb_bootmem_alloc:mm_core_init_early') < at(p72, 'sparse_init'));
    assert.ok(at(p72, 'sparse_init') < at(p72, 'free_area_init'));
    assert.equal(at(p72, 'hugetlb_bootmem_alloc:setup_arch'), -1);
    assert.equal(at(p72, 'hugetlb_bootmem_alloc:mm_core_init'), -1);
    assert.ok(at(p71, 'hugetlb_bootmem_alloc:mm_core_init') > at(p71, 'free_area_init'));
    assert.ok(at(p73, 'free_area_init:zones') < at(p73, 'sparse_init'));
  });

  test('every release with facts has no profile of its own (a new profile retires its entry), and each fact its source', () => {
    for (const f of RELEASE_FACTS) {
      assert.equal(profileForVersion(f.release)?.exact, false, f.release);
      for (const x of [...f.differs, ...f.same]) {
        assert.match(x.source, /linux-source-\d+\.\d+ \S+, mm\/\S+\.c/, x.what);
        if (x.modelledBy) assert.ok(getProfile(x.modelledBy), x.modelledBy);
      }
    }
  });

  test("every profile's own releases map back to it, exactly", () => {
    for (const p of KERNEL_PROFILES)
      for (const r of p.releases) assert.deepEqual([profileForVersion(r)?.profile.name, profileForVersion(r)?.exact], [p.name, true]);
  });
});

describe('resolveKernel(): what --kernel takes', () => {
  test("a profile's name wins over a version (6.15 is the profile 6.15), with no note", () => {
    for (const name of ['6.15', 'hvo-v7', '7.1', '7.2'])
      assert.deepEqual(resolveKernel(name), { asked: name, profile: getProfile(name), exact: true });
  });
  test('a version goes through profileForVersion(); anything else is undefined', () => {
    const k = resolveKernel('6.5')!;
    assert.deepEqual([k.asked, k.profile.name, k.exact], ['6.5', '6.1', false]);
    assert.match(k.note!, /^Linux 6\.5 has no profile of its own/);
    assert.deepEqual([resolveKernel('7.2.13')!.profile.name, resolveKernel('7.2.13')!.exact], ['7.2', true]);
    assert.equal(resolveKernel('6.16.2')!.profile.name, '6.16');
    assert.equal(resolveKernel('garbage'), undefined);
  });
});
