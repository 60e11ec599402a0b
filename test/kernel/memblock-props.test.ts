// Laws of memblock that hold for every sequence of calls (fast-check).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Memblock, MemblockType } from '../../src/kernel/memblock.js';
import {
  memblockAdd,
  memblockAllocRangeNid,
  memblockCreate,
  memblockPhysFree,
  memblockRemove,
  memblockReserve,
  memblockSetBottomUp,
  memblockSetCurrentLimit,
  memblockSetNode,
  MAX_NUMNODES,
  NUMA_NO_NODE,
} from '../../src/kernel/memblock.js';

const PAGE = 4096;
// A small address space (in pages) so random ranges collide often.
const SPACE = 64;

type Op =
  | { op: 'add' | 'reserve' | 'free' | 'remove'; base: number; size: number }
  | { op: 'setnode'; base: number; size: number; nid: number; reserved: boolean };

const range = fc.record({ base: fc.integer({ min: 0, max: SPACE - 1 }), size: fc.integer({ min: 1, max: 16 }) });
const op: fc.Arbitrary<Op> = fc.oneof(
  range.map((r) => ({ op: 'add' as const, ...r })),
  range.map((r) => ({ op: 'reserve' as const, ...r })),
  range.map((r) => ({ op: 'free' as const, ...r })),
  range.map((r) => ({ op: 'remove' as const, ...r })),
  fc.record({ base: fc.integer({ min: 0, max: SPACE - 1 }), size: fc.integer({ min: 1, max: 32 }), nid: fc.integer({ min: 0, max: 2 }), reserved: fc.boolean() }).map((r) => ({ op: 'setnode' as const, ...r })),
);

function apply(mb: Memblock, o: Op): void {
  const base = o.base * PAGE;
  const size = o.size * PAGE;
  switch (o.op) {
    case 'add':
      return memblockAdd(mb, base, size);
    case 'reserve':
      return memblockReserve(mb, base, size);
    case 'free':
      return memblockPhysFree(mb, base, size);
    case 'remove':
      return memblockRemove(mb, base, size);
    case 'setnode':
      return memblockSetNode(mb, base, size, o.reserved ? mb.reserved : mb.memory, o.nid);
  }
}

function checkType(t: MemblockType): void {
  let sum = 0;
  t.regions.forEach((r, i) => {
    assert.ok(r.size > 0, `${t.name}[${i}] is not empty`);
    sum += r.size;
    const next = t.regions[i + 1];
    if (!next) return;
    assert.ok(r.base + r.size <= next.base, `${t.name}[${i}] and [${i + 1}] are sorted and disjoint`);
    const mergeable = r.base + r.size === next.base && r.nid === next.nid && r.flags === next.flags;
    assert.ok(!mergeable, `${t.name}[${i}] and [${i + 1}] would have been merged`);
  });
  assert.equal(t.totalSize, sum, `${t.name}.total_size is the sum of the regions`);
}

/** Brute force: every aligned place for `size` bytes inside one memory region, outside reservations, in [lo, hi). */
function candidates(mb: Memblock, size: number, align: number, lo: number, hi: number, nid: number): number[] {
  const out: number[] = [];
  for (const m of mb.memory.regions) {
    if (nid !== NUMA_NO_NODE && m.nid !== nid) continue;
    for (let a = Math.ceil(Math.max(m.base, lo, PAGE) / align) * align; a + size <= Math.min(m.base + m.size, hi); a += align) {
      if (!mb.reserved.regions.some((r) => r.base < a + size && a < r.base + r.size)) out.push(a);
    }
  }
  return out;
}

describe('memblock laws', () => {
  test('regions stay sorted, disjoint, merged, and total_size is their sum', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const mb = memblockCreate();
        for (const o of ops) {
          apply(mb, o);
          checkType(mb.memory);
          checkType(mb.reserved);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('reserving then freeing the same range leaves the bytes as they were', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), range, (ops, r) => {
        const mb = memblockCreate();
        for (const o of ops) apply(mb, o);
        const base = r.base * PAGE;
        const size = r.size * PAGE;
        const wasReserved = (a: number) => mb.reserved.regions.some((x) => x.base <= a && a < x.base + x.size);
        const before = Array.from({ length: SPACE + 16 }, (_, i) => wasReserved(i * PAGE));
        memblockReserve(mb, base, size);
        memblockPhysFree(mb, base, size);
        const after = Array.from({ length: SPACE + 16 }, (_, i) => wasReserved(i * PAGE));
        const inRange = (i: number) => i * PAGE >= base && i * PAGE < base + size;
        after.forEach((v, i) => assert.equal(v, inRange(i) ? false : before[i], `page ${i}`));
      }),
      { numRuns: 300 },
    );
  });

  test('an allocation is the highest (top-down) or lowest (bottom-up) free, aligned fit, or fails only when there is none', () => {
    const alloc = fc.record({
      size: fc.integer({ min: 1, max: 8 }).map((n) => n * PAGE),
      align: fc.constantFrom(PAGE, 2 * PAGE, 4 * PAGE, 8 * PAGE),
      lo: fc.integer({ min: 0, max: SPACE }).map((n) => n * PAGE),
      span: fc.integer({ min: 0, max: SPACE + 8 }).map((n) => n * PAGE),
      nid: fc.constantFrom(NUMA_NO_NODE, 0, 1, 2),
      exact: fc.boolean(),
      bottomUp: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), alloc, (ops, a) => {
        const mb = memblockCreate();
        for (const o of ops) apply(mb, o);
        memblockSetBottomUp(mb, a.bottomUp);
        const hi = a.lo + a.span;
        // An end of 0 or 1 is MEMBLOCK_ALLOC_ACCESSIBLE / _NOLEAKTRACE: up to the current limit (no limit here).
        const top = hi <= 1 ? mb.currentLimit : hi;
        const onNode = candidates(mb, a.size, a.align, a.lo, top, a.nid);
        const anyNode = candidates(mb, a.size, a.align, a.lo, top, NUMA_NO_NODE);
        const got = memblockAllocRangeNid(mb, a.size, a.align, a.lo, hi, a.nid, a.exact).addr;
        const pool = onNode.length || a.exact || a.nid === NUMA_NO_NODE ? onNode : anyNode;
        if (!pool.length) {
          assert.equal(got, 0, 'no fit, no allocation');
          return;
        }
        const want = a.bottomUp ? Math.min(...pool) : Math.max(...pool);
        assert.equal(got, want);
        assert.equal(got % a.align, 0, 'aligned');
        assert.ok(mb.reserved.regions.some((r) => r.base <= got && got + a.size <= r.base + r.size), 'now reserved');
        checkType(mb.reserved);
      }),
      { numRuns: 1000 },
    );
  });

  test('an allocation never goes above the current limit when asked for accessible memory', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.integer({ min: 1, max: SPACE }), fc.integer({ min: 1, max: 4 }), (ops, limitPages, pages) => {
        const mb = memblockCreate();
        for (const o of ops) apply(mb, o);
        memblockSetCurrentLimit(mb, limitPages * PAGE);
        const got = memblockAllocRangeNid(mb, pages * PAGE, PAGE, 0, 0, NUMA_NO_NODE, false).addr;
        if (got) assert.ok(got + pages * PAGE <= limitPages * PAGE);
      }),
      { numRuns: 300 },
    );
  });

  test('reservations have no node until memblock_set_node gives them one', () => {
    const mb = memblockCreate();
    memblockReserve(mb, PAGE, PAGE);
    assert.equal(mb.reserved.regions[0]!.nid, MAX_NUMNODES);
  });
});
