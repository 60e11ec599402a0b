// The vmemmap pages run-time HVO cannot free (preinitBootVmemmapFree): from 6.15 to 7.2,
// register_page_bootmem_info_section() skips the sections hugetlb took over at boot, and a
// gigantic page the kernel discards (one across two zones) leaves its sections marked so. Its
// memmap comes from memblock; when HVO later remaps a 2 MiB page there, free_bootmem_page() finds
// no bootmem type and keeps the page. Held to real boots of Debian's 7.1.13 and 6.16.12 (cases of
// `hvosim conformance --seed 20261205`, where a pool of 2 MiB pages grows over a discarded page).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { getProfile } from '../../src/profiles/index.js';
import type { KernelProfile } from '../../src/profiles/index.js';
import { replayedOthers } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { compareBoot } from '../../src/trace/observe.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/bootmem-leak');
const load = (name: string) => parseKernelLog(read(join(DIR, name)), name);

/** The profile as it is, or with the leak turned off (every HVO-freed boot page given back). */
const variant = (name: string, leak: boolean): KernelProfile => {
  const p = getProfile(name)!;
  return leak ? p : { ...p, features: { ...p.features, preinitBootVmemmapFree: 'freed' } };
};

/** Replay a log with a profile: how far our MemTotal is above the kernel's, at boot and after the pool grew (KiB; 0 when equal). */
function memTotalOff(name: string, profile: KernelProfile): { boot: number; grown: number } {
  const r = compareBoot(load(name), (l) => boot(machineFromLog(l), { profile, others: replayedOthers(l) }));
  const off = (what: RegExp) => {
    const m = r.mismatches.find((x) => x.kind === 'observable' && what.test(x.what));
    return m ? Number(m.ours) - Number(m.kernel) : 0;
  };
  return { boot: off(/^meminfo MemTotal$/), grown: off(/^meminfo MemTotal \(after nr_hugepages=\d+\)$/) };
}

describe('vmemmap pages HVO frees in the sections of a discarded gigantic page', () => {
  for (const [file, kernel] of [
    ['linux-7.1-s20261205-c012.txt', '7.1'],
    ['linux-6.16-s20261205-c012.txt', '6.16'],
  ] as const) {
    test(`${kernel}: MemTotal after the pool grows over the discarded page is the kernel's, to the KiB (${file})`, () => {
      const withLeak = memTotalOff(file, variant(kernel, true));
      assert.equal(withLeak.grown, 0, 'MemTotal after growth');
      // At boot the one 2 MiB page the kernel placed elsewhere (where the allocator puts each page is an estimate).
      assert.ok(Math.abs(withLeak.boot) <= 32, `MemTotal at boot off by ${withLeak.boot} KiB`);
      // Without the leak the same replay is 3.6 MiB (116 pages of 2 MiB, 8 vmemmap pages each) too high.
      const freed = memTotalOff(file, variant(kernel, false));
      assert.ok(freed.grown >= 3500, `without the leak MemTotal after growth is only ${freed.grown} KiB too high`);
    });
  }

  test('7.1 c009: the leak takes MemTotal from 12.2 MiB too high to within 6 pages of 2 MiB (placement)', () => {
    const withLeak = memTotalOff('linux-7.1-s20261205-c009.txt', variant('7.1', true));
    const freed = memTotalOff('linux-7.1-s20261205-c009.txt', variant('7.1', false));
    assert.ok(freed.grown > 12000, `without the leak: ${freed.grown} KiB`);
    assert.ok(Math.abs(withLeak.grown) <= 6 * 32, `with the leak: ${withLeak.grown} KiB`);
  });

  test('nr_memmap_boot_pages drops for a leaked page as for a freed one (memmap_boot_pages_add() comes first)', () => {
    const log = load('linux-7.1-s20261205-c012.txt');
    const r = compareBoot(log, (l) => boot(machineFromLog(l), { profile: variant('7.1', true), others: replayedOthers(l) }));
    assert.equal(r.mismatches.filter((m) => m.kind === 'observable' && /nr_memmap/.test(m.what)).length, 0);
    assert.ok((r.byKind.vmstat?.total ?? 0) > 0, 'the log has the vmstat counters');
  });

  test('a profile that frees them (7.3, no mm/bootmem_info.c) loses nothing; 6.1 and 6.12 have no such sections', () => {
    assert.equal(getProfile('7.3')!.features.preinitBootVmemmapFree, 'freed');
    for (const name of ['6.15', '6.16', '7.0', 'hvo-v7', '7.1'])
      assert.equal(getProfile(name)!.features.preinitBootVmemmapFree, 'leaked', name);
    const log = load('linux-7.1-s20261205-c012.txt');
    const s = boot(machineFromLog(log), { profile: variant('7.1', false), others: replayedOthers(log), nrHugepages: 1495 });
    assert.equal(s.hvo.vmemmapPagesLeaked, 0);
    const leaky = boot(machineFromLog(log), { profile: variant('7.1', true), others: replayedOthers(log), nrHugepages: 1495 });
    assert.ok(leaky.hvo.vmemmapPagesLeaked >= 8 * 100, `leaked ${leaky.hvo.vmemmapPagesLeaked}`);
  });
});
