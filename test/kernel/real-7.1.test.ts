// Linux 7.1 (Debian linux-binary-7.1.13+deb13-cloud-amd64) against its real
// boots, test/fixtures/linux-7.1: what the `7.1` profile does that the series as
// posted (hvo-v7) does not, each held to the fixture that shows it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { getProfile, validatedAgainst } from '../../src/profiles/index.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { loggedCalls, ourPrintedCalls, replayedOthers } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/linux-7.1');
const load = (name: string) => {
  const f = join(DIR, name);
  return parseKernelLog(read(f), f);
};
/** The observable mismatches of a fixture's replay whose name matches `what`. */
const missed = (name: string, profile: string, what: RegExp) =>
  replayFixture(load(name), profile).mismatches.filter((m) => m.kind === 'observable' && what.test(m.what));

describe('Linux 7.1 against its real boots', () => {
  test('vmemmap_alloc_block_buf() named after its callers is ours (the HVO head page of n14 is one allocation, not two)', () => {
    const head = loggedCalls(load('n14-2node-grow-hvo.txt')).filter((c) => c.text.includes('vmemmap_pte_populate'));
    assert.equal(head.length, 1);
    assert.ok(head[0]!.ours, 'the head page is our call, not another subsystem one replayed beside ours');
  });

  test('sparse_usage_init(): the usemaps come from anywhere on the node (from=0), not the pg_data_t section', () => {
    const log = load('n14-2node-grow-hvo.txt');
    const kernel = loggedCalls(log).filter((c) => c.call.caller === 'sparse_init_nid' && c.call.align === 0x40);
    assert.equal(kernel.length, 2);
    const usemaps = (profile: string) =>
      ourPrintedCalls(boot(machineFromLog(log), { profile, others: replayedOthers(log) }).memblock).filter(
        (c) => c.caller === 'sparse_init_nid' && c.align === 0x40,
      );
    const ours = usemaps('7.1');
    assert.deepEqual(
      ours.map((c) => [c.size, c.nid, c.from, c.maxAddr]),
      kernel.map((c) => [c.call.size, c.call.nid, 0, 0]),
    );
    assert.deepEqual(
      kernel.map((c) => c.call.from),
      [0, 0],
    );
    // The series as posted asks for the section of the node's pg_data_t first.
    assert.ok(usemaps('hvo-v7').every((c) => (c.from ?? 0) > 0));
  });

  test('a gigantic page cut by movablecore= goes back to Normal and Movable each its own part (n24, n12)', () => {
    for (const name of ['n24-movable-cuts-1g-nohvo.txt', 'n12-2node-movable-1g.txt']) {
      const normal = missed(name, '7.1', /Normal managed/);
      assert.deepEqual(normal, [], `${name}: ${JSON.stringify(normal)}`);
    }
    // The series as posted has the same hugetlb_bootmem_free_invalid_page() (6.15 on): each part to its own zone.
    assert.deepEqual(missed('n24-movable-cuts-1g-nohvo.txt', 'hvo-v7', /Normal managed/), []);
  });

  test('the 7.1 profile says which real kernel it was held to', () => {
    assert.match(validatedAgainst(getProfile('7.1')!) ?? '', /linux-binary-7\.1\.13\+deb13-cloud-amd64.*test\/fixtures\/linux-7\.1/);
  });

  // Every fixture with the 7.1 profile: every memblock call and every observable matches.
  for (const name of readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    test(`${name} replays in full with 7.1`, () => {
      const r = replayFixture(load(name), '7.1');
      assert.equal(r.memblock.matched, r.memblock.total, `${name}: memblock ${r.memblock.matched}/${r.memblock.total}`);
      assert.ok(r.observables.total > 0);
      assert.deepEqual(r.mismatches, []);
    });
  }
});
