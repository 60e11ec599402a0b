// Scenarios of the kernel's tools/testing/memblock/tests/basic_api.c, run
// against our model with Linux 6.1 semantics (an empty region array keeps one
// dummy entry, so its cnt is 1; newer kernels report 0).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  memblockAdd,
  memblockAddNode,
  memblockCreate,
  memblockIsRegionReserved,
  memblockPhysFree,
  memblockPhysMemSize,
  memblockRemove,
  memblockReserve,
  memblockSetBottomUp,
  memblockSetNode,
  memblockStartOfDram,
  memblockTrimMemory,
  type Memblock,
} from '../../src/kernel/memblock.js';
import { MAX_NUMNODES, MEMBLOCK_ALLOC_ANYWHERE, MEMBLOCK_HOTPLUG, PHYS_ADDR_MAX } from '../../src/kernel/memblock-flags.js';
import { memblockCnt, memblockTotalSize } from '../../src/kernel/memblock-regions.js';
import {
  MEM_SIZE,
  SMP_CACHE_BYTES,
  SZ_128K,
  SZ_128M,
  SZ_16,
  SZ_16K,
  SZ_16M,
  SZ_1G,
  SZ_1M,
  SZ_2,
  SZ_256M,
  SZ_2G,
  SZ_2K,
  SZ_2M,
  SZ_32M,
  SZ_4K,
  SZ_4M,
  SZ_512K,
  SZ_512M,
  SZ_64K,
  SZ_64M,
  SZ_8,
  SZ_8K,
  SZ_8M,
  assertRegion,
  dummyPhysicalMemoryBase,
  resetMemblock,
  rgn,
} from './memblock-helpers.js';

/** memblock_free(ptr, size) is memblock_phys_free(__pa(ptr), size); our addresses are already physical. */
const memblockFree = memblockPhysFree;

/** memblock_overlaps_region(type, base, size) for the reserved type is memblock_is_region_reserved(). */
const overlapsReserved = memblockIsRegionReserved;

describe('basic_api: memblock initialization', () => {
  test('basic_api: memblock_initialization_check', () => {
    const mb = memblockCreate();
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(mb.memory.name, 'memory');
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(mb.reserved.name, 'reserved');
    assert.equal(mb.bottomUp, false);
    assert.equal(mb.currentLimit, MEMBLOCK_ALLOC_ANYWHERE);
    // memory.max == INIT_MEMBLOCK_REGIONS is not checked: the model's arrays are unbounded.
  });
});

