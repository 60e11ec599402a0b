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
  ['7.2', '7.1', false, /^Linux 7\.2 has no profile of its own; answered by profile 7\.1 \(the nearest earlier code\); known to differ: /],
  ['7.2.12+deb13-cloud-amd64', '7.1', false, /^Linux 7\.2 has no profile of its own/],
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

  test("7.2's note says what the kernel source says: no sparse buffer (as 7.3 models), Zone ranges still after sparse_init()", () => {
    const note = profileForVersion('7.2')!.note!;
    assert.match(
      note,
      /known to differ: no sparse buffer: sparse_init_nid\(\) allocates each 2 MiB block of memmap itself \(profile 7\.3 models this\)/,
    );
    assert.match(note, /gathered in page_alloc_init_late\(\) before the Memory: line/);
    assert.match(note, /as in 7\.1: its Zone ranges are printed after sparse_init\(\)/);
    // The facts agree with the profiles they name: 7.1 has the sparse buffer and the series' write-protect
    // range, 7.3 neither; 7.1 prints its zones after sparse_init(), 7.3 before.
    const [p71, p73] = [getProfile('7.1')!, getProfile('7.3')!];
    assert.equal(p71.features.sparseBuffer, true);
    assert.equal(p73.features.sparseBuffer, false);
    assert.match(note, /every tail PTE of a boot page's vmemmap is write-protected at gather, .* \(profile 7\.3 models this\)/);
    assert.deepEqual([p71.features.hvoWrprotectEnd, p73.features.hvoWrprotectEnd], ['page-count', 'vmemmap-size']);
    const at = (p: typeof p71, step: string) => p.steps.indexOf(step as never);
    assert.ok(at(p71, 'sparse_init') >= 0 && at(p71, 'sparse_init') < at(p71, 'free_area_init'));
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
    for (const name of ['6.15', 'hvo-v7', '7.1'])
      assert.deepEqual(resolveKernel(name), { asked: name, profile: getProfile(name), exact: true });
  });
  test('a version goes through profileForVersion(); anything else is undefined', () => {
    const k = resolveKernel('7.2')!;
    assert.deepEqual([k.asked, k.profile.name, k.exact], ['7.2', '7.1', false]);
    assert.match(k.note!, /^Linux 7\.2 has no profile of its own/);
    assert.equal(resolveKernel('6.16.2')!.profile.name, '6.16');
    assert.equal(resolveKernel('garbage'), undefined);
  });
});
