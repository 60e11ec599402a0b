// Scenarios of the kernel's tools/testing/memblock/tests/alloc_nid_api.c
// (memblock_alloc_try_nid / memblock_alloc_try_nid_raw, range and NUMA tests)
// and alloc_exact_nid_api.c (memblock_alloc_exact_nid_raw: the range tests of
// alloc_nid_api.c plus its own NUMA tests), with Linux 6.1 semantics:
// memblock_alloc_internal() clamps max_addr to current_limit and retries
// without min_addr; memblock_alloc_range_nid() falls back to NUMA_NO_NODE
// unless exact_nid. Memory contents are not modelled, so the suite's
// assert_mem_content checks have no counterpart.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  memblockAllocExactNidRaw,
  memblockAllocTryNid,
  memblockAllocTryNidRaw,
  memblockEndOfDram,
  memblockReserve,
  memblockStartOfDram,
  type Memblock,
} from '../../src/kernel/memblock.js';
import { NUMA_NO_NODE } from '../../src/kernel/memblock-flags.js';
import { memblockCnt, memblockTotalSize } from '../../src/kernel/memblock-regions.js';
import {
  DIRECTIONS,
  MEM_SIZE,
  NODE_FRACTIONS,
  NUMA_NODES,
  SMP_CACHE_BYTES,
  SZ_128,
  SZ_1K,
  SZ_2,
  SZ_256,
  SZ_4,
  SZ_512,
  SZ_64,
  SZ_8,
  TEST_CALLER,
  assertRegion,
  memblockAllocNode,
  regionEnd,
  rgn,
  setupMemblock,
  setupNumaMemblock,
} from './memblock-helpers.js';

type NidAlloc = (mb: Memblock, size: number, align: number, minAddr: number, maxAddr: number, nid: number) => number;

const TRY_NID: { name: string; alloc: NidAlloc } = {
  name: 'memblock_alloc_try_nid',
  alloc: (mb, size, align, min, max, nid) => memblockAllocTryNid(mb, size, align, min, max, nid, TEST_CALLER),
};
const TRY_NID_RAW: { name: string; alloc: NidAlloc } = {
  name: 'memblock_alloc_try_nid_raw',
  alloc: (mb, size, align, min, max, nid) => memblockAllocTryNidRaw(mb, size, align, min, max, nid, TEST_CALLER),
};
const EXACT_NID_RAW: { name: string; alloc: NidAlloc } = {
  name: 'memblock_alloc_exact_nid_raw',
  alloc: (mb, size, align, min, max, nid) => memblockAllocExactNidRaw(mb, size, align, min, max, nid, TEST_CALLER),
};

function assertReservedCounts(mb: Memblock, cnt: number, total: number): void {
  assert.equal(memblockCnt(mb.reserved), cnt, 'reserved.cnt');
  assert.equal(memblockTotalSize(mb.reserved), total, 'reserved.total_size');
}

/** memblock.memory.regions[nid] right after setup_numa_memblock(): node nid's region. */
function node(mb: Memblock, nid: number) {
  return rgn(mb.memory, nid);
}

// ---------------------------------------------------------------------------
// Range tests (alloc_nid_api.c memblock_alloc_nid_range_checks): run for
// memblock_alloc_try_nid, memblock_alloc_try_nid_raw and, from
// alloc_exact_nid_api.c, memblock_alloc_exact_nid_raw. All use NUMA_NO_NODE.
// ---------------------------------------------------------------------------