describe('basic_api: memblock_add', () => {
  test('basic_api: memblock_add_simple_check', () => {
    const mb = resetMemblock();
    memblockAdd(mb, SZ_1G, SZ_4M);
    assertRegion(rgn(mb.memory, 0), SZ_1G, SZ_4M);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), SZ_4M);
  });

  test('basic_api: memblock_add_node_simple_check', () => {
    const mb = resetMemblock();
    memblockAddNode(mb, SZ_1M, SZ_16M, 1, MEMBLOCK_HOTPLUG);
    const r = rgn(mb.memory, 0);
    assertRegion(r, SZ_1M, SZ_16M);
    assert.equal(r.nid, 1);
    assert.equal(r.flags, MEMBLOCK_HOTPLUG);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), SZ_16M);
  });

  test('basic_api: memblock_add_disjoint_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1G, size: SZ_8K };
    const r2 = { base: SZ_1G + SZ_16K, size: SZ_8K };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assertRegion(rgn(mb.memory, 1), r2.base, r2.size);
    assert.equal(memblockCnt(mb.memory), 2);
    assert.equal(memblockTotalSize(mb.memory), r1.size + r2.size);
  });

  test('basic_api: memblock_add_overlap_top_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_512M, size: SZ_1G };
    const r2 = { base: SZ_256M, size: SZ_512M };
    const total = r1.base - r2.base + r1.size;
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r2.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_add_overlap_bottom_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_128M, size: SZ_512M };
    const r2 = { base: SZ_256M, size: SZ_1G };
    const total = r2.base - r1.base + r2.size;
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_add_within_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_8M, size: SZ_32M };
    const r2 = { base: SZ_16M, size: SZ_1M };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), r1.size);
  });

  test('basic_api: memblock_add_twice_check', () => {
    const mb = resetMemblock();
    memblockAdd(mb, SZ_16K, SZ_2M);
    memblockAdd(mb, SZ_16K, SZ_2M);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), SZ_2M);
  });

  test('basic_api: memblock_add_between_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1G, size: SZ_8K };
    const r2 = { base: SZ_1G + SZ_16K, size: SZ_8K };
    const r3 = { base: SZ_1G + SZ_8K, size: SZ_8K };
    const total = r1.size + r2.size + r3.size;
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockAdd(mb, r3.base, r3.size);
    assertRegion(rgn(mb.memory, 0), r1.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_add_near_max_check', () => {
    const mb = resetMemblock();
    const r = { base: PHYS_ADDR_MAX - SZ_1M, size: SZ_2M };
    const total = PHYS_ADDR_MAX - r.base;
    memblockAdd(mb, r.base, r.size);
    assertRegion(rgn(mb.memory, 0), r.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test.skip('basic_api: memblock_add_many_check (needs memblock_double_array, not modelled)');
});

describe('basic_api: memblock_reserve', () => {
  test('basic_api: memblock_reserve_simple_check', () => {
    const mb = resetMemblock();
    memblockReserve(mb, SZ_2G, SZ_128M);
    assertRegion(rgn(mb.reserved, 0), SZ_2G, SZ_128M);
  });

  test('basic_api: memblock_reserve_disjoint_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_256M, size: SZ_16M };
    const r2 = { base: SZ_512M, size: SZ_512M };
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, r1.size);
    assertRegion(rgn(mb.reserved, 1), r2.base, r2.size);
    assert.equal(memblockCnt(mb.reserved), 2);
    assert.equal(memblockTotalSize(mb.reserved), r1.size + r2.size);
  });

  test('basic_api: memblock_reserve_overlap_top_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1G, size: SZ_1G };
    const r2 = { base: SZ_128M, size: SZ_1G };
    const total = r1.base - r2.base + r1.size;
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r2.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_reserve_overlap_bottom_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_2K, size: SZ_128K };
    const r2 = { base: SZ_128K, size: SZ_128K };
    const total = r2.base - r1.base + r2.size;
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_reserve_within_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1M, size: SZ_8M };
    const r2 = { base: SZ_2M, size: SZ_64K };
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, r1.size);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), r1.size);
  });

  test('basic_api: memblock_reserve_twice_check', () => {
    const mb = resetMemblock();
    memblockReserve(mb, SZ_16K, SZ_2M);
    memblockReserve(mb, SZ_16K, SZ_2M);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), SZ_2M);
  });

  test('basic_api: memblock_reserve_between_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1G, size: SZ_8K };
    const r2 = { base: SZ_1G + SZ_16K, size: SZ_8K };
    const r3 = { base: SZ_1G + SZ_8K, size: SZ_8K };
    const total = r1.size + r2.size + r3.size;
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    memblockReserve(mb, r3.base, r3.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_reserve_near_max_check', () => {
    const mb = resetMemblock();
    const r = { base: PHYS_ADDR_MAX - SZ_1M, size: SZ_2M };
    const total = PHYS_ADDR_MAX - r.base;
    memblockReserve(mb, r.base, r.size);
    assertRegion(rgn(mb.reserved, 0), r.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test.skip('basic_api: memblock_reserve_many_check (needs memblock_double_array, not modelled)');
  test.skip('basic_api: memblock_reserve_all_locations_check (needs memblock_double_array, not modelled)');
  test.skip('basic_api: memblock_reserve_many_may_conflict_check (needs memblock_double_array, not modelled)');
});

describe('basic_api: memblock_remove', () => {
  test('basic_api: memblock_remove_simple_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_2K, size: SZ_4K };
    const r2 = { base: SZ_128K, size: SZ_4M };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockRemove(mb, r1.base, r1.size);
    assertRegion(rgn(mb.memory, 0), r2.base, r2.size);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), r2.size);
  });

  test('basic_api: memblock_remove_absent_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_512K, size: SZ_4M };
    memblockAdd(mb, r1.base, r1.size);
    memblockRemove(mb, SZ_64M, SZ_1G);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), r1.size);
  });

  test('basic_api: memblock_remove_overlap_top_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_32M, size: SZ_32M };
    const r2 = { base: SZ_16M, size: SZ_32M };
    const r1End = r1.base + r1.size;
    const r2End = r2.base + r2.size;
    const total = r1End - r2End;
    memblockAdd(mb, r1.base, r1.size);
    memblockRemove(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r2End, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_remove_overlap_bottom_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_2M, size: SZ_64M };
    const r2 = { base: SZ_32M, size: SZ_256M };
    const total = r2.base - r1.base;
    memblockAdd(mb, r1.base, r1.size);
    memblockRemove(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_remove_within_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1M, size: SZ_32M };
    const r2 = { base: SZ_16M, size: SZ_1M };
    const lowSize = r2.base - r1.base;
    const highSize = r1.base + r1.size - (r2.base + r2.size);
    memblockAdd(mb, r1.base, r1.size);
    memblockRemove(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, lowSize);
    assertRegion(rgn(mb.memory, 1), r2.base + r2.size, highSize);
    assert.equal(memblockCnt(mb.memory), 2);
    assert.equal(memblockTotalSize(mb.memory), lowSize + highSize);
  });

  test('basic_api: memblock_remove_only_region_check', () => {
    const mb = resetMemblock();
    memblockAdd(mb, SZ_2K, SZ_4K);
    memblockRemove(mb, SZ_2K, SZ_4K);
    assertRegion(rgn(mb.memory, 0), 0, 0);
    // 6.1: the emptied array keeps its dummy entry, cnt stays 1 (newer kernels expect 0).
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), 0);
  });

  test('basic_api: memblock_remove_near_max_check', () => {
    const mb = resetMemblock();
    const r1 = { base: PHYS_ADDR_MAX - SZ_2M, size: SZ_2M };
    const r2 = { base: PHYS_ADDR_MAX - SZ_1M, size: SZ_2M };
    const total = r1.size - (PHYS_ADDR_MAX - r2.base);
    memblockAdd(mb, r1.base, r1.size);
    memblockRemove(mb, r2.base, r2.size);
    assertRegion(rgn(mb.memory, 0), r1.base, total);
    assert.equal(memblockCnt(mb.memory), 1);
    assert.equal(memblockTotalSize(mb.memory), total);
  });

  test('basic_api: memblock_remove_overlap_two_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_16M, size: SZ_32M };
    const r2 = { base: SZ_64M, size: SZ_64M };
    const r3 = { base: SZ_32M, size: SZ_64M };
    const r3End = r3.base + r3.size;
    const newR1 = r3.base - r1.base;
    const newR2 = r2.base + r2.size - r3End;
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockRemove(mb, r3.base, r3.size);
    assertRegion(rgn(mb.memory, 0), r1.base, newR1);
    assertRegion(rgn(mb.memory, 1), r3End, newR2);
    assert.equal(memblockCnt(mb.memory), 2);
    assert.equal(memblockTotalSize(mb.memory), newR1 + newR2);
  });
});

