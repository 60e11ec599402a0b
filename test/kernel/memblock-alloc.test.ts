// Scenarios of the kernel's tools/testing/memblock/tests/alloc_api.c
// (memblock_alloc / memblock_alloc_raw) and alloc_helpers_api.c
// (memblock_alloc_from), with Linux 6.1 semantics. Our allocators return
// physical addresses (0 on failure); memory contents (zeroed or not) are not
// modelled, so the suite's assert_mem_content checks have no counterpart.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memblockEndOfDram, memblockReserve, memblockStartOfDram, type Memblock } from '../../src/kernel/memblock.js';
import { memblockCnt, memblockTotalSize } from '../../src/kernel/memblock-regions.js';
import {
  DIRECTIONS,
  MEM_SIZE,
  SMP_CACHE_BYTES,
  SZ_128,
  SZ_16,
  SZ_1K,
  SZ_2,
  SZ_256,
  SZ_32,
  SZ_512,
  SZ_64,
  SZ_8,
  assertRegion,
  memblockAlloc,
  memblockAllocFrom,
  memblockAllocRaw,
  resetMemblock,
  rgn,
  setupMemblock,
} from './memblock-helpers.js';

type AllocFn = (mb: Memblock, size: number, align: number) => number;

/** alloc_api.c runs everything once with TEST_F_NONE (memblock_alloc) and once with TEST_F_RAW (memblock_alloc_raw). */
const ALLOC_VARIANTS: readonly { name: string; alloc: AllocFn }[] = [
  { name: 'memblock_alloc', alloc: memblockAlloc },
  { name: 'memblock_alloc_raw', alloc: memblockAllocRaw },
];

function assertReservedCounts(mb: Memblock, cnt: number, total: number): void {
  assert.equal(memblockCnt(mb.reserved), cnt, 'reserved.cnt');
  assert.equal(memblockTotalSize(mb.reserved), total, 'reserved.total_size');
}

