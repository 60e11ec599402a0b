// hvosim diff: a boot that died is said first and is a finding; the words add up to the tables.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffBoots } from '../../src/check/diff.js';
import { parseFaults } from '../../src/check/faults.js';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { PROFILE_NAMES as PROFILES } from '../../src/profiles/index.js';
import { PRESETS } from '../../src/machine/presets.js';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The first nth= fault that kills the boot of `dies` and not the boot of `lives` (default machine). */
function faultKillingOnly(dies: string, lives: string): string {
  const m = PRESETS.default!.build();
  for (let n = 1; n < 200; n++) {
    const faults = parseFaults([`nth=${n}`]);
    const a = boot(m, { profile: dies, others: estimatedOthers, faults });
    const b = boot(m, { profile: lives, others: estimatedOthers, faults });
    if (a.panic && !b.panic) return `nth=${n}`;
  }
  throw new Error(`no single fault kills ${dies} and not ${lives}`);
}

describe('hvosim diff', () => {
  test("one side's boot died: said first, before any table, and exit 1 (text and --json)", () => {
    const fault = faultKillingOnly('6.1', '6.15');
    const r = hvosim('diff', '--kernel', '6.1', '--kernel', '6.15', '--fault', fault);
    assert.equal(r.code, 1, r.err);
    const [first, second] = r.out.split('\n');
    assert.equal(first, 'verdict: 6.1 died; 6.15 boots');
    assert.match(second!, /^THE BOOT DIED with kernel 6\.1 after \S+: /);
    assert.ok(r.out.indexOf('THE BOOT DIED') < r.out.indexOf('Vmemmap page tables:'));
    assert.doesNotMatch(
      r.out
        .split('\n')
        .filter((l) => l.startsWith('THE BOOT DIED'))
        .join('\n'),
      /6\.15/,
    );
    const j = hvosim('diff', '--kernel', '6.1', '--kernel', '6.15', '--fault', fault, '--json');
    assert.equal(j.code, 1, j.err);
    const o = JSON.parse(j.out);
    assert.equal(Object.keys(o)[0], 'verdict');
    assert.equal(o.verdict, '6.1 died; 6.15 boots');
    assert.equal(o.died.length, 1);
    assert.ok(o.a.died && !o.b.died);
    assert.equal(o.a.verdict, 'died');
    assert.match(o.summary[0], /^THE BOOT DIED with kernel 6\.1/);
  });
  test('the same fault on the other order: the dead side is named (6.15 lives, listed second)', () => {
    const fault = faultKillingOnly('6.1', '6.15');
    const r = hvosim('diff', '--kernel', '6.15', '--kernel', '6.1', '--fault', fault);
    assert.equal(r.code, 1);
    assert.equal(r.out.split('\n')[0]!, 'verdict: 6.15 boots; 6.1 died');
    assert.match(r.out.split('\n')[1]!, /^THE BOOT DIED with kernel 6\.1 /);
  });
  test('a side predicted to run out of memory, as hvosim boot says: on the first line, exit 1 (text and --json)', () => {
    // 7.3 is at the edge with 2897 2 MiB pages on the default machine; 6.1 boots (boot --kernel says the same).
    const cmdline = 'hugepagesz=2M hugepages=2897';
    const b = hvosim('boot', '--kernel', '7.3', '--cmdline', cmdline);
    assert.equal(b.code, 1);
    const bootSays = b.out.split('\n')[0]!;
    assert.match(bootSays, /^this boot may run out of memory/);
    const r = hvosim('diff', '--kernel', '6.1', '--kernel', '7.3', '--cmdline', cmdline);
    assert.equal(r.code, 1, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'verdict: 6.1 boots; 7.3 may run out of memory after hugetlb_init()');
    assert.equal(lines[1], `kernel 7.3: ${bootSays}`);
    const j = hvosim('diff', '--kernel', '6.1', '--kernel', '7.3', '--cmdline', cmdline, '--json');
    assert.equal(j.code, 1);
    const o = JSON.parse(j.out);
    assert.equal(o.verdict, '6.1 boots; 7.3 may run out of memory after hugetlb_init()');
    assert.deepEqual([o.a.verdict, o.b.verdict], ['boots', 'may run out of memory']);
    assert.equal(o.b.death, bootSays);
    assert.equal(o.died.length, 1);
    // Both sides run out of memory: both said, exit 1.
    const both = hvosim('diff', '--kernel', '6.1', '--kernel', '7.3', '--cmdline', 'hugepages=99999999');
    assert.equal(both.code, 1);
    assert.equal(
      both.out.split('\n')[0],
      'verdict: 6.1 runs out of memory after hugetlb_init(); 7.3 runs out of memory after hugetlb_init()',
    );
  });
  test('any two profiles, in either order: exit 0, no stray spaces in the words', () => {
    for (const a of PROFILES) {
      for (const b of PROFILES) {
        if (a === b) continue;
        const r = hvosim('diff', '--kernel', a, '--kernel', b);
        assert.equal(r.code, 0, `${a} ${b}: ${r.err}`);
        assert.equal(r.out.split('\n')[0], `verdict: ${a} boots; ${b} boots`);
        assert.match(r.out, new RegExp(`^hvosim diff: .*, ${a.replace('.', '\\.')} against ${b.replace('.', '\\.')}$`, 'm'));
        const words = r.out
          .slice(r.out.indexOf('What differs:'), r.out.indexOf('Vmemmap page tables:'))
          .split('\n')
          .slice(1)
          .filter(Boolean);
        for (const l of words) {
          assert.doesNotMatch(l.slice(2), / {2}| \)|\( |\s$/, `stray space in "${l}"`);
        }
        assert.doesNotMatch(r.out, /\b1 lines\b/);
        assert.doesNotMatch(r.out, /see the tables/);
      }
    }
  });
  test('the summary adds up: pool = with HVO + without; every PTE once, own or shared; the huge pages that differ are listed', () => {
    const machines = [
      PRESETS.default!.build(),
      { ...PRESETS.default!.build(), cmdline: 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M' },
      { ...PRESETS.default!.build(), cmdline: 'hugepagesz=1G hugepages=3' },
    ];
    for (const m of machines) {
      for (const [pa, pb] of [
        ['6.1', 'hvo-v7'],
        ['6.15', 'hvo-v7'],
        ['6.1', '6.15'],
      ] as const) {
        const d = diffBoots(m, pa, pb, { others: estimatedOthers });
        for (const r of [d.a, d.b]) {
          const line = d.summary.find((l) => l.startsWith(`${r.profile}: `))!;
          const [, n, w, o] = /: (\d+) huge pages? in the pool, (\d+) with HVO and (\d+) without/.exec(line)!;
          assert.equal(Number(w) + Number(o), Number(n), line);
          const pool = Object.values(r.hugepages)
            .flatMap((bySize) => Object.values(bySize))
            .reduce((x, y) => x + y, 0);
          assert.equal(Number(n), pool, `${line} against /sys: ${JSON.stringify(r.hugepages)}`);
          assert.equal(
            r.vmemmap.ptePages + r.vmemmap.sharedPtes,
            r.vmemmap.pteTables * 512,
            `${r.profile}: every PTE of every table is own or shared`,
          );
        }
        const hpLine = d.summary.find((l) => l.startsWith('Huge pages per node and size'))!;
        const same = JSON.stringify(d.a.hugepages) === JSON.stringify(d.b.hugepages);
        assert.equal(hpLine.endsWith('the same.'), same, hpLine);
      }
    }
  });
});