describe('basic_api: memblock_free', () => {
  test('basic_api: memblock_free_simple_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_4M, size: SZ_1M };
    const r2 = { base: SZ_8M, size: SZ_1M };
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    memblockFree(mb, r1.base, r1.size);
    assertRegion(rgn(mb.reserved, 0), r2.base, r2.size);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), r2.size);
  });

  test('basic_api: memblock_free_absent_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_2M, size: SZ_8K };
    memblockReserve(mb, r1.base, r1.size);
    memblockFree(mb, SZ_16M, SZ_128M);
    assertRegion(rgn(mb.reserved, 0), r1.base, r1.size);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), r1.size);
  });

  test('basic_api: memblock_free_overlap_top_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_8M, size: SZ_32M };
    const r2 = { base: SZ_1M, size: SZ_8M };
    const total = r1.size + r1.base - (r2.base + r2.size);
    memblockReserve(mb, r1.base, r1.size);
    memblockFree(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r2.base + r2.size, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_free_overlap_bottom_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_8M, size: SZ_32M };
    const r2 = { base: SZ_32M, size: SZ_32M };
    const total = r2.base - r1.base;
    memblockReserve(mb, r1.base, r1.size);
    memblockFree(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_free_within_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_1M, size: SZ_8M };
    const r2 = { base: SZ_4M, size: SZ_1M };
    const lowSize = r2.base - r1.base;
    const highSize = r1.base + r1.size - (r2.base + r2.size);
    memblockReserve(mb, r1.base, r1.size);
    memblockFree(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, lowSize);
    assertRegion(rgn(mb.reserved, 1), r2.base + r2.size, highSize);
    assert.equal(memblockCnt(mb.reserved), 2);
    assert.equal(memblockTotalSize(mb.reserved), lowSize + highSize);
  });

  test('basic_api: memblock_free_only_region_check', () => {
    const mb = resetMemblock();
    memblockReserve(mb, SZ_2K, SZ_4K);
    memblockFree(mb, SZ_2K, SZ_4K);
    assertRegion(rgn(mb.reserved, 0), 0, 0);
    // 6.1: cnt stays 1 for the emptied array (newer kernels expect 0).
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), 0);
  });

  test('basic_api: memblock_free_near_max_check', () => {
    const mb = resetMemblock();
    const r1 = { base: PHYS_ADDR_MAX - SZ_2M, size: SZ_2M };
    const r2 = { base: PHYS_ADDR_MAX - SZ_1M, size: SZ_2M };
    const total = r1.size - (PHYS_ADDR_MAX - r2.base);
    memblockReserve(mb, r1.base, r1.size);
    memblockFree(mb, r2.base, r2.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, total);
    assert.equal(memblockCnt(mb.reserved), 1);
    assert.equal(memblockTotalSize(mb.reserved), total);
  });

  test('basic_api: memblock_free_overlap_two_check', () => {
    const mb = resetMemblock();
    const r1 = { base: SZ_16M, size: SZ_32M };
    const r2 = { base: SZ_64M, size: SZ_64M };
    const r3 = { base: SZ_32M, size: SZ_64M };
    const r3End = r3.base + r3.size;
    const newR1 = r3.base - r1.base;
    const newR2 = r2.base + r2.size - r3End;
    memblockReserve(mb, r1.base, r1.size);
    memblockReserve(mb, r2.base, r2.size);
    memblockFree(mb, r3.base, r3.size);
    assertRegion(rgn(mb.reserved, 0), r1.base, newR1);
    assertRegion(rgn(mb.reserved, 1), r3End, newR2);
    assert.equal(memblockCnt(mb.reserved), 2);
    assert.equal(memblockTotalSize(mb.reserved), newR1 + newR2);
  });
});

