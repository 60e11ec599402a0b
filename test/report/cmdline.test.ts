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
