// The level of the kernel's lines: what the kernel prints with pr_warn() or pr_err() (a malformed
// early option, NUMA tables that do not cover RAM, a page size the CPU lacks or the architecture
// has not, a count without a size, an allocation that fell short) is kept with its level, and
// kernelWarnings() gives exactly those lines, with the step that printed them; pr_info() lines have none.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { KernelState } from '../../src/kernel/state.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { PRESETS } from '../../src/machine/presets.js';
import type { Machine } from '../../src/machine/types.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/profiles/index.js';
import { kernelWarnings, unsupportedSizes } from '../../src/report/boot-view.js';

const run = (m: Machine, cmdline: string, profile: ProfileName = 'hvo-v7') => boot({ ...m, cmdline }, { profile, others: estimatedOthers });
const levelOf = (s: KernelState, line: string) => {
  const i = s.dmesg.indexOf(line);
  assert.ok(i >= 0, `not printed: ${line}`);
  return s.dmesgLevels.get(i) ?? 'info';
};
const dflt = () => PRESETS.default!.build();

describe('printk levels', () => {
  test('hugetlb parameters: pr_err for a refused size, pr_warn for a count without one, on every profile', () => {
    for (const profile of PROFILE_NAMES) {
      const s = run(parseQemuArgs('-m 4G'), 'hugepagesz=1G hugepages=2 hugepagesz=3G', profile);
      assert.equal(levelOf(s, 'HugeTLB: unsupported hugepagesz=1G'), 'err', profile);
      assert.equal(levelOf(s, 'HugeTLB: hugepages=2 does not follow a valid hugepagesz, ignoring'), 'warn', profile);
      assert.equal(levelOf(s, 'HugeTLB: unsupported hugepagesz=3G'), 'err', profile);
      assert.equal(levelOf(s, 'Zone ranges:'), 'info');
      assert.deepEqual(
        kernelWarnings(s).map((w) => [w.level, w.text]),
        [
          ['err', 'HugeTLB: unsupported hugepagesz=1G'],
          ['warn', 'HugeTLB: hugepages=2 does not follow a valid hugepagesz, ignoring'],
          ['err', 'HugeTLB: unsupported hugepagesz=3G'],
        ],
        profile,
      );
    }
  });

  test('a refused size says why: the CPU lacks it (and QEMU without -cpu is qemu64), or x86_64 has no such size', () => {
    const s = run(parseQemuArgs('-m 4G'), 'hugepagesz=1G hugepages=2 hugepagesz=3G');
    assert.deepEqual(unsupportedSizes(s), [
      'hugepagesz=1G: this CPU has no 1 GiB pages (pdpe1gb); the kernel ignored it ' +
        "(QEMU's CPU when the command line gives no -cpu, qemu64, lacks it; -cpu max or -cpu host has it)",
      'hugepagesz=3G: x86_64 has no 3 GiB pages (only 2 MiB, 1 GiB with pdpe1gb); the kernel ignored it',
    ]);
    // -cpu max has 1 GiB pages; a machine file without "cpu" too.
    assert.deepEqual(unsupportedSizes(run(parseQemuArgs('-m 4G -cpu max'), 'hugepagesz=1G hugepages=2')), []);
    const file = loadMachineJson(JSON.stringify({ q35: { nodes: ['4G'] } }), 'box.json');
    assert.deepEqual(unsupportedSizes(run(file, 'hugepagesz=1G hugepages=2')), []);
    assert.ok(run(file, 'hugepagesz=1G hugepages=2').hugetlb.pages.length > 0);
  });

  test('a malformed early option and a percentage above 100 are warnings', () => {
    const s = run(dflt(), 'movablecore kernelcore=150%');
    assert.equal(levelOf(s, "Malformed early option 'movablecore'"), 'warn');
    assert.ok(kernelWarnings(s).some((w) => w.level === 'warn' && w.text.startsWith('WARNING: kernelcore=150%')));
    // A core_param's bad value in 6.1 (parse_args(): pr_err), an early_param's in hvo-v7 (pr_warn).
    const t = run(dflt(), 'hugetlb_free_vmemmap=maybe', '6.1');
    assert.equal(levelOf(t, "Booting kernel: `maybe' invalid for parameter `hugetlb_free_vmemmap'"), 'err');
    const u = run(dflt(), 'hugetlb_free_vmemmap=maybe', 'hvo-v7');
    assert.equal(levelOf(u, "Malformed early option 'hugetlb_free_vmemmap'"), 'warn');
  });

  test('NUMA tables that do not cover RAM are dropped with a pr_err, printed in x86_numa_init', () => {
    const m = loadMachineJson(
      JSON.stringify({
        e820: [
          { start: 0, size: '0x9fc00', type: 'usable' },
          { start: '0x100000', size: '4095M', type: 'usable' },
          { start: '0x100000000', size: '4G', type: 'usable' },
        ],
        nodes: [{ id: 0, ranges: [{ start: '0', size: '2G' }] }],
      }),
      'uncovered.json',
    );
    const s = run(m, '');
    const w = kernelWarnings(s);
    assert.deepEqual(
      w.map((x) => x.level),
      ['err'],
    );
    assert.match(w[0]!.text, /^NUMA: nodes only cover 2047MB of your 8191MB e820 RAM\. Not used\.$/);
    assert.equal(levelOf(s, 'No NUMA configuration found'), 'info');
    assert.ok(w[0]!.step && s.steps.some((st) => st.fn === w[0]!.step));
  });

  test('an allocation that falls short is a pr_warn, with the step that printed it; the pool lines are pr_info', () => {
    const s = run(dflt(), 'hugepagesz=1G hugepages=6 hugetlb_free_vmemmap=on');
    const w = kernelWarnings(s);
    assert.equal(w.length, 1);
    assert.equal(w[0]!.level, 'warn');
    assert.match(w[0]!.text, /^HugeTLB: allocating 6 of page size 1.00 GiB failed\. {2}Only allocated 2 hugepages\.$/);
    const firstLine = s.steps.find((st) => st.fn === w[0]!.step)!.firstLine;
    assert.ok(s.dmesg.indexOf(w[0]!.text) >= firstLine);
    assert.equal(levelOf(s, 'HugeTLB: registered 1.00 GiB page size, pre-allocated 2 pages'), 'info');
  });

  test('a boot that dies: its last words are at the panic level', () => {
    const m = { ...PRESETS['2s-server']!.build() };
    const s = run(m, 'hugepagesz=1G hugepages=512');
    assert.ok(s.panic);
    const last = kernelWarnings(s).at(-1)!;
    assert.equal(last.level, 'emerg');
    assert.equal(last.text, s.dmesg.at(-1));
  });
});