describe('basic_api: memblock_*bottom_up', () => {
  test('basic_api: memblock_set_bottom_up_check', () => {
    const mb = resetMemblock();
    memblockSetBottomUp(mb, false);
    assert.equal(mb.bottomUp, false);
    memblockSetBottomUp(mb, true);
    assert.equal(mb.bottomUp, true);
  });

  test('basic_api: memblock_bottom_up_check', () => {
    // memblock_bottom_up() is a plain read of memblock.bottom_up; the model exposes the field.
    const mb = resetMemblock();
    memblockSetBottomUp(mb, false);
    assert.equal(mb.bottomUp, false);
    memblockSetBottomUp(mb, true);
    assert.equal(mb.bottomUp, true);
  });
});

describe('basic_api: memblock_trim_memory', () => {
  const alignment = SMP_CACHE_BYTES;

  test('basic_api: memblock_trim_memory_aligned_check', () => {
    const mb = resetMemblock();
    memblockAdd(mb, alignment, alignment * 4);
    memblockTrimMemory(mb, alignment);
    assertRegion(rgn(mb.memory, 0), alignment, alignment * 4);
    assert.equal(memblockCnt(mb.memory), 1);
  });

  test('basic_api: memblock_trim_memory_too_small_check', () => {
    const mb = resetMemblock();
    const r1 = { base: alignment, size: alignment * 2 };
    const r2 = { base: alignment * 4, size: alignment - SZ_2 };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockTrimMemory(mb, alignment);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assert.equal(memblockCnt(mb.memory), 1);
  });

  test('basic_api: memblock_trim_memory_unaligned_base_check', () => {
    const mb = resetMemblock();
    const offset = SZ_2;
    const r1 = { base: alignment, size: alignment * 2 };
    const r2 = { base: alignment * 4 + offset, size: alignment * 2 - offset };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockTrimMemory(mb, alignment);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assertRegion(rgn(mb.memory, 1), r2.base + (alignment - offset), r2.size - (alignment - offset));
    assert.equal(memblockCnt(mb.memory), 2);
  });

  test('basic_api: memblock_trim_memory_unaligned_end_check', () => {
    const mb = resetMemblock();
    const offset = SZ_2;
    const r1 = { base: alignment, size: alignment * 2 };
    const r2 = { base: alignment * 4, size: alignment * 2 - offset };
    memblockAdd(mb, r1.base, r1.size);
    memblockAdd(mb, r2.base, r2.size);
    memblockTrimMemory(mb, alignment);
    assertRegion(rgn(mb.memory, 0), r1.base, r1.size);
    assertRegion(rgn(mb.memory, 1), r2.base, r2.size - (alignment - offset));
    assert.equal(memblockCnt(mb.memory), 2);
  });
});