for (const { name: fn, alloc } of ALLOC_VARIANTS) {
  describe(`alloc_api (${fn})`, () => {
    // ---- top-down ----

    test(`alloc_api: alloc_top_down_simple_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_2;
      const expected = memblockEndOfDram(mb) - SMP_CACHE_BYTES;
      const addr = alloc(mb, size, SMP_CACHE_BYTES);
      assert.equal(addr, expected);
      assertRegion(rgn(mb.reserved, 0), expected, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_api: alloc_top_down_disjoint_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r1 = { base: memblockEndOfDram(mb) - SZ_2, size: SZ_2 };
      const r2Size = SZ_16;
      const alignment = SMP_CACHE_BYTES * 2;
      const expected = memblockEndOfDram(mb) - alignment;
      memblockReserve(mb, r1.base, r1.size);
      const addr = alloc(mb, r2Size, alignment);
      assert.equal(addr, expected);
      // The new region sorts first; the old one is untouched.
      assertRegion(rgn(mb.reserved, 1), r1.base, r1.size, 'old');
      assertRegion(rgn(mb.reserved, 0), expected, r2Size, 'new');
      assertReservedCounts(mb, 2, r1.size + r2Size);
    });

    test(`alloc_api: alloc_top_down_before_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r1Size = SMP_CACHE_BYTES;
      const r2Size = SZ_512;
      const total = r1Size + r2Size;
      memblockReserve(mb, memblockEndOfDram(mb) - total, r1Size);
      assert.notEqual(alloc(mb, r2Size, SMP_CACHE_BYTES), 0);
      assertRegion(rgn(mb.reserved, 0), memblockEndOfDram(mb) - total, total);
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_api: alloc_top_down_after_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES, size: SZ_8 };
      const r2Size = SZ_512;
      const total = r1.size + r2Size;
      memblockReserve(mb, r1.base, r1.size);
      assert.equal(alloc(mb, r2Size, SMP_CACHE_BYTES), r1.base - r2Size);
      assertRegion(rgn(mb.reserved, 0), r1.base - r2Size, total);
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_api: alloc_top_down_second_fit_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r1 = { base: memblockEndOfDram(mb) - SZ_512, size: SZ_512 };
      const r2 = { base: r1.base - SZ_512, size: SZ_256 };
      const r3Size = SZ_1K;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES), r2.base - r3Size);
      assertRegion(rgn(mb.reserved, 0), r2.base - r3Size, r2.size + r3Size);
      assertReservedCounts(mb, 2, r1.size + r2.size + r3Size);
    });

    // ---- bottom-up ----

    test(`alloc_api: alloc_bottom_up_simple_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const addr = alloc(mb, SZ_2, SMP_CACHE_BYTES);
      assert.equal(addr, memblockStartOfDram(mb));
      assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), SZ_2);
      assertReservedCounts(mb, 1, SZ_2);
    });

    test(`alloc_api: alloc_bottom_up_disjoint_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r1 = { base: memblockStartOfDram(mb) + SZ_2, size: SZ_2 };
      const r2Size = SZ_16;
      const alignment = SMP_CACHE_BYTES * 2;
      const expected = memblockStartOfDram(mb) + alignment;
      memblockReserve(mb, r1.base, r1.size);
      assert.equal(alloc(mb, r2Size, alignment), expected);
      assertRegion(rgn(mb.reserved, 0), r1.base, r1.size, 'old');
      assertRegion(rgn(mb.reserved, 1), expected, r2Size, 'new');
      assertReservedCounts(mb, 2, r1.size + r2Size);
    });

    test(`alloc_api: alloc_bottom_up_before_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r1Size = SZ_512;
      const r2Size = SZ_128;
      const total = r1Size + r2Size;
      memblockReserve(mb, memblockStartOfDram(mb) + r1Size, r2Size);
      assert.equal(alloc(mb, r1Size, SMP_CACHE_BYTES), memblockStartOfDram(mb));
      assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), total);
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_api: alloc_bottom_up_after_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r1 = { base: memblockStartOfDram(mb) + SMP_CACHE_BYTES, size: SZ_64 };
      const r2Size = SZ_512;
      const total = r1.size + r2Size;
      memblockReserve(mb, r1.base, r1.size);
      assert.equal(alloc(mb, r2Size, SMP_CACHE_BYTES), r1.base + r1.size);
      assertRegion(rgn(mb.reserved, 0), r1.base, total);
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_api: alloc_bottom_up_second_fit_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r1 = { base: memblockStartOfDram(mb), size: SZ_512 };
      const r2 = { base: r1.base + r1.size + SZ_512, size: SZ_256 };
      const r3Size = SZ_1K;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES), r2.base + r2.size);
      assertRegion(rgn(mb.reserved, 1), r2.base, r2.size + r3Size);
      assertReservedCounts(mb, 2, r1.size + r2.size + r3Size);
    });

    // ---- both directions ----

    for (const { name: dir, bottomUp } of DIRECTIONS) {
      test(`alloc_api: alloc_in_between_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const gap = SMP_CACHE_BYTES;
        const r3Size = SZ_64;
        // Just enough room between r2 and r1 for the new region; the gaps at
        // both ends of memory (SMP_CACHE_BYTES each) are too small for it.
        const rgnSize = (MEM_SIZE - (2 * gap + r3Size)) / 2;
        const r1 = { base: memblockEndOfDram(mb) - (gap + rgnSize), size: rgnSize };
        const r2 = { base: memblockStartOfDram(mb) + gap, size: rgnSize };
        const total = r1.size + r2.size + r3Size;
        memblockReserve(mb, r1.base, r1.size);
        memblockReserve(mb, r2.base, r2.size);
        assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES), r2.base + r2.size);
        assertRegion(rgn(mb.reserved, 0), r1.base - r2.size - r3Size, total);
        assertReservedCounts(mb, 1, total);
      });

      test(`alloc_api: alloc_small_gaps_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const regionSize = SZ_1K;
        const gap = SZ_256;
        let regionEnd = memblockStartOfDram(mb);
        while (regionEnd < memblockEndOfDram(mb)) {
          memblockReserve(mb, regionEnd + gap, regionSize);
          regionEnd += gap + regionSize;
        }
        const before = memblockTotalSize(mb.reserved);
        assert.equal(alloc(mb, regionSize, SMP_CACHE_BYTES), 0);
        assert.equal(memblockTotalSize(mb.reserved), before);
      });

      test(`alloc_api: alloc_all_reserved_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        memblockReserve(mb, memblockStartOfDram(mb), MEM_SIZE);
        assert.equal(alloc(mb, SZ_256, SMP_CACHE_BYTES), 0);
        assertReservedCounts(mb, 1, MEM_SIZE);
      });

      test(`alloc_api: alloc_no_space_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const available = SZ_256;
        memblockReserve(mb, memblockStartOfDram(mb), MEM_SIZE - available);
        assert.equal(alloc(mb, SZ_1K, SMP_CACHE_BYTES), 0);
        assertReservedCounts(mb, 1, MEM_SIZE - available);
      });

      test(`alloc_api: alloc_limited_space_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const available = SZ_256;
        memblockReserve(mb, memblockStartOfDram(mb), MEM_SIZE - available);
        assert.equal(alloc(mb, available, SMP_CACHE_BYTES), memblockEndOfDram(mb) - available);
        assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), MEM_SIZE);
        assertReservedCounts(mb, 1, MEM_SIZE);
      });

      test(`alloc_api: alloc_no_memory_generic_check [${dir}] (${fn})`, () => {
        const mb = resetMemblock(bottomUp);
        assert.equal(alloc(mb, SZ_1K, SMP_CACHE_BYTES), 0);
        assertRegion(rgn(mb.reserved, 0), 0, 0);
        assert.equal(memblockTotalSize(mb.reserved), 0);
      });

      test(`alloc_api: alloc_too_large_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        assert.equal(alloc(mb, MEM_SIZE + SZ_2, SMP_CACHE_BYTES), 0);
        assertRegion(rgn(mb.reserved, 0), 0, 0);
        assert.equal(memblockTotalSize(mb.reserved), 0);
      });
    }
  });
}

describe('alloc_helpers_api (memblock_alloc_from)', () => {
  for (const { name: dir, bottomUp } of DIRECTIONS) {
    test(`alloc_helpers_api: alloc_from_simple_generic_check [${dir}]`, () => {
      const mb = setupMemblock(bottomUp);
      const size = SZ_16;
      const minAddr = memblockEndOfDram(mb) - SMP_CACHE_BYTES;
      assert.equal(memblockAllocFrom(mb, size, SMP_CACHE_BYTES, minAddr), minAddr);
      assertRegion(rgn(mb.reserved, 0), minAddr, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_helpers_api: alloc_from_misaligned_generic_check [${dir}]`, () => {
      const mb = setupMemblock(bottomUp);
      const size = SZ_32;
      const minAddr = memblockEndOfDram(mb) - (SMP_CACHE_BYTES * 2 - 1);
      const expected = memblockEndOfDram(mb) - SMP_CACHE_BYTES;
      assert.equal(memblockAllocFrom(mb, size, SMP_CACHE_BYTES, minAddr), expected);
      assertRegion(rgn(mb.reserved, 0), expected, size);
      assertReservedCounts(mb, 1, size);
    });
  }

  test('alloc_helpers_api: alloc_from_top_down_high_addr_check', () => {
    const mb = setupMemblock(false);
    const size = SZ_32;
    // Too close to the end: the lower limit is dropped.
    const minAddr = memblockEndOfDram(mb) - SZ_16;
    const expected = memblockEndOfDram(mb) - SMP_CACHE_BYTES;
    assert.equal(memblockAllocFrom(mb, size, SMP_CACHE_BYTES, minAddr), expected);
    assertRegion(rgn(mb.reserved, 0), expected, size);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_helpers_api: alloc_from_top_down_no_space_above_check', () => {
    const mb = setupMemblock(false);
    const r1Size = SZ_64;
    const r2Size = SZ_2;
    const total = r1Size + r2Size;
    const minAddr = memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2;
    memblockReserve(mb, minAddr, r2Size);
    assert.equal(memblockAllocFrom(mb, r1Size, SMP_CACHE_BYTES, minAddr), minAddr - r1Size);
    assertRegion(rgn(mb.reserved, 0), minAddr - r1Size, total);
    assertReservedCounts(mb, 1, total);
  });

  test('alloc_helpers_api: alloc_from_top_down_min_addr_cap_check', () => {
    const mb = setupMemblock(false);
    const r1Size = SZ_64;
    const start = memblockStartOfDram(mb);
    const minAddr = start - SMP_CACHE_BYTES * 3;
    memblockReserve(mb, start + r1Size, MEM_SIZE - r1Size);
    assert.equal(memblockAllocFrom(mb, r1Size, SMP_CACHE_BYTES, minAddr), start);
    assertRegion(rgn(mb.reserved, 0), start, MEM_SIZE);
    assertReservedCounts(mb, 1, MEM_SIZE);
  });

  test('alloc_helpers_api: alloc_from_bottom_up_high_addr_check', () => {
    const mb = setupMemblock(true);
    const size = SZ_32;
    const minAddr = memblockEndOfDram(mb) - SZ_8;
    assert.equal(memblockAllocFrom(mb, size, SMP_CACHE_BYTES, minAddr), memblockStartOfDram(mb));
    assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), size);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_helpers_api: alloc_from_bottom_up_no_space_above_check', () => {
    const mb = setupMemblock(true);
    const r1Size = SZ_64;
    const minAddr = memblockStartOfDram(mb) + SZ_128;
    const r2Size = memblockEndOfDram(mb) - minAddr;
    memblockReserve(mb, minAddr - SMP_CACHE_BYTES, r2Size);
    assert.equal(memblockAllocFrom(mb, r1Size, SMP_CACHE_BYTES, minAddr), memblockStartOfDram(mb));
    assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), r1Size);
    assertReservedCounts(mb, 2, r1Size + r2Size);
  });

  test('alloc_helpers_api: alloc_from_bottom_up_min_addr_cap_check', () => {
    const mb = setupMemblock(true);
    const r1Size = SZ_64;
    const start = memblockStartOfDram(mb);
    const minAddr = start - SMP_CACHE_BYTES * 3;
    assert.equal(memblockAllocFrom(mb, r1Size, SMP_CACHE_BYTES, minAddr), start);
    assertRegion(rgn(mb.reserved, 0), start, r1Size);
    assertReservedCounts(mb, 1, r1Size);
  });
});
