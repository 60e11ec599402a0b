// Shared set-up for the memblock tests that mirror the kernel's own suite in
// tools/testing/memblock/tests/ (basic_api.c, alloc_api.c, alloc_helpers_api.c,
// alloc_nid_api.c, alloc_exact_nid_api.c). These are the equivalents of the
// suite's common.c helpers (reset_memblock_regions, setup_memblock,
// setup_numa_memblock, dummy_physical_memory_init) and of the small inline
// allocation wrappers from include/linux/memblock.h.

import assert from 'node:assert/strict';
import {
  memblockAdd,
  memblockAddNode,
  memblockAllocTryNid,
  memblockAllocTryNidRaw,
  memblockCreate,
  memblockSetBottomUp,
  type Memblock,
  type MemblockRegion,
  type MemblockType,
} from '../../src/kernel/memblock.js';
import {
  MEMBLOCK_ALLOC_ACCESSIBLE,
  MEMBLOCK_HOTPLUG,
  MEMBLOCK_LOW_LIMIT,
  MEMBLOCK_NONE,
  MAX_NUMNODES,
  NUMA_NO_NODE,
} from '../../src/kernel/memblock-flags.js';

export const SZ_2 = 2;
export const SZ_4 = 4;
export const SZ_8 = 8;
export const SZ_16 = 16;
export const SZ_32 = 32;
export const SZ_64 = 64;
export const SZ_128 = 128;
export const SZ_256 = 256;
export const SZ_512 = 512;
export const SZ_1K = 1 << 10;
export const SZ_2K = 2 << 10;
export const SZ_4K = 4 << 10;
export const SZ_8K = 8 << 10;
export const SZ_16K = 16 << 10;
export const SZ_32K = 32 << 10;
export const SZ_64K = 64 << 10;
export const SZ_128K = 128 << 10;
export const SZ_256K = 256 << 10;
export const SZ_512K = 512 << 10;
export const SZ_1M = 1 << 20;
export const SZ_2M = 2 << 20;
export const SZ_4M = 4 << 20;
export const SZ_8M = 8 << 20;
export const SZ_16M = 16 << 20;
export const SZ_32M = 32 << 20;
export const SZ_64M = 64 << 20;
export const SZ_128M = 128 << 20;
export const SZ_256M = 256 << 20;
export const SZ_512M = 512 << 20;
export const SZ_1G = 2 ** 30;
export const SZ_2G = 2 ** 31;

/**
 * Size of the simulated memory block: the suite's MEM_SIZE before the
 * memblock_double_array() tests raised it to SZ_32K. Every scenario is
 * expressed relative to it, so either value gives the same outcomes.
 */
export const MEM_SIZE = SZ_16K;
/** Number of nodes setup_numa_memblock() creates. */
export const NUMA_NODES = 8;
/**
 * SMP_CACHE_BYTES as the kernel suite sees it: tools/include/linux/cache.h
 * defines L1_CACHE_SHIFT 5, so 32 (not x86_64's 64). Several scenarios
 * (e.g. alloc_in_between) only make sense with this value.
 */
export const SMP_CACHE_BYTES = 32;
/** INIT_MEMBLOCK_REGIONS: the static array size before memblock_double_array(). */
export const INIT_MEMBLOCK_REGIONS = 128;
/** ARCH_LOW_ADDRESS_LIMIT: the generic default from include/linux/memblock.h; x86_64 does not override it. */
export const ARCH_LOW_ADDRESS_LIMIT = 0xffffffff;

/**
 * Where our "dummy physical memory" lives. The kernel suite malloc()s MEM_SIZE
 * bytes and registers that address; we pick a fixed, well-aligned address
 * far above the first page (memblock_find_in_range_node never hands out
 * [0, PAGE_SIZE)).
 */
export const DUMMY_MEMORY_BASE = 0x1_0000_0000;

/** Fractions of MEM_SIZE per node, in basis points, as in alloc_nid_api.c / alloc_exact_nid_api.c. */
export const NODE_FRACTIONS: readonly number[] = [2500, 625, 1250, 1250, 625, 625, 2500, 625];
const BASIS = 10000;

