// What the kernel warned about is said wherever a boot is shown, not only in --dmesg: the
// summary's "Kernel warnings" block, --json's kernelLog.warnings, each side of diff, --json-dmesg's
// level. A page size the CPU lacks is named where the pages asked are (a QEMU command line without
// -cpu runs qemu64, which has no 1 GiB pages, as QEMU does); the help's QEMU example asks for a CPU
// that has them and gets what it asks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Machines and command lines whose boots warn: a refused size, a count without one, malformed, short, NUMA dropped. */
const CASES: string[][] = [
  ['--qemu', '-m 4G', '--cmdline', 'hugepagesz=1G hugepages=2'],
  ['--cmdline', 'hugepagesz=3G hugepages=1 movablecore kernelcore=150% hugepagesz=1G hugepages=9'],
  ['--kernel', '6.1', '--cmdline', 'hugetlb_free_vmemmap=maybe default_hugepagesz=1G hugepages=3 default_hugepagesz=2M'],
  ['--qemu', '-m 4G -cpu Haswell', '--cmdline', 'default_hugepagesz=1G hugepagesz=1G hugepages=1'],
];

describe('the kernel warnings of a boot', () => {
  test('boot --qemu without -cpu: the summary names the size the CPU lacks, not "none asked"', () => {
    const r = hvosim('boot', '--qemu', '-m 4G', '--cmdline', 'hugepagesz=1G hugepages=2');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /Huge pages asked: none/);
    const why =
      'hugepagesz=1G: this CPU has no 1 GiB pages (pdpe1gb); the kernel ignored it ' +
      "(QEMU's CPU when the command line gives no -cpu, qemu64, lacks it; -cpu max or -cpu host has it).";
    assert.ok(r.out.includes(`\n  ${why}\n`), r.out);
    const block = [
      "Kernel warnings (the log's pr_warn and pr_err lines; --dmesg shows them in place):",
      '  err    HugeTLB: unsupported hugepagesz=1G',
      '  warn   HugeTLB: hugepages=2 does not follow a valid hugepagesz, ignoring',
    ];
    assert.ok(r.out.includes(`\n${block.join('\n')}\n`), r.out);
    const j = JSON.parse(hvosim('boot', '--qemu', '-m 4G', '--cmdline', 'hugepagesz=1G hugepages=2', '--json').out);
    assert.deepEqual(j.kernelLog.warnings, {
      total: 2,
      first: [
        { level: 'err', text: 'HugeTLB: unsupported hugepagesz=1G', step: 'hugetlb_setup (parse_args)' },
        { level: 'warn', text: 'HugeTLB: hugepages=2 does not follow a valid hugepagesz, ignoring', step: 'hugetlb_setup (parse_args)' },
      ],
    });
    assert.equal(j.plan.unsupported.length, 1);
    assert.match(j.plan.unsupported[0], /^hugepagesz=1G: this CPU has no 1 GiB pages \(pdpe1gb\)/);
  });

  test("boot --help's QEMU example asks for a CPU with 1 GiB pages and gets every page, without a warning", () => {
    const help = hvosim('boot', '--help').out;
    const ex = /\$ hvosim boot --qemu "([^"]*)" --cmdline "([^"]*)" --json/.exec(help);
    assert.ok(ex, help);
    const j = JSON.parse(hvosim('boot', '--qemu', ex[1]!, '--cmdline', ex[2]!, '--json').out);
    assert.deepEqual(j.kernelLog.warnings, { total: 0, first: [] });
    const asked = Number(/hugepages=(\d+)/.exec(ex[2]!)![1]);
    assert.equal(j.plan.sizes[0].got, asked);
  });

  test('every line --json-dmesg gives a level above info is in the text summary and in --json, in order', () => {
    for (const c of CASES) {
      const lines = hvosim('boot', ...c, '--json-dmesg', '-')
        .out.trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const warned = lines.filter((l) => l.level !== 'info');
      assert.ok(warned.length >= 2, `${c.join(' ')}: ${JSON.stringify(warned)}`);
      const j = JSON.parse(hvosim('boot', ...c, '--json').out);
      assert.deepEqual(
        j.kernelLog.warnings.first,
        warned.map((l) => ({ level: l.level, text: l.text, step: l.step })),
      );
      const text = hvosim('boot', ...c).out;
      const block = text.slice(text.indexOf('Kernel warnings'));
      let at = 0;
      for (const l of warned) {
        const i = block.indexOf(`  ${l.level.padEnd(5)}  ${l.text}\n`, at);
        assert.ok(i >= at, `${c.join(' ')}: ${l.text} not in the summary's block`);
        at = i;
      }
    }
  });

  test('a boot that warns of nothing has no block', () => {
    const r = hvosim('boot', '--no-plan');
    assert.doesNotMatch(r.out, /Kernel warnings/);
    assert.deepEqual(JSON.parse(hvosim('boot', '--json', '--no-plan').out).kernelLog.warnings, { total: 0, first: [] });
  });

  test('diff shows each side’s warnings, in text and --json', () => {
    const args = ['diff', '--kernel', '6.1', '--kernel', 'hvo-v7', '--cmdline', 'hugetlb_free_vmemmap=maybe hugepagesz=1G hugepages=2'];
    const r = hvosim(...args);
    assert.match(r.out, /\nKernel warnings \(6\.1\):\n {2}err {4}Booting kernel: `maybe' invalid for parameter `hugetlb_free_vmemmap'\n/);
    assert.match(r.out, /\nKernel warnings \(hvo-v7\):\n {2}warn {3}Malformed early option 'hugetlb_free_vmemmap'\n/);
    const j = JSON.parse(hvosim(...args, '--json').out);
    assert.equal(j.a.kernelWarnings.first[0].level, 'err');
    assert.equal(j.b.kernelWarnings.first[0].text, "Malformed early option 'hugetlb_free_vmemmap'");
  });
});
