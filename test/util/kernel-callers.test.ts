// The table of kernel callers (src/util/kernel-callers.ts) lists every caller our boot makes, says rightly which
// ones a modelled step makes, and brings the names later kernels print back to ours.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import type { KernelState } from '../../src/kernel/state.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/profiles/index.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { baseCaller, KERNEL_CALLERS, kernelCaller } from '../../src/util/kernel-callers.js';
import { read, ROOT } from '../helpers.js';

/** Generated machines, and the machines of a few recorded boots of each generation (ACPI tables, an initrd, log_buf_len). */
function machines(): Machine[] {
  const generated = fc.sample(caseArb(false), { numRuns: 12, seed: 7 }).map((c) => ({ ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline }));
  const fixtures = join(ROOT, 'test/fixtures');
  const recorded = readdirSync(fixtures)
    .filter((d) => d.startsWith('linux-'))
    .flatMap((d) =>
      readdirSync(join(fixtures, d))
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .slice(0, 3)
        .map((f) => join(fixtures, d, f)),
    )
    .map((f) => read(f))
    .filter((text) => text.includes('=====DMESG'))
    .map((text) => machineFromLog(parseKernelLog(text, 'fixture')));
  return [...generated, ...recorded];
}

const callers = (s: KernelState) => new Set(s.memblock.calls.map((c) => c.caller));

describe('the table of kernel callers', () => {
  test('lists every caller our boot makes, and no other; those of the modelled steps are marked modelled, the estimated others not', () => {
    const modelled = new Set<string>();
    const all = new Set<string>();
    for (const m of machines()) {
      for (const p of PROFILE_NAMES as ProfileName[]) {
        for (const c of callers(boot(m, { profile: p, others: null }))) modelled.add(c);
        for (const c of callers(boot(m, { profile: p, others: estimatedOthers }))) all.add(c);
      }
    }
    assert.deepEqual([...all].filter((c) => !kernelCaller(c)).sort(), []);
    assert.deepEqual([...modelled].filter((c) => !kernelCaller(c)?.modelled).sort(), []);
    assert.deepEqual([...all].filter((c) => !modelled.has(c) && kernelCaller(c)?.modelled).sort(), []);
    // And nothing in the table that no boot makes.
    assert.deepEqual(
      Object.keys(KERNEL_CALLERS).filter((c) => !all.has(c)),
      [],
    );
  });

  test('brings renamed, inlined and suffixed callers back to the name our boot gives them', () => {
    for (const [name, c] of Object.entries(KERNEL_CALLERS)) {
      assert.equal(baseCaller(name), name);
      for (const a of 'aliases' in c ? c.aliases : []) assert.equal(baseCaller(a), name);
    }
    assert.equal(baseCaller('vmemmap_alloc_block_zero.constprop.0'), 'vmemmap_alloc_block_zero');
    assert.equal(baseCaller('alloc_bootmem.isra.0'), '__alloc_bootmem_huge_page');
    assert.equal(baseCaller('pcpu_fc_alloc.cold.1'), 'pcpu_fc_alloc');
    assert.equal(baseCaller('constructor'), 'constructor');
  });
});
