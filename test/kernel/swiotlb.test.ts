// swiotlb=: the bounce buffer the estimate of other subsystems allocates at mem_init() (kernel/dma/swiotlb.c),
// sized and switched as setup_io_tlb_npages() reads the parameter. Found on a host booted with swiotlb=noforce,
// whose MemTotal hvosim had 64 MiB too low.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimatedOthers } from '../../src/kernel/others.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { meminfoObject } from '../../src/report/proc.js';
import { boot } from '../../src/simulator.js';
import { GiB } from '../../src/util/units.js';

const run = (ram: number, cmdline: string) => {
  const s = boot(q35Machine({ nodeSizes: [ram], numa: false, cpuFeatures: ['pdpe1gb'], cmdline }), {
    profile: '7.3',
    others: estimatedOthers,
  });
  const calls = s.memblock.calls.toArray().filter((c) => c.caller === 'swiotlb_init_remap');
  return { total: meminfoObject(s).MemTotal!, sizes: calls.map((c) => c.size) };
};

test('swiotlb: 64 MiB with memory above 4 GiB, none below; noforce none; a slab count sizes it; force asks for it', () => {
  assert.deepEqual(run(6 * GiB, '').sizes, [64 * 2 ** 20, 786432, 16]);
  assert.deepEqual(run(2 * GiB, '').sizes, []);
  const off = run(6 * GiB, 'swiotlb=noforce');
  assert.deepEqual(off.sizes, []);
  // The buffer and its slot array come back to MemTotal (64 MiB + 768 KiB; the 16-byte areas share a page).
  assert.equal(off.total - run(6 * GiB, '').total, 64 * 1024 + 768);
  // 1000 slabs round up to a segment of 128: 1024 slabs of 2 KiB, 24 bytes of slot each (a page).
  assert.deepEqual(run(6 * GiB, 'swiotlb=1000').sizes, [1024 * 2048, 24576, 16]);
  assert.deepEqual(run(6 * GiB, 'swiotlb=65536,4').sizes, [128 * 2 ** 20, 65536 * 24, 64]);
  assert.deepEqual(run(2 * GiB, 'swiotlb=force').sizes, [64 * 2 ** 20, 786432, 16]);
});
