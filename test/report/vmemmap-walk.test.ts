// The vmemmap page tables walked in a real guest (the =====VMEMMAP section that
// `--walk-vmemmap` records) against ours, and what the real 7.1 kernel's tables
// show of the seed's findings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseVmemmapWalk, pteRunLines, vmemmapWalk, walkShape } from '../../src/report/vmemmap-walk.js';
import { replayedOthers } from '../../src/trace/foreign.js';
import { parseKernelLog, type KernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { parseVmstat } from '../../src/trace/proc.js';
import { read, ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test/fixtures/linux-7.1');
const load = (name: string): KernelLog => parseKernelLog(read(join(DIR, name)), join(DIR, name));
const walkOf = (log: KernelLog) => parseVmemmapWalk((log.sections.get('VMEMMAP') ?? []).map((l) => l.text));
const P = 4096;

describe("the walker's PTE runs", () => {
  test('greedy and maximal: a page of its own, then one page many times, then consecutive pages', () => {
    const ptes = [
      { phys: 0x1000, readOnly: false },
      ...Array.from({ length: 3 }, () => ({ phys: 0x9000, readOnly: true })),
      ...Array.from({ length: 2 }, () => ({ phys: 0x9000, readOnly: false })),
      null,
      ...Array.from({ length: 4 }, (_, i) => ({ phys: 0x20000 + i * P, readOnly: false })),
    ];
    assert.deepEqual(pteRunLines(5, ptes), [
      'pte 5 0 1 0x1000 1 rw',
      'pte 5 1 3 0x9000 0 ro',
      'pte 5 4 2 0x9000 0 rw',
      'pte 5 7 4 0x20000 1 rw',
    ]);
  });

  test('a lone entry has stride 1, and a change of protection ends a run', () => {
    assert.deepEqual(
      pteRunLines(0, [
        { phys: P, readOnly: false },
        { phys: 2 * P, readOnly: true },
      ]),
      ['pte 0 0 1 0x1000 1 rw', 'pte 0 1 1 0x2000 1 ro'],
    );
  });

  test('a walk the guest could not make is said, not compared', () => {
    const w = parseVmemmapWalk(['# vmemmap-walk: no symbol max_pfn in /proc/kallsyms']);
    assert.equal(w.problem, 'no symbol max_pfn in /proc/kallsyms');
    assert.equal(parseVmemmapWalk(['pmd 3 leaf 0x200000 rw', 'garbage']).problem, 'unreadable line "garbage"');
  });

  test('the shape names pages by first appearance, so where they are does not matter', () => {
    const a = { entry: 1, lines: ['pmd 1 table 0x5000', 'pte 1 0 1 0x7000 1 rw', 'pte 1 1 511 0x6000 0 ro'] };
    const b = { entry: 1, lines: ['pmd 1 table 0x15000', 'pte 1 0 1 0x17000 1 rw', 'pte 1 1 511 0x16000 0 ro'] };
    assert.equal(walkShape(a), walkShape(b));
    assert.notEqual(
      walkShape(a),
      walkShape({ entry: 1, lines: ['pmd 1 table 0x15000', 'pte 1 0 1 0x17000 1 rw', 'pte 1 1 511 0x15000 0 ro'] }),
    );
  });
});

describe("Linux 7.1's vmemmap page tables after boot (recorded with --walk-vmemmap)", () => {
  for (const name of ['v01-1node-4g-1g2-hvo.txt', 'v04-movable-cuts-1g-hvo.txt', 'v05-2node-1g-nohvo.txt', 'v06-2node-1g-hvo-kaslr.txt']) {
    test(`${name}: every PMD entry maps the same pages the same way as ours, to the physical page`, () => {
      const log = load(name);
      const real = walkOf(log);
      assert.equal(real.problem, null);
      assert.ok(real.entries.length > 10);
      const ours = vmemmapWalk(boot(machineFromLog(log), { profile: '7.1', others: replayedOthers(log) }));
      assert.deepEqual(ours, real.entries);
      const r = replayFixture(log, '7.1', { partner: null });
      assert.ok(r.byKind['vmemmap pages']!.total >= real.entries.length);
      assert.deepEqual(r.mismatches, []);
    });
  }

  test('a wrong table is found: one PTE moved is a mismatch of both kinds', () => {
    const log = load('v01-1node-4g-1g2-hvo.txt');
    const lines = log.sections.get('VMEMMAP')!;
    const i = lines.findIndex((l) => / 1 63 0x[0-9a-f]+ 0 ro$/.test(l.text));
    const broken = [...lines];
    broken[i] = { ...lines[i]!, text: lines[i]!.text.replace(' 1 63 ', ' 1 64 ') };
    const r = replayFixture({ ...log, sections: new Map([...log.sections, ['VMEMMAP', broken]]) }, '7.1', { partner: null });
    assert.deepEqual(
      r.mismatches.map((m) => m.what),
      ['vmemmap tables: PMD entry 32 (what it maps, pages named by first use)', 'vmemmap pages: PMD entry 32 (the physical pages)'],
    );
  });

  test("finding 1 on the real kernel: of a 1 GiB page's 4,095 tail PTEs only 63 are read-only, the other 4,032 write to the zone's shared tail", () => {
    const real = walkOf(load('v01-1node-4g-1g2-hvo.txt'));
    const folio = real.entries.filter((e) => e.lines[0]!.includes('table'));
    assert.equal(folio.length, 8);
    const runs = folio.flatMap((e) => e.lines.slice(1).map((l) => l.split(' ')));
    const tail = runs[1]![4];
    const count = (ro: string) => runs.filter((r) => r[4] === tail && r[5] === '0' && r[6] === ro).reduce((n, r) => n + Number(r[3]), 0);
    assert.equal(count('ro'), 63);
    assert.equal(count('rw'), 4032);
  });

  test('finding 2 on the real kernel: nr_memmap_boot_pages leaves out the shared tail page, not the heads', () => {
    for (const [name, tails] of [
      ['v01-1node-4g-1g2-hvo.txt', 1],
      ['v06-2node-1g-hvo-kaslr.txt', 1],
    ] as const) {
      const log = load(name);
      const real = walkOf(log);
      const leaves = real.entries.filter((e) => e.lines[0]!.includes('leaf')).length;
      const pte = real.entries.flatMap((e) => e.lines.slice(1).map((l) => l.split(' ')));
      const own = pte.filter((r) => r[5] === '1').reduce((n, r) => n + Number(r[3]), 0);
      const shared = new Set(pte.filter((r) => r[5] === '0').map((r) => r[4]));
      assert.equal(shared.size, tails, name);
      const counted = Number(parseVmstat(log.sections.get('VMSTAT') ?? []).get('nr_memmap_boot_pages'));
      assert.equal(counted, leaves * 512 + own, `${name}: every page mapped but the shared tails`);
    }
  });
});
