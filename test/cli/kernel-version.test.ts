// --kernel takes a kernel version as well as a profile's name, and a version (given, or a log's own)
// with no profile of its own is never answered silently: the text says it near the top, --json in
// `kernel: { asked, profile, exact, note }`. (npm test builds the CLI first: npm run build:cli.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { read, ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-kernel-version-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const NOTE_6_5 =
  /^note: Linux 6\.5 has no profile of its own; answered by profile 6\.1 \(the nearest earlier code\); what differs is not known/m;

describe('hvosim boot --kernel VERSION', () => {
  test('6.5: profile 6.1, and the note on the line after the first (text) and in `kernel` (--json)', () => {
    const r = hvosim('boot', '--kernel', '6.5');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^hvosim boot: default \(preset default\), kernel profile 6\.1 \(for Linux 6\.5\)$/);
    assert.match(lines[1]!, NOTE_6_5);
    const j = JSON.parse(hvosim('boot', '--kernel', '6.5', '--json').out);
    assert.equal(j.profile, '6.1');
    assert.deepEqual([j.kernel.asked, j.kernel.profile, j.kernel.exact], ['6.5', '6.1', false]);
    assert.match(`note: ${j.kernel.note}`, NOTE_6_5);
    // What prints the kernel's own text says the note on stderr, leaving stdout as the kernel has it.
    const m = hvosim('boot', '--kernel', '6.5', '--meminfo');
    assert.match(m.out, /^MemTotal: /);
    assert.match(m.err, /^hvosim: note: Linux 6\.5 has no profile of its own/);
  });
  test('7.2 and 7.2.13 are profile 7.2 exactly, with no note (7.1 answered them with a note before 7.2 had its own)', () => {
    for (const v of ['7.2', '7.2.13']) {
      const r = hvosim('boot', '--kernel', v);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out.split('\n')[0]!, /kernel profile 7\.2( \(for Linux 7\.2\.13\))?$/);
      assert.doesNotMatch(r.out, /^note: Linux/m);
      const j = JSON.parse(hvosim('boot', '--kernel', v, '--json').out);
      assert.deepEqual([j.kernel.asked, j.kernel.profile, j.kernel.exact, j.kernel.note], [v, '7.2', true, null]);
    }
  });
  test("a profile's name has no note; its `kernel` says it was asked by name", () => {
    const j = JSON.parse(hvosim('boot', '--kernel', '7.1', '--json').out);
    assert.deepEqual(j.kernel, { asked: '7.1', profile: '7.1', exact: true, note: null, approximate: false, from: '--kernel' });
    assert.doesNotMatch(hvosim('boot', '--kernel', '7.1').out, /^note: Linux/m);
  });
  test('9.0 and 5.10 are answered by the newest and the oldest profile, and said so', () => {
    assert.match(
      hvosim('boot', '--kernel', '9.0').out,
      /^note: Linux 9\.0 is newer than anything hvosim models; answered by profile 7\.3/m,
    );
    assert.match(hvosim('boot', '--kernel', '5.10').out, /^note: Linux 5\.10 is older than every profile; answered by profile 6\.1/m);
  });
  test('a word that is neither a profile nor a version is an input error: exit 2, one line', () => {
    for (const cmd of [
      ['boot'],
      ['check', '--runs', '1'],
      ['explain', '--pfn', '1'],
      ['replay', join(ROOT, 'test/fixtures/linux-7.1/n01-1node-1g-2m.txt')],
    ]) {
      const r = hvosim(...cmd, '--kernel', 'mainline');
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /--kernel: unknown kernel "mainline": neither a profile \(6\.1, .*\) nor a kernel version/);
    }
  });
  test('diff, explain and check take a version too, and say its note', () => {
    const d = hvosim('diff', '--kernel', '6.1', '--kernel', '6.5');
    assert.equal(d.code, 0, d.err);
    // The verdicts first, then the header, then the note.
    assert.equal(d.out.split('\n')[0], 'verdict: 6.1 boots; 6.5 (profile 6.1) boots');
    assert.match(d.out.split('\n')[2]!, NOTE_6_5);
    assert.equal(JSON.parse(hvosim('diff', '--kernel', '6.1', '--kernel', '6.5', '--json').out).b.kernel.asked, '6.5');
    const e = hvosim('explain', '--kernel', '6.5', '--pfn', '0x140040');
    assert.equal(e.code, 0, e.err);
    assert.match(e.out.split('\n')[1]!, NOTE_6_5);
    const c = hvosim('check', '--kernel', '6.5', '--runs', '2');
    assert.match(c.out, NOTE_6_5);
  });
  test('conformance: a version names no Debian kernel to fetch (give --kernel-image); an unknown word stays unknown', () => {
    const v = hvosim('conformance', '--kernel', '6.5');
    assert.equal(v.code, 2);
    assert.match(v.err, /--kernel: kernel version "6\.5" names no real kernel hvosim fetches: give --kernel-image/);
    assert.match(hvosim('conformance', '--kernel', 'mainline').err, /--kernel: unknown kernel "mainline" \(kernel generations: /);
  });
});

