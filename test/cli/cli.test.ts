// The command line as a user runs it: output, exit status, and one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fixtureFiles, read, ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertInputError(r: ReturnType<typeof hvosim>, re: RegExp): void {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got: ${r.err}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
}

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-cli-'));
const fixture = fixtureFiles().find((f) => f.includes('n02-3node-1g3'))!;

describe('hvosim replay', () => {
  test('--memblock --json on a real boot: every call matched, exit 0', () => {
    const r = hvosim('replay', '--memblock', '--json', fixture);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.calls > 40);
    assert.equal(j.matched, j.calls);
    assert.deepEqual(j.mismatches, []);
  });
  test('an altered log is a finding: exit 1 and the mismatch in the JSON', () => {
    const lines = read(fixture).split('\n');
    const i = lines.findIndex((l) => l.includes('__alloc_bootmem_huge_page'));
    lines.splice(i + 1, 1); // the kernel's reservation for the first gigantic page
    const text = lines.join('\n');
    const f = join(tmp, 'altered.txt');
    writeFileSync(f, text);
    const r = hvosim('replay', '--memblock', '--json', f);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out);
    assert.ok(j.mismatches.length >= 1);
    assert.equal(j.mismatches[0].kernel, 'failed');
  });
  test('a missing file: exit 2, one line', () => {
    assertInputError(hvosim('replay', '--memblock', join(tmp, 'nope.txt')), /nope\.txt: no such file/);
  });
  test('a file that is not a kernel log: exit 2, one line', () => {
    const f = join(tmp, 'empty.txt');
    writeFileSync(f, '\n\n');
    assertInputError(hvosim('replay', '--memblock', f), /no kernel log lines found/);
  });
});

describe('hvosim boot and machine', () => {
  test('the default boot prints a per-node summary', () => {
    const r = hvosim('boot');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /node\s+span\s+RAM/);
    assert.match(r.out, /NODE_DATA/);
  });
  test('boot --json has the kernel log and the memblock calls', () => {
    const r = hvosim('boot', '--qemu', '-m 4G', '--cmdline', 'memblock=debug', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.dmesg.includes('MEMBLOCK configuration:'));
    assert.ok(j.memblock.length > 5);
    assert.equal(j.nodes.length, 1);
  });
  test('a broken machine file: exit 2, file, line and field', () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, '{\n  "q35": { "nodes": [-3] }\n}\n');
    assertInputError(hvosim('boot', '--machine', f), /bad\.json:2: q35\.nodes\[0\]: expected a size/);
  });
  test('an unknown preset and an unknown option: exit 2', () => {
    assertInputError(hvosim('boot', '--machine-preset', 'mainframe'), /unknown preset "mainframe"/);
    const r = hvosim('boot', '--frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option/);
  });
  test('machine shows the firmware map of a QEMU command line', () => {
    const r = hvosim('machine', '--qemu', '-m 6G -object memory-backend-ram,id=a,size=3G -numa node,memdev=a -object memory-backend-ram,id=b,size=3G -numa node,memdev=b');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /BIOS-e820: \[mem 0x0000000100000000-0x00000001ffffffff\] usable/);
  });
  test('--help lists every command with examples', () => {
    const r = hvosim('--help');
    assert.equal(r.code, 0);
    for (const c of ['boot', 'replay', 'machine']) assert.match(r.out, new RegExp(`\\n  ${c}`));
    assert.match(hvosim('replay', '--help').out, /Examples:/);
  });
});
