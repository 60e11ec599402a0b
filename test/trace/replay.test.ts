import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayDebugLines, replayMemblock } from '../../src/trace/replay.js';
import { InputError } from '../../src/util/errors.js';
import { fixtureFiles, read } from '../helpers.js';

const files = fixtureFiles();

/** The memblock=debug lines the kernel printed, callers without +off/size. */
function kernelDebugLines(text: string): string[] {
  const log = parseKernelLog(text);
  return log.dmesg
    .map((l) => l.text)
    .filter((t) => /^memblock_[a-z_]+: /.test(t))
    .map((t) => t.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, ''));
}

describe('replay of real 6.1 boots', () => {
  test('the first campaign (p*) and the later ones (n*, v*) are all there to replay', () => {
    assert.ok(files.filter((f) => basename(f).startsWith('p')).length >= 15, 'the 15 cases of the first campaign');
    assert.ok(files.filter((f) => /^[nv]/.test(basename(f))).length >= 10, 'at least 10 later cases');
  });
  for (const file of files) {
    test(`every call matches: ${basename(file)}`, () => {
      const text = read(file);
      const r = replayMemblock(parseKernelLog(text, file));
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.calls > 40, `compared ${r.calls} allocations`);
      assert.equal(r.matched, r.calls);
      assert.equal(r.dumps.total, 2);
      assert.equal(r.dumps.matched, 2);
      assert.equal(r.numa.matched, r.numa.total);
      assert.equal(r.truncated, false);
      // Our memblock=debug output is the kernel's, line for line.
      assert.deepEqual(replayDebugLines(r), kernelDebugLines(text));
    });
  }
});

describe('replay of broken or altered logs', () => {
  const file = files.find((f) => basename(f).startsWith('n02-3node-1g3'))!;
  const text = read(file);

  test('a log cut in the middle of the memblock calls is reported as truncated, not a crash', () => {
    const lines = text.split('\n');
    const cut = lines.findIndex((l) => l.includes('sparse_init_nid'));
    const r = replayMemblock(parseKernelLog(lines.slice(0, cut + 1).join('\n'), 'cut.txt'));
    assert.equal(r.truncated, true);
    // Only what the log has is compared: the allocation whose outcome is cut off is not.
    assert.deepEqual(r.mismatches, []);
  });

  test('a half-written last line of a cut log is tolerated', () => {
    const idx = text.indexOf('memblock_alloc_try_nid: 4096');
    const r = replayMemblock(parseKernelLog(text.slice(0, idx + 30), 'cut.txt'));
    assert.equal(r.truncated, true);
  });

  test('a memblock line that does not parse is an error naming the line', () => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes('memblock_alloc_try_nid:'));
    lines[i] = lines[i]!.replace(/bytes align=/, 'bytes alignment=');
    assert.throws(
      () => replayMemblock(parseKernelLog(lines.join('\n'), 'bad.txt')),
      (e: unknown) => e instanceof InputError && e.describe().startsWith(`bad.txt:${i + 1}: cannot parse memblock line`),
    );
  });

  test('a file with no kernel log is an error', () => {
    assert.throws(
      () => parseKernelLog('=====CMDLINE\nfoo\n=====END\n', 'empty.txt'),
      (e: unknown) => e instanceof InputError && /no kernel log lines/.test(e.message),
    );
  });

  test('an allocation the kernel placed elsewhere is a mismatch, and the replay goes on in step', () => {
    // Move the sparse usemap's reservation by 0x100: our allocation no longer matches the log.
    const m =
      /memblock_reserve: \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\] memblock_alloc_range_nid\S*\n(?=(?:.*\n){0,1}.*sparse_init_nid\+0x11f)/.exec(text);
    assert.ok(m, 'found the usemap reservation');
    const base = BigInt(m[1]!);
    const end = BigInt(m[2]!);
    const hex = (x: bigint) => `0x${x.toString(16).padStart(16, '0')}`;
    const altered = text.replace(m[0], m[0].replace(m[1]!, hex(base - 0x100n)).replace(m[2]!, hex(end - 0x100n)));
    const r = replayMemblock(parseKernelLog(altered, 'altered.txt'));
    const allocs = r.mismatches.filter((x) => x.kind === 'alloc');
    assert.equal(allocs.length, 1);
    assert.match(allocs[0]!.call, /sparse_init_nid/);
    assert.equal(allocs[0]!.kernel, `[${hex(base - 0x100n)}-${hex(end - 0x100n)}]`);
    assert.equal(allocs[0]!.ours, `[${hex(base)}-${hex(end)}]`);
    assert.equal(r.matched, r.calls - 1);
  });

  test('an allocation the kernel says failed, but we can place, is a mismatch', () => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes('__alloc_bootmem_huge_page'));
    assert.ok(i > 0 && lines[i + 1]!.includes('memblock_reserve'));
    lines.splice(i + 1, 1);
    const r = replayMemblock(parseKernelLog(lines.join('\n'), 'altered.txt'));
    const allocs = r.mismatches.filter((x) => x.kind === 'alloc');
    // The first mismatch is the one we altered; later huge pages may follow from it.
    assert.ok(allocs.length >= 1);
    assert.equal(allocs[0]!.line, i + 1);
    assert.equal(allocs[0]!.kernel, 'failed');
    assert.match(allocs[0]!.ours, /^\[0x/);
  });

  test('a wrong early reservation shows in the first dump, and the replay continues from the dump', () => {
    const altered = text.replace(/^RAMDISK: .*$/m, '').replace(/(\] )RAMDISK: \[mem [^\]]*\]/, '$1no ramdisk');
    const r = replayMemblock(parseKernelLog(altered, 'noinitrd.txt'));
    assert.equal(r.dumps.matched, 1);
    assert.equal(r.mismatches.filter((m) => m.kind === 'dump').length, 1);
    assert.equal(r.matched, r.calls);
  });
});
