// The kernel command line as the 6.1 kernel splits it (next_arg(), parse_args(), COMMAND_LINE_SIZE)
// and the numbers of hugepages= as its vsscanf("%lu%n") reads them. The fixtures n18 and n19 hold
// the same to real boots; these pin the cases one by one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { COMMAND_LINE_SIZE, cmdlineWords, keptCommandLine, parseArgs, sscanfLu } from '../../src/kernel/params.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { hugepagesByNode } from '../../src/report/proc.js';
import { GiB } from '../../src/util/units.js';

function run(cmdline: string) {
  const m = q35Machine({ nodeSizes: [2 * GiB, 2 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline }, 'test');
  return boot(m, { profile: '6.1', others: estimatedOthers });
}
const hugetlbLines = (s: ReturnType<typeof run>) => s.dmesg.filter((l) => l.startsWith('HugeTLB: '));

describe('next_arg(): words, quotes, --', () => {
  test('a quoted value loses its quotes, spaces inside quotes stay in the word', () => {
    assert.deepEqual(parseArgs('a="x y" b'), [
      { param: 'a', val: 'x y' },
      { param: 'b', val: null },
    ]);
  });
  test('a word quoted whole loses its quotes too', () => {
    assert.deepEqual(parseArgs('"hugetlb_free_vmemmap=on"'), [{ param: 'hugetlb_free_vmemmap', val: 'on' }]);
    assert.deepEqual(parseArgs('"a b"'), [{ param: 'a b', val: null }]);
  });
  test('an unclosed quote takes the rest of the line into one value', () => {
    assert.deepEqual(parseArgs('x="unclosed hugepagesz=1G hugepages=1'), [{ param: 'x', val: 'unclosed hugepagesz=1G hugepages=1' }]);
  });
  test('a quote inside a value that does not end the word stays', () => {
    assert.deepEqual(parseArgs('a="7"x'), [{ param: 'a', val: '7"x' }]);
  });
  test('an = in the first place does not split the word; the next one does', () => {
    assert.deepEqual(parseArgs('=a=b'), [{ param: '=a', val: 'b' }]);
  });
  test('everything after a lone -- goes to init, not to parameters', () => {
    assert.deepEqual(cmdlineWords('hugepages=2 -- hugepages=5'), ['hugepages=2']);
    assert.deepEqual(cmdlineWords('--=1 x'), ['__=1', 'x']);
  });
  test("names are compared with '-' and '_' alike (parameq)", () => {
    assert.deepEqual(cmdlineWords('default-hugepagesz=1G'), ['default_hugepagesz=1G']);
  });
  test("tabs, newlines and the kernel's other spaces separate words", () => {
    assert.deepEqual(cmdlineWords(' a\tb\nc\r\fd\ve '), ['a', 'b', 'c', 'd', 'e']);
  });
  test(`a line over COMMAND_LINE_SIZE (${COMMAND_LINE_SIZE}) keeps its first ${COMMAND_LINE_SIZE - 1} bytes`, () => {
    const pad = 'p='.padEnd(COMMAND_LINE_SIZE - 1 - 'hugepages=3 '.length, 'x');
    const line = `hugepages=3 ${pad} hugepages=9`;
    assert.equal(keptCommandLine(line).length, COMMAND_LINE_SIZE - 1);
    assert.deepEqual(cmdlineWords(line), ['hugepages=3', pad]);
    // Bytes, not characters: a two-byte character is cut in half, its first byte shown as U+FFFD.
    assert.equal(keptCommandLine('é'.repeat(2000)), `${'é'.repeat(1023)}\ufffd`);
  });
  test(
    `a line of ${COMMAND_LINE_SIZE} bytes or more stops the boot in setup_command_line() (real 6.1: a fortify panic); ` +
      `${COMMAND_LINE_SIZE - 1} boots`,
    () => {
      const line = (n: number) => 'hugepagesz=2M hugepages=3 p='.padEnd(n, 'p');
      const dead = run(line(COMMAND_LINE_SIZE));
      assert.ok(dead.panic);
      assert.ok(dead.dmesg.includes('detected buffer overflow in __fortify_strlen'));
      assert.ok(dead.dmesg.includes('kernel BUG at lib/string_helpers.c:1027!'));
      const alive = run(line(COMMAND_LINE_SIZE - 1));
      assert.equal(alive.panic, null);
      const hp = hugepagesByNode(alive);
      assert.equal(hp.node0!['2048kB']! + hp.node1!['2048kB']!, 3);
    },
  );
  test('law: without quotes and --, the words are the whitespace-separated words', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9=:,._]{1,12}$/), { maxLength: 30 }),
        fc.array(fc.constantFrom(' ', '\t', '  ', '\n'), { minLength: 30, maxLength: 30 }),
        (words, seps) => {
          const line = words.map((w, i) => w + seps[i]).join('');
          const expect = line
            .split(/\s+/)
            .filter(Boolean)
            .map((w) => {
              const eq = w.indexOf('=', 1);
              return eq < 0 ? w : w.slice(0, eq) + w.slice(eq);
            });
          assert.deepEqual(cmdlineWords(line), expect);
        },
      ),
    );
  });
  test('law: any line splits without throwing, and quotes only ever join words, never split them', () => {
    const spaces = new Set([9, 10, 11, 12, 13, 32, 0xa0]);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '=', '"', ' ', '\t', '-', 'é', '\u00a0', '0'), maxLength: 300 }), (line) => {
        const words = parseArgs(line);
        let chunks = 0;
        let inWord = false;
        for (const b of new TextEncoder().encode(keptCommandLine(line).replace(/\ufffd$/, ''))) {
          if (spaces.has(b)) inWord = false;
          else if (!inWord) [inWord, chunks] = [true, chunks + 1];
        }
        assert.ok(words.length <= chunks, `${words.length} words from ${chunks} chunks`);
      }),
    );
  });
});

describe('hugepages= numbers as vsscanf("%lu%n") reads them', () => {
  test('no sign for an unsigned conversion: -5 and +2 are invalid', () => {
    assert.equal(sscanfLu('-5'), null);
    assert.equal(sscanfLu('+2'), null);
    assert.deepEqual(sscanfLu(' 12x'), { value: 12, count: 3 });
  });
  test('numbers past 2^64 wrap as simple_strntoull() does', () => {
    assert.equal(sscanfLu('18446744073709551617')!.value, 1);
  });
  test("hugepages=-5, +2 and 0:-1 are refused with the kernel's words; a quoted count counts", () => {
    const s = run('hugepages=-5 hugepages=+2 hugepagesz=1G hugepages=0:-1 hugepagesz=2M hugepages="7"');
    assert.deepEqual(hugetlbLines(s).slice(0, 3), [
      'HugeTLB: Invalid hugepages parameter -5',
      'HugeTLB: Invalid hugepages parameter +2',
      'HugeTLB: Invalid hugepages parameter -1',
    ]);
    const hp = hugepagesByNode(s);
    assert.equal(hp.node0!['2048kB']! + hp.node1!['2048kB']!, 7);
    assert.equal(hp.node0!['1048576kB']! + hp.node1!['1048576kB']!, 0);
  });
  test('trailing junk after a plain count is ignored (only a per-node list must parse whole)', () => {
    const s = run('hugepagesz=1G hugepages=1junk');
    const hp = hugepagesByNode(s);
    assert.equal(hp.node0!['1048576kB']! + hp.node1!['1048576kB']!, 1);
  });
});
