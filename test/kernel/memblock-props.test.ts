// Laws of memblock that hold for every sequence of calls (fast-check).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Memblock, MemblockType } from '../../src/kernel/memblock.js';
import { MemblockCallLog } from '../../src/kernel/memblock-call-log.js';
import { allocHintFind, memblockAllocTryNidRawMany, memblockHints } from '../../src/sim/memblock-hints.js';
import {
  memblockAdd,
  memblockAllocRangeNid,
  memblockAllocTryNidRaw,
  memblockClone,
  memblockCreate,
  memblockPhysFree,
  memblockRemove,
  memblockReserve,
  memblockSetBottomUp,
  memblockSetCurrentLimit,
  memblockSetclrFlag,
  memblockSetNode,
  memblockTrimMemory,
} from '../../src/kernel/memblock.js';
import { MAX_NUMNODES, MEMBLOCK_HOTPLUG, NUMA_NO_NODE } from '../../src/kernel/memblock-flags.js';

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
  fc
    .record({
      base: fc.integer({ min: 0, max: SPACE - 1 }),
      size: fc.integer({ min: 1, max: 32 }),
      nid: fc.integer({ min: 0, max: 2 }),
      reserved: fc.boolean(),
    })
    .map((r) => ({ op: 'setnode' as const, ...r })),
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
        assert.ok(
          mb.reserved.regions.some((r) => r.base <= got && got + a.size <= r.base + r.size),
          'now reserved',
        );
        checkType(mb.reserved);
      }),
      { numRuns: 1000 },
    );
  });

  test('allocations in a row, with any calls between them, each take the highest free fit (the hints never answer wrong)', () => {
    type Step =
      | Op
      | { op: 'alloc'; times: number; preset: number }
      | { op: 'hotplug'; base: number; size: number; set: boolean }
      | { op: 'movable'; on: boolean }
      | { op: 'limit'; pages: number }
      | { op: 'trim' };
    // Each case has three kinds of allocation, so the same one comes back with other calls between.
    const preset = fc.record({
      size: fc.constantFrom(1, 1, 2, 3),
      align: fc.constantFrom(1, 1, 2, 4),
      lo: fc.constantFrom(0, 0, 8, 20),
      nid: fc.constantFrom(NUMA_NO_NODE, 0, 1, 2),
    });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: op, weight: 4 },
      {
        arbitrary: fc.record({
          op: fc.constant('alloc' as const),
          times: fc.integer({ min: 1, max: 6 }),
          preset: fc.integer({ min: 0, max: 2 }),
        }),
        weight: 6,
      },
      {
        arbitrary: fc.record({
          op: fc.constant('hotplug' as const),
          base: fc.integer({ min: 0, max: SPACE - 1 }),
          size: fc.integer({ min: 1, max: 16 }),
          set: fc.boolean(),
        }),
        weight: 2,
      },
      { arbitrary: fc.record({ op: fc.constant('movable' as const), on: fc.boolean() }), weight: 2 },
      { arbitrary: fc.record({ op: fc.constant('limit' as const), pages: fc.integer({ min: 1, max: SPACE + 8 }) }), weight: 1 },
      { arbitrary: fc.constant({ op: 'trim' as const }), weight: 1 },
    );
    let answered = 0;
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 12 }),
        fc.array(preset, { minLength: 3, maxLength: 3 }),
        fc.array(step, { maxLength: 40 }),
        (setup, presets, steps) => {
          // Memory on two nodes to start with, so that allocations in a row are common.
          const mb = memblockCreate();
          mb.shortcuts = memblockHints();
          memblockAdd(mb, 0, SPACE * PAGE);
          memblockSetNode(mb, 0, (SPACE / 2) * PAGE, mb.memory, 0);
          memblockSetNode(mb, (SPACE / 2) * PAGE, (SPACE / 2) * PAGE, mb.memory, 1);
          for (const o of setup) apply(mb, o);
          for (const o of steps) {
            if (o.op === 'hotplug') memblockSetclrFlag(mb, o.base * PAGE, o.size * PAGE, o.set, MEMBLOCK_HOTPLUG);
            else if (o.op === 'movable') mb.movableNode = o.on;
            else if (o.op === 'limit') memblockSetCurrentLimit(mb, o.pages * PAGE);
            else if (o.op === 'trim') memblockTrimMemory(mb, 2 * PAGE);
            else if (o.op !== 'alloc') apply(mb, o);
            else
              for (let t = 0; t < o.times; t++) {
                const p = presets[o.preset]!;
                const size: number = p.size * PAGE;
                const align: number = p.align * PAGE;
                const lo: number = p.lo * PAGE;
                const usable = (m: Memblock['memory']['regions'][number]) => !(mb.movableNode && m.flags & MEMBLOCK_HOTPLUG);
                const fits = (nid: number) => {
                  const saved = mb.memory.regions;
                  mb.memory.regions = saved.filter(usable);
                  const c = candidates(mb, size, align, Math.max(lo, PAGE), mb.currentLimit, nid);
                  mb.memory.regions = saved;
                  return c;
                };
                const onNode = fits(p.nid);
                const pool: number[] = onNode.length || p.nid === NUMA_NO_NODE ? onNode : fits(NUMA_NO_NODE);
                const known = allocHintFind(mb, size, align, Math.max(lo, PAGE), mb.currentLimit, p.nid, 0);
                const got: number = memblockAllocRangeNid(mb, size, align, lo, 0, p.nid, false).addr;
                assert.equal(got, pool.length ? Math.max(...pool) : 0, 'the highest free fit');
                if (known >= 0 && pool.length) {
                  answered++;
                  assert.equal(known, got, 'the hint answered as the search does');
                }
                checkType(mb.reserved);
              }
          }
        },
      ),
      { numRuns: 1500 },
    );
    assert.ok(answered > 1000, `the hint answered ${answered} allocations`);
  });

  test('allocations in a row see the room that opens above the last one', () => {
    // Two page allocations in a row below a reservation at the top; then room opens above them in one of five ways.
    const opens: [string, (mb: Memblock) => void][] = [
      ['a reservation freed', (mb) => memblockPhysFree(mb, 60 * PAGE, 4 * PAGE)],
      ['memory added', (mb) => memblockAdd(mb, 64 * PAGE, 4 * PAGE)],
      ['movable_node turned off', (mb) => (mb.movableNode = false)],
      ['hotplug cleared', (mb) => memblockSetclrFlag(mb, 56 * PAGE, 8 * PAGE, false, MEMBLOCK_HOTPLUG)],
      ['the node moved', (mb) => memblockSetNode(mb, 56 * PAGE, 8 * PAGE, mb.memory, 0)],
    ];
    for (const [what, open] of opens) {
      const mb = memblockCreate();
      mb.shortcuts = memblockHints();
      memblockAdd(mb, 0, 64 * PAGE);
      memblockSetNode(mb, 0, 64 * PAGE, mb.memory, 0);
      if (what === 'the node moved') memblockSetNode(mb, 56 * PAGE, 8 * PAGE, mb.memory, 1);
      memblockReserve(mb, 60 * PAGE, 4 * PAGE);
      if (what === 'hotplug cleared' || what === 'movable_node turned off') {
        memblockSetclrFlag(mb, 56 * PAGE, 8 * PAGE, true, MEMBLOCK_HOTPLUG);
        mb.movableNode = true;
      }
      if (what === 'memory added') memblockReserve(mb, 56 * PAGE, 4 * PAGE);
      const nid = what === 'the node moved' || what === 'hotplug cleared' || what === 'movable_node turned off' ? 0 : NUMA_NO_NODE;
      const alloc = () => memblockAllocRangeNid(mb, PAGE, PAGE, 0, 0, nid, true).addr / PAGE;
      const first = [alloc(), alloc()];
      open(mb);
      const next = alloc();
      assert.ok(next > first[1]!, `${what}: ${first.join(', ')} then ${next}`);
      assert.equal(
        next,
        Math.max(
          ...candidates(mb, PAGE, PAGE, 0, Infinity, nid)
            .map((a) => a / PAGE)
            .concat(next),
        ),
        what,
      );
    }
  });

  test('memblockAllocTryNidRawMany() is that many calls of memblock_alloc_try_nid_raw(), as a log, reservations and addresses', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 16 }),
        fc.array(
          fc.record({
            count: fc.integer({ min: 0, max: 12 }),
            size: fc.constantFrom(1, 1, 2),
            align: fc.constantFrom(1, 1, 2),
            lo: fc.constantFrom(0, 0, 30),
            nid: fc.constantFrom(NUMA_NO_NODE, 0, 1, 2),
            between: fc.option(op, { freq: 3 }),
          }),
          { maxLength: 6 },
        ),
        fc.option(fc.integer({ min: 1, max: 30 })),
        (setup, runs, nth) => {
          const one = memblockCreate();
          memblockAdd(one, 0, SPACE * PAGE);
          memblockSetNode(one, (SPACE / 2) * PAGE, (SPACE / 2) * PAGE, one.memory, 1);
          for (const o of setup) apply(one, o);
          if (nth !== null) one.faults = { nth: [nth] };
          const many = memblockClone(one);
          many.shortcuts = memblockHints();
          // The calls one by one go the general way: a hook watching the calls keeps them off the hint's quick path.
          one.beforeCall = () => {};
          for (const r of runs) {
            const args = [r.size * PAGE, r.align * PAGE, r.lo * PAGE, 0, r.nid] as const;
            // One caller for all, or one per call.
            const callers = Array.from({ length: r.count }, (_, k) => (k % 3 ? 'test' : 'other'));
            const got: number[] = [];
            const made = memblockAllocTryNidRawMany(many, r.count, ...args, r.size === 2 ? callers : 'test', got);
            const want: number[] = [];
            for (let i = 0; i < r.count; i++) {
              const a = memblockAllocTryNidRaw(one, ...args, r.size === 2 ? callers[i]! : 'test');
              if (!a) break;
              want.push(a);
            }
            assert.equal(made, want.length, 'as many succeed');
            assert.deepEqual(got.slice(0, made), want);
            // After every run, not only at the end: a later call could mend a region left unmerged.
            checkType(many.reserved);
            assert.deepEqual(many.reserved.regions, one.reserved.regions);
            if (r.between) {
              apply(one, r.between);
              apply(many, r.between);
            }
          }
          assert.deepEqual(many.reserved, one.reserved);
          assert.deepEqual(many.memory, one.memory);
          assert.deepEqual(many.calls.toArray(), one.calls.toArray());
          assert.equal(many.allocCount, one.allocCount);
        },
      ),
      { numRuns: 800 },
    );
  });

  test('the call log records allocations in a batch as it records them one by one, across its chunks', () => {
    // Batches of every size from 0 to 40, a range call between them; past 3 * 2^15 calls (the log's chunks hold 2^15),
    // starting at an even and at an odd index so that a batch's two calls straddle a chunk's edge.
    for (const offset of [0, 1, 2, 3]) {
      const batch = new MemblockCallLog();
      const single = new MemblockCallLog();
      for (let k = 0; k < offset; k++) for (const log of [batch, single]) log.pushRange('memblock_add', 0, PAGE, 'test', true);
      const results: number[] = [];
      let n = 0;
      for (let b = 0; n < 52_000; b = (b + 7) % 41) {
        for (let k = 0; k < b; k++) results[n + k] = (n + k + 1) * PAGE;
        batch.pushAllocsReserved(
          'memblock_alloc_try_nid_raw',
          PAGE,
          PAGE,
          b % 3,
          16 * PAGE,
          0,
          'vmemmap_alloc_block_zero',
          b % 2 === 0,
          results,
          n,
          b,
        );
        for (let k = 0; k < b; k++) {
          const c = single.pushAlloc(
            'memblock_alloc_try_nid_raw',
            PAGE,
            PAGE,
            b % 3,
            16 * PAGE,
            0,
            'vmemmap_alloc_block_zero',
            b % 2 === 0,
          );
          single.pushRange('memblock_reserve', results[n + k]!, PAGE, 'memblock_alloc_range_nid', b % 2 === 0);
          single.setResult(c, results[n + k]!);
        }
        n += b;
        for (const log of [batch, single]) log.pushRange('memblock_add', n, PAGE, 'test', true);
      }
      assert.equal(batch.length, single.length);
      assert.deepEqual(batch.toArray(), single.toArray(), `offset ${offset}`);
    }
  });

  test('an allocation never goes above the current limit when asked for accessible memory', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 20 }),
        fc.integer({ min: 1, max: SPACE }),
        fc.integer({ min: 1, max: 4 }),
        (ops, limitPages, pages) => {
          const mb = memblockCreate();
          for (const o of ops) apply(mb, o);
          memblockSetCurrentLimit(mb, limitPages * PAGE);
          const got = memblockAllocRangeNid(mb, pages * PAGE, PAGE, 0, 0, NUMA_NO_NODE, false).addr;
          if (got) assert.ok(got + pages * PAGE <= limitPages * PAGE);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reservations have no node until memblock_set_node gives them one', () => {
    const mb = memblockCreate();
    memblockReserve(mb, PAGE, PAGE);
    assert.equal(mb.reserved.regions[0]!.nid, MAX_NUMNODES);
  });
});
