// The range structures the invariants carry from step to step agree with the
// plain definitions they replace, for any ranges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { firstGap, HeldRanges, mergeRanges, RangeUnion, uncovered, uncoveredByAll, type Range } from '../../src/check/ranges.js';

const rangeArb = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })).map(([a, n]) => [a, a + n] as Range);

/** The bytes a list of ranges covers, as a set (the definition everything here is held to). */
const bytes = (rs: readonly Range[]) => {
  const out = new Set<number>();
  for (const [a, b] of rs) for (let x = a; x < b; x++) out.add(x);
  return out;
};
const sortedDisjoint = (rs: readonly Range[]) => rs.every(([a, b], i) => a < b && (i === 0 || rs[i - 1]![1] < a));

describe('ranges', () => {
  test('RangeUnion, range by range, is mergeRanges() of them all', () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 30 }), (rs) => {
        const u = new RangeUnion();
        let gen = u.gen;
        for (const [a, b] of rs) {
          const before = JSON.stringify(u.ranges);
          u.add(a, b);
          // gen moves exactly when the union changed.
          assert.equal(u.gen !== gen, JSON.stringify(u.ranges) !== before);
          gen = u.gen;
        }
        assert.deepEqual(u.ranges, mergeRanges(rs));
        assert.ok(sortedDisjoint(u.ranges));
      }),
    );
  });

  test('uncovered(), firstGap() and uncoveredByAll() give the bytes no range covers', () => {
    fc.assert(
      fc.property(rangeArb, fc.array(fc.array(rangeArb, { maxLength: 8 }), { minLength: 1, maxLength: 3 }), ([a, b], lists) => {
        const merged = lists.map(mergeRanges);
        const want = [...bytes([[a, b]])].filter((x) => !bytes(lists.flat()).has(x));
        const got = uncoveredByAll(a, b, merged);
        assert.deepEqual(
          [...bytes(got)].sort((x, y) => x - y),
          want,
        );
        assert.ok(sortedDisjoint(got), 'maximal pieces, in order');
        const one = uncovered(a, b, merged[0]!);
        assert.deepEqual(firstGap(a, b, merged[0]!), one[0] ?? null);
      }),
    );
  });

  test('HeldRanges: the bytes held and their holder follow a byte-by-byte model', () => {
    const op = fc.oneof(fc.record({ take: rangeArb, who: fc.constantFrom('a', 'b', 'c') }), fc.record({ release: rangeArb }));
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.array(
          rangeArb.filter(([a, b]) => b > a),
          { minLength: 1, maxLength: 5 },
        ),
        (ops, probes) => {
          const h = new HeldRanges();
          // The model: who holds each byte (the first to take it, until it is let go of).
          const model = new Map<number, string>();
          for (const o of ops) {
            if ('take' in o) {
              const [a, b] = o.take;
              h.take(a, b, o.who);
              for (let x = a; x < b; x++) if (!model.has(x)) model.set(x, o.who);
            } else {
              const [a, b] = o.release;
              h.release(a, b);
              for (let x = a; x < b; x++) model.delete(x);
            }
          }
          for (const [a, b] of probes) {
            let want: string | null = null;
            for (let x = a; x < b && want === null; x++) want = model.get(x) ?? null;
            assert.equal(h.holder(a, b), want);
          }
        },
      ),
    );
  });
});
