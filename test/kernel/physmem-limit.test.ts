// RAM past MAX_PHYSMEM_BITS (46 on x86_64 with 4-level paging: 64 TiB). The kernel clamps max_pfn at
// max_arch_pfn but adds all e820 RAM to memblock; sparse_init() gives the part past the limit no
// sections (mminit_validate_memmodel_limits(), WARN_ON_ONCE) and free_area_init()'s
// subsection_map_init() then meets a NULL struct mem_section: the boot dies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PRESETS } from '../../src/machine/presets.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { validateMachine } from '../../src/machine/validate.js';
import { boot } from '../../src/simulator.js';
import { GiB, TiB } from '../../src/util/units.js';

/** One Intel q35 node of `size`: 2 GiB below 4 GiB, the rest from 4 GiB, so RAM ends at size + 2 GiB. */
function oneNode(size: number, cmdline = '', cpuFeatures = ['pdpe1gb']) {
  return validateMachine(q35Machine({ nodeSizes: [size], numa: true, cpuFeatures, cpuVendor: 'Intel', cmdline }, 'test'));
}

describe('RAM past MAX_PHYSMEM_BITS', () => {
  for (const size of [72 * TiB, 128 * TiB, 1024 * TiB]) {
    test(`one node of ${size / TiB} TiB: the memmap stops at 64 TiB and the boot dies in free_area_init()`, () => {
      const m = oneNode(size);
      assert.match(m.warnings.join('\n'), /of RAM lies above 64 TiB .* the kernel cannot use it, .* the boot dies in free_area_init\(\)/);
      const s = boot(m, { profile: '6.1', others: estimatedOthers });
      assert.ok(s.dmesg.includes('last_pfn = 0x400000000 max_arch_pfn = 0x400000000'));
      assert.equal(s.dmesg.filter((l) => l === '------------[ cut here ]------------').length, 1, 'WARN_ON_ONCE');
      assert.match(s.panic ?? '', /subsection_map_init\(\) finds no struct mem_section for pfn 0x400000000/);
      assert.equal(s.steps.at(-1)?.fn, 'free_area_init');
      // The sections end at 64 TiB: as many as a machine whose RAM ends there (it was 536,870,912 boot pages at 128 TiB).
      const edge = boot(oneNode(64 * TiB - 2 * GiB), { profile: '6.1', others: estimatedOthers });
      assert.equal(edge.panic, null);
      const sections = (x: typeof s) => x.sparse.present.reduce((a, r) => a + r.end - r.start, 0);
      assert.equal(sections(s), sections(edge));
      assert.equal(s.sparse.present.at(-1)?.end, 2 ** (46 - 27));
    });
  }

  test('mminit_loglevel=4 prints the pfnvalidation line the kernel prints', () => {
    const s = boot(oneNode(72 * TiB, 'mminit_loglevel=4'), { profile: '6.1', others: estimatedOthers });
    const end = (72 * TiB + 2 * GiB) / 4096;
    assert.ok(
      s.dmesg.includes(`mminit::pfnvalidation End of range 17179869184 -> ${end} exceeds SPARSEMEM max 17179869184`),
      s.dmesg.filter((l) => l.startsWith('mminit')).join('\n'),
    );
  });

  test('the 64t preset ends its RAM at 64 TiB and boots', () => {
    const m = PRESETS['64t']!.build();
    assert.equal(Math.max(...m.e820.filter((e) => e.type === 'usable').map((e) => e.end)), 64 * TiB);
    assert.deepEqual(m.warnings, []);
  });

  test('a CPU with la57: 4-level paging is assumed, and said', () => {
    const m = oneNode(4 * GiB, '', ['pdpe1gb', 'la57']);
    assert.match(m.warnings.join('\n'), /the CPU has la57: .* hvosim models 4-level paging only/);
  });
});
