// A kernel log's own version picks the profile, for boot --from-dmesg as for replay; a version without
// a profile of its own is never booted or compared without a word; a cut log and a non-log are said so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT, read } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-logkernel-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = (gen: string, name: string) => join(ROOT, 'test/fixtures', `linux-${gen}`, name);
const memTotal = (file: string) => Number(/^=====MEMINFO\n(?:.*\n)*?MemTotal:\s+(\d+) kB/m.exec(read(file))![1]);

/** A fixture whose "Linux version" line names another release. */
function asVersion(version: string): string {
  const f = join(tmp, `linux-${version}.txt`);
  writeFileSync(f, read(fixture('7.1', 'n01-1node-1g-2m.txt')).replace(/Linux version \S+/, `Linux version ${version}-cloud-amd64`));
  return f;
}

describe('boot --from-dmesg boots the kernel the log names', () => {
  for (const [gen, name] of [
    ['6.1', 'p02-2node-1g2-hvo.txt'],
    ['6.12', 'n03-uneven-pernode.txt'],
    ['7.2', 'n03-uneven-pernode.txt'],
    ['7.3', 'n03-uneven-pernode.txt'],
  ] as const) {
    test(`a ${gen} log: profile ${gen}, from the log, and the real MemTotal`, () => {
      const f = fixture(gen, name);
      const r = hvosim('boot', '--from-dmesg', f, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.kernel.profile, gen);
      assert.equal(j.kernel.from, 'log');
      assert.equal(j.kernel.approximate, false);
      assert.match(j.kernel.logVersion, new RegExp(`^${gen.replace('.', '\\.')}\\.`));
      assert.equal(j.meminfo.MemTotal, memTotal(f));
      const text = hvosim('boot', '--from-dmesg', f);
      assert.match(
        text.out,
        new RegExp(
          `kernel profile ${gen.replace('.', '\\.')} \\(for Linux ${gen.replace('.', '\\.')}\\S*, the log's "Linux version" line\\)`,
        ),
      );
    });
  }

  test('an explicit --kernel wins, and says the log is of another release', () => {
    const r = hvosim('boot', '--from-dmesg', fixture('6.1', 'p02-2node-1g2-hvo.txt'), '--kernel', '7.3', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kernel.profile, '7.3');
    assert.equal(j.kernel.from, '--kernel');
    assert.match(j.kernel.note, /the log is of Linux 6\.1\.\S+ \(profile 6\.1\); --kernel 7\.3 boots it as profile 7\.3/);
    assert.match(
      hvosim('boot', '--from-dmesg', fixture('6.1', 'p02-2node-1g2-hvo.txt'), '--kernel', '7.3').out,
      /note: the log is of Linux 6\.1/,
    );
  });

  for (const [version, profile] of [
    ['6.5.3', '6.1'],
    ['6.18.3', '6.16'],
    ['9.0.1', '7.3'],
  ] as const) {
    test(`a ${version} log (no profile of its own): boot and replay say which profile stands for it, approximately`, () => {
      const f = asVersion(version);
      const b = JSON.parse(hvosim('boot', '--from-dmesg', f, '--json').out);
      assert.equal(b.kernel.profile, profile);
      assert.equal(b.kernel.approximate, true);
      assert.ok(b.kernel.note, 'a note');
      const bt = hvosim('boot', '--from-dmesg', f).out;
      assert.match(
        bt,
        new RegExp(
          `kernel profile ${profile.replace('.', '\\.')} \\(for Linux ${version.replace(/\./g, '\\.')}\\S*, the log's "Linux version" line, approximately\\)`,
        ),
      );
      assert.match(bt, /\nnote: Linux \d+\.\d+ /);
      for (const mode of [[], ['--memblock']]) {
        const rj = JSON.parse(hvosim('replay', ...mode, '--json', f).out);
        assert.equal(rj.kernel.profile, profile);
        assert.equal(rj.kernel.approximate, true);
        assert.ok(rj.kernel.note);
        assert.match(hvosim('replay', ...mode, f).out, /^note: Linux \d+\.\d+ /);
      }
    });
  }
});

