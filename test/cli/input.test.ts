// What the commands read: the HVO on/off partner of a replay, stdin, devices, binary files,
// byte order marks, the usual log formats, control characters, and explain on a hole.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PROJECT_FIXTURES, read, ROOT } from '../helpers.js';

function hvosim(args: string[], opts: { input?: string; shell?: string } = {}) {
  const cmd = [join(ROOT, 'bin/hvosim.js'), ...args];
  // A command that hangs is a failure, not a stuck test run.
  const r = opts.shell
    ? spawnSync('sh', ['-c', `${opts.shell} exec "$0" "$@"`, process.execPath, ...cmd], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1' },
      })
    : spawnSync(process.execPath, cmd, { encoding: 'utf8', timeout: 60_000, input: opts.input, env: { ...process.env, NO_COLOR: '1' } });
  assert.notEqual(r.signal, 'SIGTERM', `hvosim ${args.join(' ')} hung`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertInputError(r: ReturnType<typeof hvosim>, re: RegExp): void {
  assert.equal(r.code, 2, r.err + r.out);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got: ${r.err}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.err, /internal error|\n\s+at /);
}

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-input-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const HVO = join(PROJECT_FIXTURES, 'n13-hvo-3node-odd.txt');
const NOHVO = join(PROJECT_FIXTURES, 'n09-nohvo-3node-odd.txt');
const OTHER = join(PROJECT_FIXTURES, 'n02-3node-1g3.txt');
const dmesgOf = (f: string) => {
  const t = read(f);
  return `${t.slice(t.indexOf('=====DMESG\n') + 11, t.indexOf('\n=====END'))}\n`;
};

describe('replay FILE: the HVO on/off partner', () => {
  test('a partial log, a directory and a FIFO named *.txt beside FILE are not read and not blamed; the partner is still found', () => {
    const dir = join(tmp, 'beside');
    mkdirSync(dir);
    copyFileSync(HVO, join(dir, 'b-hvo.txt'));
    copyFileSync(NOHVO, join(dir, 'c-nohvo.txt'));
    // Sorted before the partner: a partial copy of it, a directory, a FIFO nobody writes to, a binary file.
    writeFileSync(join(dir, 'a-partial.txt'), read(NOHVO).slice(0, 20_000));
    mkdirSync(join(dir, 'a-x.txt'));
    assert.equal(spawnSync('mkfifo', [join(dir, 'a-fifo.txt')]).status, 0);
    writeFileSync(join(dir, 'a-binary.txt'), Buffer.from([0, 1, 2, 0xff, 0]));
    const r = hvosim(['replay', '--json', join(dir, 'b-hvo.txt')]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.byKind['MemTotal change'].total, 1, 'the MemTotal change against the partner was compared');
    assert.equal(j.byKind['MemTotal change'].matched, 1);
    assert.ok(j.mismatches.length === 0);
  });
  test('no partner beside it: a note, exit 0, nothing else read', () => {
    const dir = join(tmp, 'alone');
    mkdirSync(dir);
    copyFileSync(HVO, join(dir, 'hvo.txt'));
    writeFileSync(join(dir, 'partial.txt'), read(NOHVO).slice(0, 30_000));
    const r = hvosim(['replay', '--json', join(dir, 'hvo.txt')]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.byKind['MemTotal change'], undefined);
    assert.ok(j.notes.some((n: string) => /--partner FILE/.test(n)));
  });
  test('--partner names it from anywhere; a wrong partner is exit 2; --no-partner compares none', () => {
    const dir = join(tmp, 'named');
    mkdirSync(dir);
    copyFileSync(HVO, join(dir, 'hvo.txt'));
    const ok = hvosim(['replay', '--json', join(dir, 'hvo.txt'), '--partner', NOHVO]);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(JSON.parse(ok.out).byKind['MemTotal change'].matched, 1);
    assertInputError(
      hvosim(['replay', join(dir, 'hvo.txt'), '--partner', OTHER]),
      /n02-3node-1g3\.txt: --partner: not the HVO on\/off partner of .*hvo\.txt: another machine/,
    );
    assertInputError(hvosim(['replay', join(dir, 'hvo.txt'), '--partner', join(dir, 'nope.txt')]), /nope\.txt: no such file/);
    const none = hvosim(['replay', '--json', '--no-partner', HVO]);
    assert.equal(none.code, 0, none.err);
    assert.equal(JSON.parse(none.out).byKind['MemTotal change'], undefined);
  });
});

