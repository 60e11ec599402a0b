// boot --qemu, held to the real boots: from the QEMU command line alone (the initramfs QEMU was given being the
// one input read off the log), every recorded case without KASLR is predicted in full, memblock call for call;
// what cannot be predicted (the firmware's ACPI tables, a KASLR image) is left out and said, never a 0% artefact.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readBuildFile } from '../../src/cli/build-file.js';
import { QEMU_FILES } from '../../src/cli/input.js';
import { runConformance } from '../../src/conformance/run.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { getProfile, parseKconfig, profileWithBuild, profileWithConfig } from '../../src/simulator.js';
import { describeBuild } from '../../src/trace/build-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { InputError } from '../../src/util/errors.js';
import { read, ROOT } from '../helpers.js';

const FIXTURES = join(ROOT, 'test/fixtures');
const GENERATIONS = ['6.12', '6.16', '7.0', '7.1', '7.2', '7.3'];

describe('boot --qemu predicts the recorded boots', () => {
  for (const v of GENERATIONS) {
    test(`linux-${v}: every case booted with nokaslr matches in full; ACPI reservations and KASLR are said`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'hvosim-qemu-pred-'));
      const r = await runConformance({
        count: 0,
        seed: 1,
        jobs: 1,
        profile: v as never,
        out,
        work: out,
        timeoutSec: 1,
        fromLogs: join(FIXTURES, `linux-${v}`),
      });
      const fixed = r.results.filter((c) => c.qemu && /(^|\s)nokaslr(\s|$)/.test(c.case.cmdline));
      assert.ok(fixed.length >= 20, `${fixed.length} cases`);
      for (const c of fixed) {
        const q = c.qemu!;
        assert.deepEqual(
          q.mismatches.slice(0, 3).map((m) => `${m.what}: kernel ${m.kernel} / ours ${m.ours}`),
          [],
          `${c.case.id}: ${q.mismatches.length} mismatches`,
        );
        assert.ok(q.memblock.total > 0 && q.memblock.unpredicted! > 0, c.case.id);
        assert.ok(q.notes.some((n) => n.includes('acpi_reserve_initial_tables')));
      }
      assert.ok(r.unpredicted.acpiReservations > 0);
      assert.equal(r.unpredicted.kaslrCases, r.results.filter((c) => c.qemu).length - fixed.length);
    });
  }
});

describe('-initrd: QEMU places the initramfs below the end of low RAM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvosim-initrd-'));
  const file = (size: number) => {
    const f = join(dir, `initrd-${size}`);
    writeFileSync(f, Buffer.alloc(size));
    return f;
  };
  test('a 4 GiB q35 guest: the RAMDISK line of the fixtures (0x7fed4000-0x7ffcffff for 1,031,000 bytes)', () => {
    const m = parseQemuArgs(`-m 4G -initrd ${file(1031000)}`, QEMU_FILES);
    assert.deepEqual(m.loader?.initrd, { start: 0x7fed4000, size: 0x7ffd0000 - 0x7fed4000 });
  });
  test('a 1 GiB guest: the same gap below its end of RAM (0x3fed4000-0x3ffcffff)', () => {
    const m = parseQemuArgs(`-m 1G -initrd ${file(1031000)}`, QEMU_FILES);
    assert.deepEqual(m.loader?.initrd, { start: 0x3fed4000, size: 0x3ffd0000 - 0x3fed4000 });
  });
  test('a file QEMU could not read is an input error naming -initrd', () => {
    assert.throws(
      () => parseQemuArgs(`-m 1G -initrd ${join(dir, 'missing')}`, QEMU_FILES),
      (e) => e instanceof InputError && /-initrd .*no such file/.test(e.message),
    );
  });
  test('where files cannot be read (the web page), the initramfs is left out with a warning', () => {
    const m = parseQemuArgs('-m 1G -initrd /boot/initrd.img');
    assert.equal(m.loader, undefined);
    assert.ok(m.warnings.some((w) => w.startsWith('-initrd /boot/initrd.img: not modelled') && w.includes('cannot be read here')));
  });
});