describe('basic_api: memblock_overlaps_region', () => {
  // The kernel test asks memblock_overlaps_region() about memblock.memory; the
  // model exposes the same overlap test for the reserved type as
  // memblock_is_region_reserved(), so the region is reserved instead of added.
  test('basic_api: memblock_overlaps_region_check', () => {
    const mb = resetMemblock();
    memblockReserve(mb, SZ_1G, SZ_4M);

    // Far away
    assert.equal(overlapsReserved(mb, SZ_1M, SZ_1M), false);
    assert.equal(overlapsReserved(mb, SZ_2G, SZ_1M), false);
    // Neighbours
    assert.equal(overlapsReserved(mb, SZ_1G - SZ_1M, SZ_1M), false);
    assert.equal(overlapsReserved(mb, SZ_1G + SZ_4M, SZ_1M), false);
    // Partial overlap
    assert.equal(overlapsReserved(mb, SZ_1G - SZ_1M, SZ_2M), true);
    assert.equal(overlapsReserved(mb, SZ_1G + SZ_2M, SZ_2M), true);
    // Total overlap
    assert.equal(overlapsReserved(mb, SZ_1G, SZ_4M), true);
    assert.equal(overlapsReserved(mb, SZ_1G - SZ_2M, SZ_8M), true);
    assert.equal(overlapsReserved(mb, SZ_1G + SZ_1M, SZ_1M), true);
  });
});

describe('basic_api: memblock_set_node', () => {
  test('basic_api: memblock_set_node_check', () => {
    const mb: Memblock = resetMemblock();
    memblockAdd(mb, dummyPhysicalMemoryBase(), MEM_SIZE);
    const start = memblockStartOfDram(mb);
    const half = memblockPhysMemSize(mb) / 2;

    // Split the memory equally between nodes 0 and 1.
    memblockSetNode(mb, start, half, mb.memory, 0);
    memblockSetNode(mb, start + half, half, mb.memory, 1);

    assert.equal(memblockCnt(mb.memory), 2);
    assertRegion(rgn(mb.memory, 0), start, half, 'memory[0]');
    assert.equal(rgn(mb.memory, 0).nid, 0);
    assertRegion(rgn(mb.memory, 1), start + half, half, 'memory[1]');
    assert.equal(rgn(mb.memory, 1).nid, 1);

    // 125 small reservations on node 0, then one across the node boundary.
    for (let i = 0; i < 125; i++) memblockReserve(mb, start + SZ_16 * i, SZ_8);
    memblockReserve(mb, start + half - SZ_8, SZ_16);

    // Hand every memory region's node to the reservations inside it.
    for (const m of mb.memory.regions.slice()) memblockSetNode(mb, m.base, m.size, mb.reserved, m.nid);

    const res = mb.reserved.regions;
    assert.equal(memblockCnt(mb.reserved), 127);
    res.forEach((r, i) => {
      assert.ok(r.nid >= 0 && r.nid < MAX_NUMNODES, `reserved[${i}] has a valid node`);
      assert.equal(r.nid, i === res.length - 1 ? 1 : 0, `reserved[${i}].nid`);
    });
  });
});
