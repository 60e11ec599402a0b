// A user's build (--build, --config) on diff and check: both sides, or every case, boot it, and what is printed
// (the JSON's build, the reproducers) says so.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertInputError, hvosim, ROOT } from '../helpers.js';

const BUILD = join(ROOT, 'test/fixtures/custom/7.3-min/build-from-image.json');
const CONFIG = join(ROOT, 'test/fixtures/custom/7.3-min/config');
const QEMU = ['--qemu', '-m 4G -cpu max', '--cmdline', 'hugepagesz=1G hugepages=1 hugetlb_free_vmemmap=on'];

describe('hvosim diff with a build of your own', () => {
  test('--build: both sides boot it (MemTotal moves on both), and the text and JSON say where it came from', () => {
    const own = JSON.parse(hvosim('diff', '--kernel', '7.2', '--kernel', '7.3', '--build', BUILD, ...QEMU, '--json').out);
    const debian = JSON.parse(hvosim('diff', '--kernel', '7.2', '--kernel', '7.3', ...QEMU, '--json').out);
    assert.equal(own.build.configFrom.file, BUILD);
    assert.deepEqual(Object.keys(own.build).sort(), ['configFrom', 'factsFrom', 'imageFrom']);
    assert.equal(debian.build, null);
    // The tinyconfig build reserves less (no DMA zone, a smaller pg_data_t, printk records, per-cpu unit): more memory.
    assert.ok(own.a.memTotalKb > debian.a.memTotalKb && own.b.memTotalKb > debian.b.memTotalKb);
    const t = hvosim('diff', '--kernel', '7.2', '--kernel', '7.3', '--config', CONFIG, ...QEMU);
    assert.equal(t.code, 0, t.err);
    assert.match(
      t.out,
      /^build \(both sides\): options and .*pgdatSize from .*7\.3-min\/config; every other build fact is each profile's$/m,
    );
  });
  test('--build and --config together, or a broken --build file: one line, exit 2', () => {
    assertInputError(hvosim('diff', '--build', BUILD, '--config', CONFIG), /give --build or --config, not both/);
    assertInputError(hvosim('diff', '--build', CONFIG), /--build/);
  });
});

describe('hvosim check with a build of your own', () => {
  test('--config: every case boots it; the reproducers repeat it; --jobs 2 finds the same', () => {
    const one = JSON.parse(hvosim('check', '--kernel', '7.3', '--runs', '60', '--config', CONFIG, '--json').out);
    const two = JSON.parse(hvosim('check', '--kernel', '7.3', '--runs', '60', '--config', CONFIG, '--json', '--jobs', '2').out);
    assert.equal(one.build.configFrom.file, CONFIG);
    // The same origin object as diff's JSON: the configuration, the image and the facts each gave.
    assert.deepEqual(Object.keys(one.build).sort(), ['configFrom', 'factsFrom', 'imageFrom']);
    assert.ok(one.findings.length > 0);
    for (const f of one.findings) assert.match(f.reproducer, / --config \S+7\.3-min\/config --qemu /);
    const strip = (r: { seconds: number }) => ({ ...r, seconds: 0 });
    assert.deepEqual(strip(two), strip(one));
  });
});
