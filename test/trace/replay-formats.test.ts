// The memblock replay of a kernel log as the usual tools print it: dmesg, dmesg -T, dmesg -r,
// dmesg --time-format iso, journalctl -k. None of them has /proc/iomem, so the kernel image's
// reservation comes from the first MEMBLOCK dump, which must then match like any other.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { InputError } from '../../src/util/errors.js';
import { replayMemblock } from '../../src/trace/replay.js';
import { profileOfLog } from '../../src/conformance/kernels.js';
import { ROOT, read } from '../helpers.js';

/** The "[    0.000000] text" lines of a fixture's DMESG section. */
export function dmesgLines(file: string): string[] {
  const lines = read(file).split('\n');
  const start = lines.indexOf('=====DMESG') + 1;
  const end = lines.findIndex((l, i) => i >= start && l.startsWith('====='));
  return lines.slice(start, end < 0 ? undefined : end);
}

const TS = /^\[\s*(\d+)\.(\d+)\] ?/;
/** Each tool's way of printing one kernel line (the kernel's "[ seconds.micros] " taken off first). */
export const FORMATS: Record<string, (line: string) => string> = {
  dmesg: (l) => l,
  'dmesg -T': (l) => l.replace(TS, '[Sat Dec  5 12:00:00 2026] '),
  'dmesg -r': (l) => `<6>${l}`,
  'dmesg --time-format iso': (l) => l.replace(TS, '2026-12-05T12:00:00,000000+00:00 '),
  'journalctl -k': (l) => l.replace(TS, 'Dec 05 12:00:00 host kernel: '),
  'dmesg -x': (l) => `kern  :info  : ${l}`,
  'dmesg -x -T': (l) => `kern  :info  : ${l.replace(TS, '[Sat Dec  5 12:00:00 2026] ')}`,
};

const FILES = [
  'linux-6.1/n01-1node-1g-2m.txt',
  'linux-6.12/n02-3node-1g3.txt',
  'linux-7.3/n01-1node-1g-2m.txt',
  'linux-6.16/n08-kaslr-3g5g.txt',
];

describe('memblock replay of a plain kernel log, in every format the tools print', () => {
  for (const name of FILES) {
    const file = join(ROOT, 'test/fixtures', name);
    const lines = dmesgLines(file);
    for (const [fmt, print] of Object.entries(FORMATS)) {
      test(`${name} as ${fmt}: ok, the image reservation read from the first dump`, () => {
        const log = parseKernelLog(lines.map(print).join('\n'), `${fmt}.txt`);
        assert.equal(log.iomem.length, 0);
        const r = replayMemblock(log, { profile: profileOfLog(log.dmesg).profile });
        assert.deepEqual(r.mismatches, []);
        assert.equal(r.matched, r.calls);
        assert.equal(r.dumps.total, 2);
        assert.equal(r.dumps.matched, 2);
        assert.equal(r.truncated, false);
        const image = r.early.find((e) => e.what === 'kernel image');
        assert.ok(image, 'the image reservation was inferred');
        assert.match(image.evidence, /first MEMBLOCK dump/);
      });
    }
  }
});

describe('a log cut short, and a file that is no kernel log', () => {
  const file = join(ROOT, 'test/fixtures/linux-6.1/n02-3node-1g3.txt');
  const lines = dmesgLines(file);

  for (const n of [100, 150, 200]) {
    test(`the first ${n} lines of a dmesg: cut short at line ${n}, and what is there matches`, () => {
      const log = parseKernelLog(lines.slice(0, n).join('\n'), 'head.txt');
      const r = replayMemblock(log, { profile: '6.1' });
      assert.equal(r.truncated, true);
      assert.equal(r.cutAt, n);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.matched, r.calls);
      assert.ok(r.calls > 0);
    });
  }

  test('the whole replay of a cut log compares only what the log shows, and says where it was cut', () => {
    const r = replayFixture(parseKernelLog(lines.slice(0, 150).join('\n'), 'head.txt'), '6.1', { partner: null });
    assert.equal(r.cutAt, 150);
    assert.deepEqual(r.mismatches, []);
    assert.ok(r.memblock.total > 0);
  });

  test('a whole log is not cut short', () => {
    const r = replayMemblock(parseKernelLog(lines.join('\n'), 'whole.txt'), { profile: '6.1' });
    assert.equal(r.truncated, false);
    assert.equal(r.cutAt, null);
  });

  test('a text file that is no kernel log is said to be none', () => {
    for (const text of ['hello\n', 'foo bar\nbaz: 12\n', '# notes\nsome words\n'])
      assert.throws(
        () => parseKernelLog(text, 'notes.txt'),
        (e: unknown) => e instanceof InputError && /^notes\.txt: not a kernel log/.test(e.describe()),
      );
  });

  test('a dmesg without timestamps is still a kernel log', () => {
    const log = parseKernelLog(lines.map((l) => l.replace(TS, '')).join('\n'), 'notime.txt');
    assert.deepEqual(replayMemblock(log, { profile: '6.1' }).mismatches, []);
  });

  test('an oracle fixture cut before its DMESG section says so', () => {
    const head = read(file).split('\n').slice(0, 60).join('\n');
    assert.throws(
      () => parseKernelLog(head, 'cut.txt'),
      (e: unknown) => e instanceof InputError && /cut short at line 60, before its =====DMESG section/.test(e.message),
    );
  });
});
