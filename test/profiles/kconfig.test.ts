// A build's configuration (--config): the options hvosim models are read where the kernel reads them, held to
// real boots of a kernel built here from Debian's linux-source-6.12 on tinyconfig (test/fixtures/custom/6.12-min:
// no ZONE_DMA, no ZONE_DEVICE), and the options it does not model are named, never ignored silently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { getProfile, kconfigText, parseKconfig, profileWithConfig } from '../../src/simulator.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { InputError } from '../../src/util/errors.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/custom/6.12-min');
const CONFIG = join(DIR, 'config');

describe('parseKconfig()', () => {
  test('y is on; "is not set" and an option the file leaves out are off', () => {
    const k = parseKconfig(
      '# comment\nCONFIG_SPARSEMEM_VMEMMAP=y\nCONFIG_ZONE_DMA32=y\n# CONFIG_ZONE_DMA is not set\nCONFIG_NR_CPUS=64\nCONFIG_NODES_SHIFT=6\n\n',
      'x',
    );
    assert.deepEqual(k.config, {
      ZONE_DMA: false,
      ZONE_DMA32: true,
      ZONE_DEVICE: false,
      CONTIG_ALLOC: false,
      MEMORY_HOTREMOVE: false,
      HUGETLB_PAGE_OPTIMIZE_VMEMMAP: false,
      HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON: false,
      CPUMASK_OFFSTACK: false,
      FIRMWARE_MEMMAP: false,
      HIBERNATION: false,
      CMA: false,
      TRANSPARENT_HUGEPAGE: false,
      TMPFS: false,
    });
    assert.equal(
      kconfigText(k.config),
      'ZONE_DMA=n ZONE_DMA32=y ZONE_DEVICE=n CONTIG_ALLOC=n MEMORY_HOTREMOVE=n HUGETLB_PAGE_OPTIMIZE_VMEMMAP=n HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON=n ' +
        'CPUMASK_OFFSTACK=n FIRMWARE_MEMMAP=n HIBERNATION=n CMA=n TRANSPARENT_HUGEPAGE=n TMPFS=n',
    );
    assert.deepEqual(k.notModelled, ['NR_CPUS=64']);
    assert.equal(k.values.get('NODES_SHIFT'), '6');
    assert.equal(k.values.get('ZONE_DMA'), 'n');
  });
  test('a file that is no configuration is an input error naming the line', () => {
    assert.throws(
      () => parseKconfig('CONFIG_SPARSEMEM_VMEMMAP=y\nhello\n', 'f'),
      (e) => e instanceof InputError && e.where?.line === 2,
    );
    assert.throws(() => parseKconfig('# only comments\n', 'f'), InputError);
  });
  test('a build without SPARSEMEM_VMEMMAP (classic SPARSEMEM, test/fixtures/custom/6.12-no-hvo) is outside the model: refused', () => {
    const cfg = join(ROOT, 'test/fixtures/custom/6.12-no-hvo/config');
    assert.throws(() => parseKconfig(read(cfg), cfg), /CONFIG_SPARSEMEM_VMEMMAP is not set/);
  });
});

describe('a kernel built without ZONE_DMA and ZONE_DEVICE (6.12 on tinyconfig)', () => {
  const k = parseKconfig(read(CONFIG), CONFIG);
  const profile = profileWithConfig(getProfile('6.12')!, k);
  // The zones (ZONE_DMA, ZONE_DEVICE) and the HugeTLB lines (no 1 GiB size registered without CONTIG_ALLOC).
  const zoneObservables = /"Zone ranges" block|zoneinfo node \d+ \w+ (spanned|present)|HugeTLB line/;
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
  test('the configuration is read as the build has it', () => {
    assert.equal(
      kconfigText(k.config),
      'ZONE_DMA=n ZONE_DMA32=y ZONE_DEVICE=n CONTIG_ALLOC=n MEMORY_HOTREMOVE=n HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON=n ' +
        'CPUMASK_OFFSTACK=n FIRMWARE_MEMMAP=n HIBERNATION=n CMA=n TRANSPARENT_HUGEPAGE=n TMPFS=n',
    );
    assert.ok(k.notModelled.includes('NR_CPUS=2'), k.notModelled.join(', '));
  });
  for (const f of files) {
    test(`${f}: replays in full with its .config and the build facts read off its own log`, () => {
      const log = parseKernelLog(read(join(DIR, f)), f);
      const r = replayFixture(log, profile);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.memblock.matched, r.memblock.total);
      assert.ok(r.observables.total > 20 && r.memblock.total > 20);
      assert.equal(r.build?.configFrom, CONFIG);
      // Debian's configuration (a DMA zone, a Device zone, CONTIG_ALLOC) does not match: the test can tell.
      assert.ok(replayFixture(log, '6.12').mismatches.some((m) => zoneObservables.test(m.what)));
    });
  }
});

