// What hvosim says about a command line beyond what the kernel prints: words split as the
// kernel splits them, an unclosed quote, a line too long for COMMAND_LINE_SIZE.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cmdlineNotes, cmdlineWarnings } from '../../src/report/cmdline.js';

describe('command-line notes', () => {
  test('quoted words are read as the kernel reads them; dashed names are the parameter', () => {
    const n = cmdlineNotes('"hugepagesize=1G" default-hugepagesz=1G x="a b"');
    assert.deepEqual(n.suspicious, [{ word: 'hugepagesize=1G', meant: 'hugepagesz' }]);
    assert.deepEqual(n.ignored, ['x=a b']);
  });
  test('an unclosed quote is named with the word that swallowed the rest', () => {
    assert.deepEqual(cmdlineWarnings('hugepages=3 x="open hugepagesz=1G hugepages=1'), [
      'an unclosed double quote: the kernel reads the rest of the line as one word ("x=open hugepagesz=1G hugepages=1"), so no parameter in it is seen',
    ]);
    assert.deepEqual(cmdlineWarnings('x="closed" y'), []);
  });
  test('a line of 2048 bytes or more is said to stop the boot; 2047 is fine', () => {
    assert.match(cmdlineWarnings('p='.padEnd(2048, 'x'))[0]!, /^the command line is 2048 bytes, more than the 2047 the kernel takes/);
    assert.deepEqual(cmdlineWarnings('p='.padEnd(2047, 'x')), []);
  });
});

describe('parameters the kernel reads at boot that hvosim does not model', () => {
  test('mem=, memmap=, crashkernel=, cma=, numa=fake= are said, not dropped without a word', () => {
    // (swiotlb= and hugetlb_cma= are modelled: test/kernel/swiotlb.test.ts, test/kernel/hugetlb-cma.test.ts.)
    const w = cmdlineWarnings('mem=2G memmap=1G$4G crashkernel=512M cma=64M numa=fake=4 numa=noacpi swiotlb=65536 console=ttyS0');
    assert.equal(w.length, 6);
    assert.match(
      w[0]!,
      /^"mem=2G": the kernel reads it at boot \(.*\); hvosim does not model it: these answers are for the boot without it$/,
    );
    for (const [i, word] of ['memmap=1G$4G', 'crashkernel=512M', 'cma=64M', 'numa=fake=4', 'numa=noacpi'].entries())
      assert.ok(w[i + 1]!.startsWith(`"${word}": the kernel reads it at boot`), w[i + 1]);
    const n = cmdlineNotes('mem=2G console=ttyS0 numa=off');
    assert.deepEqual(n.ignored, ['console=ttyS0']);
    assert.deepEqual(n.notModelled, [{ word: 'mem=2G', what: 'it limits the memory the kernel uses to that size' }]);
  });
  test('numa=off, the modelled words and unknown words stay quiet', () => {
    assert.deepEqual(cmdlineWarnings('numa=off hugepagesz=1G hugepages=2 movablecore=1G console=ttyS0 quiet constructor=1 toString'), []);
  });
});