/** The two allocation directions most scenarios are run in (run_top_down / run_bottom_up). */
export const DIRECTIONS = [
  { name: 'top-down', bottomUp: false },
  { name: 'bottom-up', bottomUp: true },
] as const;

/** reset_memblock_regions() + reset_memblock_attributes(): empty arrays, top-down, no limit. */
export function resetMemblock(bottomUp = false): Memblock {
  const mb = memblockCreate({ debug: false });
  memblockSetBottomUp(mb, bottomUp);
  return mb;
}

/** dummy_physical_memory_base() */
export function dummyPhysicalMemoryBase(): number {
  return DUMMY_MEMORY_BASE;
}

/** setup_memblock(): one memory region of MEM_SIZE at the dummy memory. */
export function setupMemblock(bottomUp = false): Memblock {
  const mb = resetMemblock(bottomUp);
  memblockAdd(mb, DUMMY_MEMORY_BASE, MEM_SIZE);
  return mb;
}

/**
 * setup_numa_memblock(): split the dummy memory into NUMA_NODES consecutive
 * regions, node i getting MEM_SIZE * fracs[i] / BASIS bytes. As in the suite,
 * the regions are flagged MEMBLOCK_HOTPLUG unless movable_node is enabled
 * (it is not here, so allocations still use them).
 */
export function setupNumaMemblock(fracs: readonly number[] = NODE_FRACTIONS, bottomUp = false): Memblock {
  const mb = resetMemblock(bottomUp);
  const flags = mb.movableNode ? MEMBLOCK_NONE : MEMBLOCK_HOTPLUG;
  let base = DUMMY_MEMORY_BASE;
  for (let i = 0; i < NUMA_NODES; i++) {
    const frac = fracs[i]!;
    assert.ok(frac <= BASIS);
    const size = Math.floor((MEM_SIZE * frac) / BASIS);
    memblockAddNode(mb, base, size, i, flags);
    base += size;
  }
  return mb;
}

const EMPTY_REGION: Readonly<MemblockRegion> = Object.freeze({ base: 0, size: 0, flags: 0, nid: MAX_NUMNODES });

/**
 * &type->regions[idx] as the kernel would see it: an empty array still has
 * its zeroed dummy entry at index 0.
 */
export function rgn(type: MemblockType, idx: number): Readonly<MemblockRegion> {
  const r = type.regions[idx];
  if (r) return r;
  if (idx === 0 && type.regions.length === 0) return EMPTY_REGION;
  throw new Error(`memblock.${type.name}.regions[${idx}] does not exist (cnt=${type.regions.length})`);
}

/** region_end() */
export function regionEnd(r: Readonly<MemblockRegion>): number {
  return r.base + r.size;
}

/** Assert a region's base and size. */
export function assertRegion(r: Readonly<MemblockRegion>, base: number, size: number, what = 'region'): void {
  assert.equal(r.base, base, `${what}.base`);
  assert.equal(r.size, size, `${what}.size`);
}

const CALLER = 'memblock-test';

/** memblock_alloc(size, align): memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE). */
export function memblockAlloc(mb: Memblock, size: number, align: number): number {
  return memblockAllocTryNid(mb, size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, CALLER);
}

/** memblock_alloc_raw(size, align): memblock_alloc_try_nid_raw(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE). */
export function memblockAllocRaw(mb: Memblock, size: number, align: number): number {
  return memblockAllocTryNidRaw(mb, size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, CALLER);
}

/** memblock_alloc_from(size, align, min_addr): memblock_alloc_try_nid(size, align, min_addr, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE). */
export function memblockAllocFrom(mb: Memblock, size: number, align: number, minAddr: number): number {
  return memblockAllocTryNid(mb, size, align, minAddr, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, CALLER);
}

/** memblock_alloc_low(size, align): memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT, ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE). */
export function memblockAllocLow(mb: Memblock, size: number, align: number): number {
  return memblockAllocTryNid(mb, size, align, MEMBLOCK_LOW_LIMIT, ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE, CALLER);
}

/** memblock_alloc_node(size, align, nid): memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, nid). */
export function memblockAllocNode(mb: Memblock, size: number, align: number, nid: number): number {
  return memblockAllocTryNid(mb, size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, nid, CALLER);
}

/** The caller name the tests pass to the model's allocation functions. */
export const TEST_CALLER = CALLER;