describe('custom builds: boot --qemu with the build learnt from one boot (its k01) and its .config', () => {
  const CUSTOM = join(FIXTURES, 'custom');
  // Outside the model: classic SPARSEMEM (refused).
  const builds = readdirSync(CUSTOM).filter((d) => /^\d+\.\d+-/.test(d) && d !== '6.12-no-hvo');
  for (const b of builds) {
    test(`${b}: every other boot predicted in full from its QEMU command line`, async () => {
      const dir = join(CUSTOM, b);
      const version = b.split('-')[0]!;
      const cfg = parseKconfig(read(join(dir, 'config')), join(dir, 'config'));
      const base = profileWithConfig(getProfile(version)!, cfg);
      const k01 = join(dir, readdirSync(dir).find((f) => f.startsWith('k01'))!);
      const d = describeBuild(version, base, cfg, parseKernelLog(read(k01), k01));
      const out = mkdtempSync(join(tmpdir(), 'hvosim-custom-pred-'));
      const r = await runConformance({
        count: 0,
        seed: 1,
        jobs: 1,
        profile: profileWithBuild(getProfile(version)!, d, 'k01'),
        out,
        work: out,
        timeoutSec: 1,
        fromLogs: dir,
      });
      assert.ok(r.results.length >= 6);
      for (const c of r.results) {
        const q = c.qemu!;
        assert.deepEqual(
          q.mismatches.slice(0, 3).map((m) => `${m.what}: kernel ${m.kernel} / ours ${m.ours}`),
          [],
          `${c.case.id}: ${q.mismatches.length} mismatches`,
        );
      }
    });
  }
});

describe('custom builds predicted without a log: their kernel image and .config alone, 20 live cases each', () => {
  // test/fixtures/custom/BUILD/build-from-image.json is `hvosim build --kernel V --kernel-image bzImage --config config
  // --json` over the bzImage scripts/build-kernel.sh made; live/ holds 20 generated cases that bzImage booted under
  // QEMU (seeds 2207 to 2212). No log of the build went into the facts.
  const builds: [string, string, number][] = [
    // build, profile, cases exact in zoneinfo, meminfo and hugepages
    ['7.3-min', '7.3', 19],
    ['7.3-nodes10-hvo-on', '7.3', 20],
    ['7.3-cma', '7.3', 19],
    ['7.3-dma-hotremove', '7.3', 19],
    ['7.3-no-deferred', '7.3', 19],
    ['6.12-min', '6.12', 15],
  ];
  for (const [b, v, exact] of builds)
    test(`${b}: every memblock call; ${exact} of 20 exact; no miss replay does not share beyond a page (two grown at run time)`, async () => {
      const dir = join(FIXTURES, 'custom', b);
      const file = join(dir, 'build-from-image.json');
      const d = readBuildFile(file);
      assert.deepEqual(d.from.factsFromLog, []);
      const out = mkdtempSync(join(tmpdir(), 'hvosim-custom-image-'));
      const r = await runConformance({
        count: 0,
        seed: 1,
        jobs: 1,
        profile: profileWithBuild(getProfile(v)!, d, file),
        out,
        work: out,
        timeoutSec: 1,
        fromLogs: join(dir, 'live'),
      });
      assert.equal(r.results.length, 20);
      const key = /^(zoneinfo|meminfo|hugepages)/;
      let hits = 0;
      for (const c of r.results) {
        const q = c.qemu!;
        assert.equal(q.memblock.matched, q.memblock.total, c.case.id);
        const missed = q.mismatches.filter((m) => m.kind === 'observable');
        if (!missed.some((m) => key.test(m.what))) hits++;
        const replayed = new Set(c.replay!.mismatches.map((m) => m.what));
        for (const m of missed.filter((x) => !replayed.has(x.what))) {
          // A page of 4 KiB, in kB or in pages; after a pool grown at run time (from what the running system holds:
          // replay reads it off the log's zoneinfo, a prediction estimates it), two pages of 2 MiB, in pages or in kB.
          const off = Math.abs(Number(m.kernel) - Number(m.ours));
          const grown = /\(after nr_hugepages=\d+\)/.test(m.what);
          const inKb = /^meminfo (Hugetlb|MemTotal)\b/.test(m.what);
          assert.ok(off <= 4 || (grown && off <= (inKb ? 4096 : 2)), `${c.case.id} ${m.what}: kernel ${m.kernel} / ours ${m.ours}`);
        }
      }
      assert.equal(hits, exact);
    });
});