for (const { name: fn, alloc } of [TRY_NID, TRY_NID_RAW, EXACT_NID_RAW]) {
  const file = fn === EXACT_NID_RAW.name ? 'alloc_exact_nid_api' : 'alloc_nid_api';
  const nid = NUMA_NO_NODE;

  describe(`${file}: range tests (${fn})`, () => {
    test(`${file}: alloc_nid_top_down_simple_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_128;
      const min = memblockStartOfDram(mb) + SMP_CACHE_BYTES * 2;
      const max = min + SZ_512;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), max - size);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, max - size, size);
      assert.equal(regionEnd(r), max);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_top_down_end_misaligned_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_128;
      const misalign = SZ_2;
      const min = memblockStartOfDram(mb) + SMP_CACHE_BYTES * 2;
      const max = min + SZ_512 + misalign;
      assert.notEqual(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), 0);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, max - size - misalign, size);
      assert.ok(regionEnd(r) < max);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_top_down_narrow_range_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_256;
      const min = memblockStartOfDram(mb) + SZ_512;
      const max = min + SMP_CACHE_BYTES;
      // Too narrow: the lower limit is dropped, the region ends at max_addr.
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), max - size);
      assertRegion(rgn(mb.reserved, 0), max - size, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_top_down_reserved_with_space_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r3Size = SZ_64;
      const gap = SMP_CACHE_BYTES;
      const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2, size: SMP_CACHE_BYTES };
      const r2 = { base: 0, size: SZ_128 };
      r2.base = r1.base - (r3Size + gap + r2.size);
      const min = r2.base + r2.size;
      const max = r1.base;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), max - r3Size);
      assertRegion(rgn(mb.reserved, 1), max - r3Size, r1.size + r3Size, 'r1+new');
      assertRegion(rgn(mb.reserved, 0), r2.base, r2.size, 'r2');
      assertReservedCounts(mb, 2, r1.size + r2.size + r3Size);
    });

    test(`${file}: alloc_nid_top_down_reserved_no_space_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const r3Size = SZ_256;
      const gap = SMP_CACHE_BYTES;
      const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2, size: SMP_CACHE_BYTES };
      const r2 = { base: 0, size: SZ_128 };
      r2.base = r1.base - (r2.size + gap);
      const min = r2.base + r2.size;
      const max = r1.base;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), r2.base - r3Size);
      assertRegion(rgn(mb.reserved, 1), r1.base, r1.size, 'r1');
      assertRegion(rgn(mb.reserved, 0), r2.base - r3Size, r2.size + r3Size, 'new+r2');
      assertReservedCounts(mb, 2, r1.size + r2.size + r3Size);
    });

    test(`${file}: alloc_nid_top_down_cap_max_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_256;
      const min = memblockEndOfDram(mb) - SZ_1K;
      const max = memblockEndOfDram(mb) + SZ_256;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), memblockEndOfDram(mb) - size);
      assertRegion(rgn(mb.reserved, 0), memblockEndOfDram(mb) - size, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_top_down_cap_min_check (${fn})`, () => {
      const mb = setupMemblock(false);
      const size = SZ_1K;
      const min = memblockStartOfDram(mb) - SZ_256;
      const max = memblockEndOfDram(mb);
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), memblockEndOfDram(mb) - size);
      assertRegion(rgn(mb.reserved, 0), memblockEndOfDram(mb) - size, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_bottom_up_simple_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const size = SZ_128;
      const min = memblockStartOfDram(mb) + SMP_CACHE_BYTES * 2;
      const max = min + SZ_512;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), min);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, min, size);
      assert.ok(regionEnd(r) < max);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_bottom_up_start_misaligned_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const size = SZ_128;
      const misalign = SZ_2;
      const min = memblockStartOfDram(mb) + misalign;
      const max = min + SZ_512;
      const expected = min + (SMP_CACHE_BYTES - misalign);
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), expected);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, expected, size);
      assert.ok(regionEnd(r) < max);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_bottom_up_narrow_range_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const size = SZ_256;
      const min = memblockStartOfDram(mb) + SZ_512;
      const max = min + SMP_CACHE_BYTES;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), memblockStartOfDram(mb));
      assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), size);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_bottom_up_reserved_with_space_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r3Size = SZ_64;
      const gap = SMP_CACHE_BYTES;
      const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2, size: SMP_CACHE_BYTES };
      const r2 = { base: 0, size: SZ_128 };
      r2.base = r1.base - (r3Size + gap + r2.size);
      const min = r2.base + r2.size;
      const max = r1.base;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), min);
      assertRegion(rgn(mb.reserved, 1), max, r1.size, 'r1');
      assertRegion(rgn(mb.reserved, 0), r2.base, r2.size + r3Size, 'r2+new');
      assertReservedCounts(mb, 2, r1.size + r2.size + r3Size);
    });

    test(`${file}: alloc_nid_bottom_up_reserved_no_space_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const r3Size = SZ_256;
      const gap = SMP_CACHE_BYTES;
      const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2, size: SMP_CACHE_BYTES };
      const r2 = { base: 0, size: SZ_128 };
      r2.base = r1.base - (r2.size + gap);
      const min = r2.base + r2.size;
      const max = r1.base;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), memblockStartOfDram(mb));
      assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), r3Size, 'new');
      assertRegion(rgn(mb.reserved, 1), r2.base, r2.size, 'r2');
      assertRegion(rgn(mb.reserved, 2), r1.base, r1.size, 'r1');
      assertReservedCounts(mb, 3, r1.size + r2.size + r3Size);
    });

    test(`${file}: alloc_nid_bottom_up_cap_max_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const size = SZ_256;
      const min = memblockStartOfDram(mb) + SZ_1K;
      const max = memblockEndOfDram(mb) + SZ_256;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), min);
      assertRegion(rgn(mb.reserved, 0), min, size);
      assertReservedCounts(mb, 1, size);
    });

    test(`${file}: alloc_nid_bottom_up_cap_min_check (${fn})`, () => {
      const mb = setupMemblock(true);
      const size = SZ_1K;
      const min = memblockStartOfDram(mb);
      const max = memblockEndOfDram(mb) - SZ_256;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), memblockStartOfDram(mb));
      assertRegion(rgn(mb.reserved, 0), memblockStartOfDram(mb), size);
      assertReservedCounts(mb, 1, size);
    });

    for (const { name: dir, bottomUp } of DIRECTIONS) {
      test(`${file}: alloc_nid_min_reserved_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const r1Size = SZ_128;
        const r2Size = SZ_64;
        const max = memblockEndOfDram(mb);
        const min = max - r2Size;
        const reservedBase = min - r1Size;
        memblockReserve(mb, reservedBase, r1Size);
        assert.equal(alloc(mb, r2Size, SMP_CACHE_BYTES, min, max, nid), min);
        assertRegion(rgn(mb.reserved, 0), reservedBase, r1Size + r2Size);
        assertReservedCounts(mb, 1, r1Size + r2Size);
      });

      test(`${file}: alloc_nid_max_reserved_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const r1Size = SZ_64;
        const r2Size = SZ_128;
        const max = memblockEndOfDram(mb) - r1Size;
        const min = max - r2Size;
        memblockReserve(mb, max, r1Size);
        assert.equal(alloc(mb, r2Size, SMP_CACHE_BYTES, min, max, nid), min);
        assertRegion(rgn(mb.reserved, 0), min, r1Size + r2Size);
        assertReservedCounts(mb, 1, r1Size + r2Size);
      });

      test(`${file}: alloc_nid_exact_address_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const size = SZ_1K;
        const min = memblockStartOfDram(mb) + SMP_CACHE_BYTES;
        const max = min + size;
        assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, nid), min);
        const r = rgn(mb.reserved, 0);
        assertRegion(r, min, size);
        assert.equal(regionEnd(r), max);
        assertReservedCounts(mb, 1, size);
      });

      test(`${file}: alloc_nid_reserved_full_merge_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const r3Size = SZ_64;
        const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES * 2, size: SMP_CACHE_BYTES };
        const r2 = { base: 0, size: SZ_128 };
        r2.base = r1.base - (r3Size + r2.size);
        const total = r1.size + r2.size + r3Size;
        const min = r2.base + r2.size;
        const max = r1.base;
        memblockReserve(mb, r1.base, r1.size);
        memblockReserve(mb, r2.base, r2.size);
        assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), min);
        assertRegion(rgn(mb.reserved, 0), r2.base, total);
        assertReservedCounts(mb, 1, total);
      });

      test(`${file}: alloc_nid_reserved_all_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const r3Size = SZ_256;
        const gap = SMP_CACHE_BYTES;
        const r1 = { base: memblockEndOfDram(mb) - SMP_CACHE_BYTES, size: SMP_CACHE_BYTES };
        const r2 = { base: memblockStartOfDram(mb), size: MEM_SIZE - (SMP_CACHE_BYTES + gap) };
        const min = r2.base + r2.size;
        const max = r1.base;
        memblockReserve(mb, r1.base, r1.size);
        memblockReserve(mb, r2.base, r2.size);
        assert.equal(alloc(mb, r3Size, SMP_CACHE_BYTES, min, max, nid), 0);
        assertReservedCounts(mb, 2, r1.size + r2.size);
      });

      test(`${file}: alloc_nid_low_max_generic_check [${dir}] (${fn})`, () => {
        const mb = setupMemblock(bottomUp);
        const min = memblockStartOfDram(mb);
        const max = min + SMP_CACHE_BYTES;
        assert.equal(alloc(mb, SZ_1K, SMP_CACHE_BYTES, min, max, nid), 0);
        assert.equal(memblockTotalSize(mb.reserved), 0);
      });
    }
  });
}

// ---------------------------------------------------------------------------
// NUMA tests of alloc_nid_api.c (__memblock_alloc_nid_numa_checks), run for
// memblock_alloc_try_nid and memblock_alloc_try_nid_raw. Node sizes follow
// NODE_FRACTIONS: 1/4, 1/16, 1/8, 1/8, 1/16, 1/16, 1/4, 1/16 of MEM_SIZE.
// ---------------------------------------------------------------------------

for (const { name: fn, alloc } of [TRY_NID, TRY_NID_RAW]) {
  describe(`alloc_nid_api: NUMA tests (${fn})`, () => {
    test(`alloc_nid_api: alloc_nid_top_down_numa_simple_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 3);
      assert.ok(SZ_4 <= req.size);
      const size = req.size / SZ_4;
      const got = alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3);
      assert.equal(got, regionEnd(req) - size);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, regionEnd(req) - size, size);
      assert.ok(req.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_small_node_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 1);
      const exp = node(mb, 6);
      const size = SZ_2 * req.size;
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 1);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, regionEnd(exp) - size, size);
      assert.ok(exp.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_node_reserved_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 2);
      const exp = node(mb, 6);
      const size = req.size;
      memblockReserve(mb, req.base, req.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 2);
      const r = rgn(mb.reserved, 1);
      assertRegion(r, regionEnd(exp) - size, size);
      assert.ok(exp.base <= r.base);
      assertReservedCounts(mb, 2, size + req.size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_part_reserved_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 4);
      assert.ok(SZ_8 <= req.size);
      const r1 = { base: req.base, size: req.size / SZ_2 };
      const size = r1.size / SZ_4;
      memblockReserve(mb, r1.base, r1.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
      const r = rgn(mb.reserved, 1);
      assertRegion(r, regionEnd(req) - size, size);
      assert.ok(req.base <= r.base);
      assertReservedCounts(mb, 2, size + r1.size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_part_reserved_fallback_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 4);
      const exp = node(mb, NUMA_NODES - 1);
      assert.ok(SZ_4 <= req.size);
      const size = req.size / SZ_2;
      const r1 = { base: req.base + size / SZ_2, size };
      memblockReserve(mb, r1.base, r1.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
      const r = rgn(mb.reserved, 1);
      assertRegion(r, regionEnd(exp) - size, size);
      assert.ok(exp.base <= r.base);
      assertReservedCounts(mb, 2, size + r1.size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_split_range_low_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 2);
      const size = SZ_512;
      const reqEnd = regionEnd(req);
      const min = reqEnd - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, reqEnd - size, size);
      assert.ok(req.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_split_range_high_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const exp = node(mb, 2);
      const size = SZ_512;
      const expEnd = regionEnd(exp);
      const min = expEnd - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 3);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, expEnd - size, size);
      assert.ok(exp.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_no_overlap_split_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const req = node(mb, 2);
      const node6 = node(mb, 6);
      const size = SZ_512;
      const min = node6.base - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, regionEnd(req) - size, size);
      assert.ok(req.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_no_overlap_low_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const minNode = node(mb, 2);
      const maxNode = node(mb, 5);
      const size = SZ_64;
      const max = regionEnd(maxNode);
      alloc(mb, size, SMP_CACHE_BYTES, minNode.base, max, 0);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, max - size, size);
      assert.ok(maxNode.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_top_down_numa_no_overlap_high_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, false);
      const minNode = node(mb, 2);
      const maxNode = node(mb, 5);
      const size = SZ_64;
      const max = regionEnd(maxNode);
      alloc(mb, size, SMP_CACHE_BYTES, minNode.base, max, 7);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, max - size, size);
      assert.ok(maxNode.base <= r.base);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_simple_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 3);
      assert.ok(SZ_4 <= req.size);
      const size = req.size / SZ_4;
      const got = alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3);
      assert.equal(got, req.base);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, req.base, size);
      assert.ok(regionEnd(r) <= regionEnd(req));
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_small_node_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 1);
      const exp = node(mb, 0);
      const size = SZ_2 * req.size;
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 1);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, exp.base, size);
      assert.ok(regionEnd(r) <= regionEnd(exp));
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_node_reserved_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 2);
      const exp = node(mb, 0);
      const size = req.size;
      memblockReserve(mb, req.base, req.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 2);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, exp.base, size);
      assert.ok(regionEnd(r) <= regionEnd(exp));
      assertReservedCounts(mb, 2, size + req.size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_part_reserved_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 4);
      assert.ok(SZ_8 <= req.size);
      const r1 = { base: req.base, size: req.size / SZ_2 };
      const size = r1.size / SZ_4;
      const total = size + r1.size;
      memblockReserve(mb, r1.base, r1.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, req.base, total);
      assert.ok(regionEnd(r) <= regionEnd(req));
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_part_reserved_fallback_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 4);
      const exp = node(mb, 0);
      assert.ok(SZ_4 <= req.size);
      const size = req.size / SZ_2;
      const r1 = { base: req.base + size / SZ_2, size };
      memblockReserve(mb, r1.base, r1.size);
      alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, exp.base, size);
      assert.ok(regionEnd(r) <= regionEnd(exp));
      assertReservedCounts(mb, 2, size + r1.size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_split_range_low_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 2);
      const size = SZ_512;
      const reqEnd = regionEnd(req);
      const min = reqEnd - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, req.base, size);
      assert.ok(regionEnd(r) <= reqEnd);
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_split_range_high_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 3);
      const exp = node(mb, 0);
      const size = SZ_512;
      const min = req.base - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 3);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, exp.base, size);
      assert.ok(regionEnd(r) <= regionEnd(req));
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_no_overlap_split_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const req = node(mb, 2);
      const node6 = node(mb, 6);
      const size = SZ_512;
      const min = node6.base - SZ_256;
      alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, req.base, size);
      assert.ok(regionEnd(r) <= regionEnd(req));
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_no_overlap_low_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const minNode = node(mb, 2);
      const maxNode = node(mb, 5);
      const size = SZ_64;
      alloc(mb, size, SMP_CACHE_BYTES, minNode.base, regionEnd(maxNode), 0);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, minNode.base, size);
      assert.ok(regionEnd(r) <= regionEnd(minNode));
      assertReservedCounts(mb, 1, size);
    });

    test(`alloc_nid_api: alloc_nid_bottom_up_numa_no_overlap_high_check (${fn})`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, true);
      const minNode = node(mb, 2);
      const maxNode = node(mb, 5);
      const size = SZ_64;
      alloc(mb, size, SMP_CACHE_BYTES, minNode.base, regionEnd(maxNode), 7);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, minNode.base, size);
      assert.ok(regionEnd(r) <= regionEnd(minNode));
      assertReservedCounts(mb, 1, size);
    });

    for (const { name: dir, bottomUp } of DIRECTIONS) {
      test(`alloc_nid_api: alloc_nid_numa_large_region_generic_check [${dir}] (${fn})`, () => {
        const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
        const size = MEM_SIZE / SZ_2;
        assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3), 0);
        assert.equal(memblockTotalSize(mb.reserved), 0);
      });

      test(`alloc_nid_api: alloc_nid_numa_reserved_full_merge_generic_check [${dir}] (${fn})`, () => {
        const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
        const req = node(mb, 6);
        const next = node(mb, 7);
        const size = req.size;
        const r1 = { base: next.base, size: SZ_128 };
        const r2 = { base: 0, size: SZ_128 };
        r2.base = r1.base - (size + r2.size);
        const total = r1.size + r2.size + size;
        const min = r2.base + r2.size;
        const max = r1.base;
        memblockReserve(mb, r1.base, r1.size);
        memblockReserve(mb, r2.base, r2.size);
        assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, 6), req.base);
        const r = rgn(mb.reserved, 0);
        assertRegion(r, r2.base, total);
        assert.ok(r.base <= req.base);
        assert.ok(regionEnd(req) <= regionEnd(r));
        assertReservedCounts(mb, 1, total);
      });

      test(`alloc_nid_api: alloc_nid_numa_split_all_reserved_generic_check [${dir}] (${fn})`, () => {
        const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
        const next = node(mb, 7);
        const size = SZ_256;
        const r2 = { base: next.base + SZ_128, size: 0 };
        r2.size = memblockEndOfDram(mb) - r2.base;
        const r1 = { base: memblockStartOfDram(mb), size: MEM_SIZE - (r2.size + size) };
        const min = r1.base + r1.size;
        const max = r2.base;
        memblockReserve(mb, r1.base, r1.size);
        memblockReserve(mb, r2.base, r2.size);
        assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, NUMA_NO_NODE), 0);
        assertReservedCounts(mb, 2, r1.size + r2.size);
      });
    }
  });
}