describe('hvosim replay of a log whose Linux version has no profile of its own: never compared silently', () => {
  const fixture = read(join(ROOT, 'test/fixtures/linux-7.1/n01-1node-1g-2m.txt'));
  const rewritten = (version: string) => {
    const f = join(tmp, `linux-${version}.txt`);
    const text = fixture.replace(/Linux version 7\.1\.13\+deb13-cloud-amd64/g, `Linux version ${version}`);
    assert.notEqual(text, fixture);
    writeFileSync(f, text);
    return f;
  };
  const cases: [string, string, RegExp][] = [
    ['6.5.0-1-cloud-amd64', '6.1', NOTE_6_5],
    [
      '6.18.1+deb13-cloud-amd64',
      '6.16',
      /^note: Linux 6\.18 is profile 6\.16's code \(6\.16 to 6\.19\); held to Debian's 6\.16\.12, not to 6\.18's own boots\.$/m,
    ],
    ['9.0.0', '7.3', /^note: Linux 9\.0 is newer than anything hvosim models; answered by profile 7\.3 \(the newest code\)/m],
  ];
  for (const [version, profile, note] of cases)
    test(`Linux version ${version}: compared with ${profile}, the note first (text, --memblock and --json)`, () => {
      const f = rewritten(version);
      const r = hvosim('replay', f);
      assert.ok(r.code === 0 || r.code === 1, r.err);
      assert.match(r.out.split('\n')[0]!, note);
      assert.match(r.out, new RegExp(`\\s${profile.replace('.', '\\.')}\\s+\\d+/\\d+`));
      assert.match(hvosim('replay', '--memblock', f).out.split('\n')[0]!, note);
      const j = JSON.parse(hvosim('replay', '--json', f).out);
      assert.deepEqual([j.kernel.asked, j.kernel.profile], [version, profile]);
      assert.match(`note: ${j.kernel.note}.`, note);
      assert.equal(j.notes[0], j.kernel.note);
    });
  test("the log's own release, validated: no note", () => {
    const r = hvosim('replay', join(ROOT, 'test/fixtures/linux-7.1/n01-1node-1g-2m.txt'));
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /^note:/m);
  });
  test('a log saying Linux 7.2 is compared with profile 7.2, with no note', () => {
    const r = hvosim('replay', rewritten('7.2.12+deb13-cloud-amd64'));
    assert.ok(r.code === 0 || r.code === 1, r.err);
    assert.doesNotMatch(r.out, /^note:/m);
    assert.match(r.out, /\s7\.2\s+\d+\/\d+/);
    assert.equal(JSON.parse(hvosim('replay', '--json', rewritten('7.2.12+deb13-cloud-amd64')).out).kernel.profile, '7.2');
  });
  test('--kernel VERSION on a replay says its note too', () => {
    const r = hvosim('replay', '--kernel', '6.5', join(ROOT, 'test/fixtures/linux-7.1/n01-1node-1g-2m.txt'));
    assert.match(r.out.split('\n')[0]!, NOTE_6_5);
  });
});