describe("boot --from-dmesg takes the build's facts off the log, as replay does", () => {
  // A build of our own (test/fixtures/custom/): replay with its config matches the log in full, so boot must too.
  for (const name of ['7.3-min/k01-1node-2m-hvo.txt', '6.12-min/k02-2node-1g-hvo.txt']) {
    test(`${name} with its --config: the log's own MemTotal, and which facts came from the log`, () => {
      const f = join(ROOT, 'test/fixtures/custom', name);
      const config = join(ROOT, 'test/fixtures/custom', name.split('/')[0]!, 'config');
      const r = hvosim('boot', '--from-dmesg', f, '--config', config, '--json', '--no-plan');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.meminfo.MemTotal, memTotal(f));
      assert.equal(j.build.factsFrom.file, f);
      assert.ok(j.build.factsFrom.facts.includes('imageSize'), j.build.factsFrom.facts.join());
      // One name each, as configFrom's and imageFrom's (setup_log_buf gives two facts at once).
      assert.ok(j.build.factsFrom.facts.includes('printkInfoSize'), j.build.factsFrom.facts.join());
      const text = hvosim('boot', '--from-dmesg', f, '--config', config, '--no-plan').out;
      assert.match(text, new RegExp(`MemTotal: ${memTotal(f)} kB`));
      assert.match(text, /\nbuild: imageSize, .* read from the log \(.*\); every other build fact is profile (7\.3|6\.12)'s\n/);
    });
  }
});

describe('boot --from-dmesg reads whether the build has HVO at all off its log', () => {
  test('a build without HUGETLB_PAGE_OPTIMIZE_VMEMMAP ("0 KiB vmemmap can be freed"): HVO off, without its --config', () => {
    const f = join(ROOT, 'test/fixtures/custom/6.12-no-hvo/k02-2node-1g-hvo.txt');
    const j = JSON.parse(hvosim('boot', '--from-dmesg', f, '--json', '--no-plan').out);
    assert.equal(j.hvo.enabled, false);
    assert.equal(j.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP, false);
    assert.ok(j.build.factsFrom.facts.includes('HUGETLB_PAGE_OPTIMIZE_VMEMMAP'));
    // Was 32760 kB high (HVO's savings counted); what is left is the options only its --config says (ZONE_DMA, ...).
    assert.ok(Math.abs(j.meminfo.MemTotal - memTotal(f)) < 64, `${j.meminfo.MemTotal} against ${memTotal(f)}`);
  });
});

describe('logs that are cut short, or are no kernel log', () => {
  test('the head of a dmesg: replay --memblock says where it was cut, exit 1, no mismatch', () => {
    const lines = read(fixture('6.1', 'n02-3node-1g3.txt')).split('\n');
    const start = lines.indexOf('=====DMESG') + 1;
    const f = join(tmp, 'head.txt');
    writeFileSync(f, `${lines.slice(start, start + 100).join('\n')}\n`);
    const r = hvosim('replay', '--memblock', f);
    assert.equal(r.code, 1);
    assert.match(r.out, /cut short\n/);
    assert.match(r.out, /head\.txt: the log is cut short at line 100 /);
    assert.doesNotMatch(r.out, /MISMATCH|kernel:/);
    const w = hvosim('replay', f);
    assert.match(w.out, /head\.txt: the log is cut short at line 100 /);
    assert.doesNotMatch(w.out, /MISMATCH/);
  });

  test('a text file that is no kernel log: exit 2, said so, not blamed on log_buf_len', () => {
    const f = join(tmp, 'notes.txt');
    writeFileSync(f, 'shopping list\neggs: 12\n');
    for (const args of [
      ['replay', f],
      ['replay', '--memblock', f],
      ['boot', '--from-dmesg', f],
    ]) {
      const r = hvosim(...args);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /notes\.txt: not a kernel log/);
      assert.doesNotMatch(r.err, /log_buf_len/);
    }
  });

  test('dmesg -x is read like any other format', () => {
    const lines = read(fixture('6.1', 'n01-1node-1g-2m.txt')).split('\n');
    const start = lines.indexOf('=====DMESG') + 1;
    const end = lines.indexOf('=====END');
    const f = join(tmp, 'x.txt');
    writeFileSync(
      f,
      lines
        .slice(start, end)
        .map((l) => `kern  :info  : ${l}`)
        .join('\n'),
    );
    const r = hvosim('replay', '--memblock', f);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, / ok\n/);
  });
});