describe('what a command reads', () => {
  test('a directory is a one-line input error, not an internal error', () => {
    mkdirSync(join(tmp, 'd.txt'));
    assertInputError(hvosim(['replay', join(tmp, 'd.txt')]), /d\.txt: is a directory, not a file/);
  });
  test('/dev/zero is refused at once (a device), not read forever', () => {
    assertInputError(hvosim(['replay', '/dev/zero']), /\/dev\/zero: a character device, not a regular file/);
    assertInputError(hvosim(['boot', '--from-dmesg', '/dev/zero']), /a character device/);
  });
  test('a binary file, text that is no kernel log, and a log without memblock=debug are each said so: exit 2', () => {
    const bin = join(tmp, 'bin.log');
    writeFileSync(bin, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    assertInputError(hvosim(['replay', '--memblock', bin]), /bin\.log: a binary file/);
    const noNul = join(tmp, 'garbage.log');
    writeFileSync(noNul, Buffer.from(Array.from({ length: 4096 }, (_, i) => 1 + ((i * 7919) % 255))));
    assertInputError(hvosim(['replay', '--memblock', noNul]), /garbage\.log: not a kernel log/);
    const plain = join(tmp, 'nodebug.log');
    writeFileSync(
      plain,
      dmesgOf(OTHER)
        .split('\n')
        .filter((l) => !/memblock_|MEMBLOCK configuration| (memory|reserved)/.test(l))
        .join('\n'),
    );
    assertInputError(hvosim(['replay', '--memblock', plain]), /nodebug\.log: no memblock=debug lines/);
  });
  test('dmesg -T, journalctl -k and - (stdin) are read like dmesg', () => {
    const plain = dmesgOf(OTHER);
    const strip = (l: string) => l.replace(/^\[\s*\d+\.\d+\] ?/, '');
    const forms = {
      plain,
      T: plain
        .split('\n')
        .map((l) => (l ? `[Sat Dec  5 12:00:00 2026] ${strip(l)}` : l))
        .join('\n'),
      journal: plain
        .split('\n')
        .map((l) => (l ? `Dec 05 12:00:00 host kernel: ${strip(l)}` : l))
        .join('\n'),
    };
    const results: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(forms)) {
      const f = join(tmp, `form-${name}.log`);
      writeFileSync(f, text);
      const r = hvosim(['replay', '--memblock', '--json', f]);
      assert.ok(r.code === 0 || r.code === 1, r.err);
      const j = JSON.parse(r.out);
      delete j.file;
      assert.ok(j.calls > 40, `${name}: ${j.calls} allocations compared`);
      results[name] = j;
    }
    assert.deepEqual(results.T, results.plain);
    assert.deepEqual(results.journal, results.plain);
    const stdin = hvosim(['replay', '--memblock', '--json', '-'], { input: forms.journal });
    const j = JSON.parse(stdin.out);
    assert.equal(j.file, '<stdin>');
    delete j.file;
    assert.deepEqual(j, results.plain);
    const m = hvosim(['machine', '--from-dmesg', '-', '--json'], { input: forms.T });
    assert.equal(m.code, 0, m.err);
    assertInputError(hvosim(['replay', '-', '-'], { input: '' }), /standard input \(-\) can be read only once/);
  });
  test('a FIFO given explicitly is read (up to the size cap)', () => {
    const fifo = join(tmp, 'pipe.log');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const src = join(tmp, 'pipe-src.log');
    writeFileSync(src, dmesgOf(OTHER));
    const r = hvosim(['replay', '--memblock', '--json', fifo], { shell: `cat '${src}' > '${fifo}' &` });
    assert.ok(r.code === 0 || r.code === 1, r.err);
    assert.ok(JSON.parse(r.out).calls > 40);
  });
  test('a UTF-8 byte order mark: machine files and logs read as without one', () => {
    const m = join(tmp, 'bom.json');
    writeFileSync(m, `\ufeff${JSON.stringify({ q35: { nodes: ['3G', '3G'] } })}`);
    const r = hvosim(['machine', '--machine', m]);
    assert.equal(r.code, 0, r.err);
    const log = join(tmp, 'bom.txt');
    writeFileSync(log, `\ufeff${read(OTHER)}`);
    const rr = hvosim(['replay', '--memblock', '--json', log]);
    assert.equal(rr.code, 0, rr.err);
  });
  test('control characters from the input are escaped in the error line', () => {
    const m = join(tmp, 'ctl.json');
    // JSON's own \u001b escape: the key read holds a raw ESC and BEL.
    writeFileSync(m, JSON.stringify({ q35: { nodes: ['3G'] }, 'evil\x1b[2J\x07': 1 }));
    const r = hvosim(['boot', '--machine', m]);
    assertInputError(r, /Unrecognized key: "evil\\x1b\[2J\\x07"/);
    assert.doesNotMatch(r.err, /[\x00-\x08\x0b-\x1f\x7f]/);
    const name = join(tmp, 'evil\x1b]0;x\x07.txt');
    const r2 = hvosim(['replay', name]);
    assertInputError(r2, /evil\\x1b\]0;x\\x07\.txt: no such file/);
    assert.doesNotMatch(r2.err, /[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe('explain on a hole', () => {
  test('says it is a hole and what lies around it, not "node -1" or "null"', () => {
    const r = hvosim(['explain', '--pfn', '0xc0000']);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out.split('\n')[1]!,
      /^ {2}a hole: no memory at this address .*; the hole runs from 0x000000007ffdf000 to 0x00000000ffffffff$/,
    );
    assert.match(r.out, /memory below it: \[mem 0x0000000000100000-0x000000007ffdefff\] on node 0/);
    assert.match(r.out, /memory above it: \[mem 0x0000000100000000-0x000000013fffffff\] on node 0/);
    assert.doesNotMatch(r.out, /node -1|= null|null\b/);
    const j = JSON.parse(hvosim(['explain', '--pfn', '0xc0000', '--json']).out);
    assert.equal(j.really.nid, null);
    assert.deepEqual(j.hole.below, { start: 0x100000, end: 0x7ffdf000, nid: 0 });
    assert.equal(j.hole.above.start, 0x100000000);
    const ram = JSON.parse(hvosim(['explain', '--pfn', '0x140040', '--json']).out);
    assert.equal(ram.hole, null);
    assert.equal(ram.really.nid, 1);
  });
});

describe('logs as other tools keep them: colours, gzip, UTF-16', () => {
  test("dmesg --color=always, a gzip'd log (kern.log.1.gz) and a UTF-16 file replay as the plain dmesg does", () => {
    const plain = dmesgOf(OTHER);
    // util-linux colours the timestamp and the subsystem prefix: "\e[32m[    0.000000] \e[0m\e[33mNUMA: \e[0m...".
    const colour = plain.replace(
      /^(\[ *[\d.]+\] )([A-Za-z0-9_-]+: )?/gm,
      (_, t, p) => `\x1b[32m${t}\x1b[0m${p ? `\x1b[33m${p}\x1b[0m` : ''}`,
    );
    const files: [string, string | Buffer][] = [
      ['plain.log', plain],
      ['colour.log', colour],
      ['kern.log.1.gz', gzipSync(plain)],
      ['utf16.log', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain, 'utf16le')])],
      ['notime-colour.log', colour.replace(/\x1b\[32m\[ *[\d.]+\] \x1b\[0m/g, '')],
    ];
    let first: unknown;
    for (const [name, body] of files) {
      const f = join(tmp, name);
      writeFileSync(f, body);
      const r = hvosim(['replay', '--memblock', '--json', f]);
      assert.equal(r.code, 0, `${name}: ${r.err}`);
      const j = JSON.parse(r.out);
      const counts = { calls: j.calls, matched: j.matched, mismatches: j.mismatches.length };
      assert.equal(j.mismatches.length, 0, name);
      first ??= counts;
      assert.deepEqual(counts, first, name);
      const b = hvosim(['boot', '--from-dmesg', f, '--json', '--no-plan']);
      assert.equal(b.code, 0, `${name}: ${b.err}`);
    }
  });
});
