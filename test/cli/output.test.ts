// The CLI's own table layout, held to cli-table3's (the library it replaced on the start-up path)
// with the options hvosim used: no borders, two spaces between columns, numbers right-aligned.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import Table from 'cli-table3';
import { table } from '../../src/cli/output.js';

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};
const NUMERIC = /^[-+~]?[\d,.]+( ?[KMGTP]?i?B| kB| pages| ms| s)?%?$/;

/** The layout as cli-table3 made it (the code table() had before). */
function viaCliTable3(rows: string[][]): string {
  const [head = [], ...body] = rows;
  const plain = (c: string) => c.replace(/\x1b\[[0-9;]*m/g, '');
  const aligns = head.map((_, i) =>
    body.length && body.every((r) => r[i] === undefined || r[i] === '' || NUMERIC.test(plain(r[i]!))) ? 'right' : 'left',
  );
  const t = new Table({
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: aligns as ('left' | 'right')[],
  });
  t.push(
    head.map((h, i) => ({ content: h, hAlign: aligns[i] as 'left' | 'right' })),
    ...body,
  );
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

const word = fc.stringMatching(/^[a-zA-Z_:.()[\]/-]{1,12}$/);
const number = fc.oneof(
  fc.nat().map(String),
  fc.tuple(fc.nat(4096), fc.constantFrom(' GiB', ' MiB', ' kB', ' pages', ' ms', '%', '')).map(([n, u]) => `${n}${u}`),
);
const cell = fc.oneof(
  word,
  number,
  fc.constant(''),
  fc.tuple(word, fc.constantFrom('1', '33', '1;31', '32')).map(([w, c]) => `\x1b[${c}m${w}\x1b[0m`),
  fc.tuple(word, word).map(([a, b]) => `${a} ${b}`),
);

describe('table()', () => {
  test('lays out any table of words, numbers, sizes and coloured cells as cli-table3 did', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((cols) => fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 6 })),
        (rows) => assert.equal(table(rows), viaCliTable3(rows)),
      ),
      { numRuns: 500 },
    );
  });

  test('a column of numbers under a header is right-aligned, header too', () => {
    assert.equal(
      table([
        ['node', 'pages'],
        ['node0', '4063'],
        ['node10', '12'],
      ]),
      'node    pages\nnode0    4063\nnode10     12',
    );
  });
});