for (const build of ['7.3-min', '7.3-dma-hotremove', '7.3-nodes10-hvo-on', '7.3-no-deferred', '7.3-cma']) {
  describe(`${build}: every boot replays in full with its .config and its log`, () => {
    const dir = join(ROOT, 'test/fixtures/custom', build);
    const profile = profileWithConfig(getProfile('7.3')!, parseKconfig(read(join(dir, 'config')), 'config'));
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
      test(f, () => {
        const r = replayFixture(parseKernelLog(read(join(dir, f)), f), profile);
        assert.equal(r.memblock.matched, r.memblock.total);
        assert.deepEqual(r.mismatches, []);
      });
    }
  });
}

describe('hvosim boot --config', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hvosim-kconfig-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8' });
  test('says where the options came from and which it does not model, in text and JSON; /proc/config.gz is read', () => {
    const gz = join(tmp, 'config.gz');
    writeFileSync(gz, gzipSync(read(CONFIG)));
    const t = run('boot', '--kernel', '6.12', '--config', gz, '--qemu', '-m 2G');
    assert.equal(t.status, 0, t.stderr);
    assert.match(
      t.stdout,
      new RegExp(
        '^build: ZONE_DMA=n ZONE_DMA32=y ZONE_DEVICE=n CONTIG_ALLOC=n .* from .*config\\.gz; ' +
          "realModeSize, brkSize, logBufShift, pgdatSize from it too; every other build fact is profile 6\\.12's$",
        'm',
      ),
    );
    assert.match(t.stdout, /^note: .*config\.gz sets options hvosim does not model yet .*NR_CPUS=2/m);
    assert.doesNotMatch(t.stdout, / DMA /);
    const j = JSON.parse(run('boot', '--kernel', '6.12', '--config', CONFIG, '--qemu', '-m 2G', '--json').stdout);
    assert.equal(j.build.config.ZONE_DMA, false);
    assert.equal(j.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP, true);
    assert.ok(j.build.configFrom.notModelled.includes('NR_CPUS=2'));
    assert.deepEqual(j.build.configFrom.facts, ['realModeSize', 'brkSize', 'logBufShift', 'pgdatSize']);
    assert.equal(JSON.parse(run('boot', '--json').stdout).build.configFrom, null);
  });
  test('a file that is no configuration, or a broken gzip, is one line and exit 2', () => {
    const bad = join(tmp, 'bad.gz');
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    for (const f of [join(ROOT, 'README.md'), bad, join(tmp, 'missing')]) {
      const r = run('boot', '--config', f);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^hvosim: /);
    }
  });
});

describe('hvosim build, and a boot predicted without a log from the build it learnt', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hvosim-build-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8' });
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
  const desc = join(tmp, 'mybuild.json');
  test('build --json writes what it learnt from the .config and one boot log, and says where each came from', () => {
    const r = run('build', '--config', CONFIG, '--from-dmesg', join(DIR, files[0]!), '--json');
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(desc, r.stdout);
    const d = JSON.parse(r.stdout);
    assert.equal(d.kernel, '6.12');
    assert.equal(d.config.ZONE_DMA, false);
    assert.ok(d.from.factsFromLog.some((f: string) => f.startsWith('pgdatSize')));
    const text = run('build', '--config', CONFIG, '--from-dmesg', join(DIR, files[0]!));
    assert.match(text.stdout, /^pgdatSize +\d+ \(0x[0-9a-f]+\) {2}\[the log\]$/m);
  });
  test('boot --build predicts the other boots of that build from their machines alone: MemTotal within 8 kB', () => {
    for (const f of files.slice(1)) {
      const text = read(join(DIR, f));
      const log = parseKernelLog(text, f);
      const sizes = /nodes=\[([^\]]*)\]/.exec(text)![1]!.split(' ');
      const qemu = `-machine q35 -cpu qemu64,+pdpe1gb -m ${sizes.reduce((a, x) => a + Number.parseInt(x, 10), 0)}M ${sizes
        .map((x, i) => `-object memory-backend-ram,id=m${i},size=${x} -numa node,nodeid=${i},memdev=m${i}`)
        .join(' ')}`;
      const r = run('boot', '--build', desc, '--qemu', qemu, '--cmdline', log.cmdline ?? '', '--json', '--no-plan');
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.ok(j.build.configFrom.facts.includes('pgdatSize'));
      const real = Number(/^MemTotal:\s+(\d+) kB$/m.exec(text)![1]);
      assert.ok(Math.abs(j.meminfo.MemTotal - real) <= 8, `${f}: MemTotal ${j.meminfo.MemTotal} kB, the kernel ${real} kB`);
    }
  });
  test('a file that is no build description is one line and exit 2', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"format":"hvosim-build/1","kernel":"6.12"}');
    const r = run('boot', '--build', bad);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