describe('alloc_nid_api: memblock_alloc_node', () => {
  for (const { name: dir, bottomUp } of DIRECTIONS) {
    test(`alloc_nid_api: alloc_node_on_correct_nid [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 2);
      const addr = memblockAllocNode(mb, SZ_512, SMP_CACHE_BYTES, 2);
      assert.notEqual(addr, 0);
      assert.equal(req.nid, 2);
      // Stronger than the kernel check: the block lies inside node 2.
      assert.ok(req.base <= addr && addr + SZ_512 <= regionEnd(req));
    });
  }
});

// ---------------------------------------------------------------------------
// NUMA tests of alloc_exact_nid_api.c (__memblock_alloc_exact_nid_numa_checks):
// memblock_alloc_exact_nid_raw never leaves the requested node.
// ---------------------------------------------------------------------------

describe('alloc_exact_nid_api: NUMA tests (memblock_alloc_exact_nid_raw)', () => {
  const alloc = EXACT_NID_RAW.alloc;

  test('alloc_exact_nid_api: alloc_exact_nid_top_down_numa_simple_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, false);
    const req = node(mb, 3);
    assert.ok(SZ_4 <= req.size);
    const size = req.size / SZ_4;
    assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3), regionEnd(req) - size);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, regionEnd(req) - size, size);
    assert.ok(req.base <= r.base);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_top_down_numa_part_reserved_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, false);
    const req = node(mb, 4);
    assert.ok(SZ_8 <= req.size);
    const r1 = { base: req.base, size: req.size / SZ_2 };
    const size = r1.size / SZ_4;
    memblockReserve(mb, r1.base, r1.size);
    alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
    const r = rgn(mb.reserved, 1);
    assertRegion(r, regionEnd(req) - size, size);
    assert.ok(req.base <= r.base);
    assertReservedCounts(mb, 2, size + r1.size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_top_down_numa_split_range_low_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, false);
    const req = node(mb, 2);
    const size = SZ_512;
    const reqEnd = regionEnd(req);
    const min = reqEnd - SZ_256;
    alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, reqEnd - size, size);
    assert.ok(req.base <= r.base);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_top_down_numa_no_overlap_split_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, false);
    const req = node(mb, 2);
    const node6 = node(mb, 6);
    const size = SZ_512;
    const min = node6.base - SZ_256;
    alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, regionEnd(req) - size, size);
    assert.ok(req.base <= r.base);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_top_down_numa_no_overlap_low_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, false);
    const req = node(mb, 0);
    const minNode = node(mb, 2);
    const maxNode = node(mb, 5);
    const size = SZ_64;
    // Node 0 is below the range: the lower limit is dropped, node 0 is kept.
    alloc(mb, size, SMP_CACHE_BYTES, minNode.base, regionEnd(maxNode), 0);
    assertRegion(rgn(mb.reserved, 0), regionEnd(req) - size, size);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_bottom_up_numa_simple_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, true);
    const req = node(mb, 3);
    assert.ok(SZ_4 <= req.size);
    const size = req.size / SZ_4;
    assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3), req.base);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, req.base, size);
    assert.ok(regionEnd(r) <= regionEnd(req));
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_bottom_up_numa_part_reserved_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, true);
    const req = node(mb, 4);
    assert.ok(SZ_8 <= req.size);
    const r1 = { base: req.base, size: req.size / SZ_2 };
    const size = r1.size / SZ_4;
    const total = size + r1.size;
    memblockReserve(mb, r1.base, r1.size);
    alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, req.base, total);
    assert.ok(regionEnd(r) <= regionEnd(req));
    assertReservedCounts(mb, 1, total);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_bottom_up_numa_split_range_low_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, true);
    const req = node(mb, 2);
    const size = SZ_512;
    const reqEnd = regionEnd(req);
    const min = reqEnd - SZ_256;
    alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, req.base, size);
    assert.ok(regionEnd(r) <= reqEnd);
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_bottom_up_numa_no_overlap_split_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, true);
    const req = node(mb, 2);
    const node6 = node(mb, 6);
    const size = SZ_512;
    const min = node6.base - SZ_256;
    alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 2);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, req.base, size);
    assert.ok(regionEnd(r) <= regionEnd(req));
    assertReservedCounts(mb, 1, size);
  });

  test('alloc_exact_nid_api: alloc_exact_nid_bottom_up_numa_no_overlap_low_check', () => {
    const mb = setupNumaMemblock(NODE_FRACTIONS, true);
    const req = node(mb, 0);
    const minNode = node(mb, 2);
    const maxNode = node(mb, 5);
    const size = SZ_64;
    alloc(mb, size, SMP_CACHE_BYTES, minNode.base, regionEnd(maxNode), 0);
    const r = rgn(mb.reserved, 0);
    assertRegion(r, req.base, size);
    assert.ok(regionEnd(r) <= regionEnd(req));
    assertReservedCounts(mb, 1, size);
  });

  for (const { name: dir, bottomUp } of DIRECTIONS) {
    test(`alloc_exact_nid_api: alloc_exact_nid_numa_small_node_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 1);
      const size = SZ_2 * req.size;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 1), 0);
      assert.equal(memblockTotalSize(mb.reserved), 0);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_node_reserved_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 2);
      memblockReserve(mb, req.base, req.size);
      assert.equal(alloc(mb, req.size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 2), 0);
      assertReservedCounts(mb, 1, req.size);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_part_reserved_fail_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 4);
      assert.ok(SZ_4 <= req.size);
      const size = req.size / SZ_2;
      const r1 = { base: req.base + size / SZ_2, size };
      memblockReserve(mb, r1.base, r1.size);
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 4), 0);
      assertReservedCounts(mb, 1, r1.size);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_split_range_high_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 3);
      const size = SZ_512;
      const min = req.base - SZ_256;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, min + size, 3), 0);
      assert.equal(memblockTotalSize(mb.reserved), 0);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_no_overlap_high_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const minNode = node(mb, 2);
      const maxNode = node(mb, 5);
      assert.equal(alloc(mb, SZ_64, SMP_CACHE_BYTES, minNode.base, regionEnd(maxNode), 7), 0);
      assert.equal(memblockTotalSize(mb.reserved), 0);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_large_region_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const size = MEM_SIZE / SZ_2;
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, memblockStartOfDram(mb), memblockEndOfDram(mb), 3), 0);
      assert.equal(memblockTotalSize(mb.reserved), 0);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_reserved_full_merge_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const req = node(mb, 6);
      const next = node(mb, 7);
      const size = req.size;
      const r1 = { base: next.base, size: SZ_128 };
      const r2 = { base: 0, size: SZ_128 };
      r2.base = r1.base - (size + r2.size);
      const total = r1.size + r2.size + size;
      const min = r2.base + r2.size;
      const max = r1.base;
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, min, max, 6), req.base);
      const r = rgn(mb.reserved, 0);
      assertRegion(r, r2.base, total);
      assert.ok(r.base <= req.base);
      assert.ok(regionEnd(req) <= regionEnd(r));
      assertReservedCounts(mb, 1, total);
    });

    test(`alloc_exact_nid_api: alloc_exact_nid_numa_split_all_reserved_generic_check [${dir}]`, () => {
      const mb = setupNumaMemblock(NODE_FRACTIONS, bottomUp);
      const next = node(mb, 7);
      const size = SZ_256;
      const r2 = { base: next.base + SZ_128, size: 0 };
      r2.size = memblockEndOfDram(mb) - r2.base;
      const r1 = { base: memblockStartOfDram(mb), size: MEM_SIZE - (r2.size + size) };
      memblockReserve(mb, r1.base, r1.size);
      memblockReserve(mb, r2.base, r2.size);
      assert.equal(alloc(mb, size, SMP_CACHE_BYTES, r1.base + r1.size, r2.base, NUMA_NO_NODE), 0);
      assertReservedCounts(mb, 2, r1.size + r2.size);
    });
  }
});
