// Whole-number options are read exactly: a value we cannot hold is refused with one line and exit 2,
// never cut to 32 bits or rounded to a neighbouring double.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseWhole } from '../../src/util/integers.js';
import { parseFaults } from '../../src/check/faults.js';
import { InputError } from '../../src/util/errors.js';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function refused(args: string[], re: RegExp): void {
  const r = hvosim(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one error line: ${r.err}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.err, /\n\s+at /);
}

describe('parseWhole', () => {
  test('any whole number in range reads back exactly; one past either end, or beyond a double, is refused', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), (n, max) => {
        const got = parseWhole(String(n), 0, Number(max));
        if (n <= max) assert.equal(got, Number(n));
        else assert.equal(got, null);
      }),
    );
    assert.equal(parseWhole('9007199254740993', 0), null);
    assert.equal(parseWhole('9007199254740991', 0), Number.MAX_SAFE_INTEGER);
    for (const bad of ['', '-1', '1.0', '1e3', '0x10', ' 1', '+1']) assert.equal(parseWhole(bad, 0), null, bad);
  });
  test('--fault numbers too', () => {
    assert.deepEqual(parseFaults(['nth=9007199254740991'])?.nth, [Number.MAX_SAFE_INTEGER]);
    assert.throws(() => parseFaults(['nth=9007199254740993']), InputError);
    assert.throws(() => parseFaults(['node=99999999999999999999']), InputError);
  });
});

describe('whole-number options of every command', () => {
  test('check --seed: 32 bits, as the generator takes them (2^32 + 1 would be seed 1 again)', () => {
    refused(['check', '--seed', '4294967297'], /^hvosim: --seed: "4294967297" is not a seed: a whole number from 0 to 4294967295/);
    refused(['check', '--seed', '9007199254740993'], /^hvosim: --seed: "9007199254740993" is not a seed/);
    refused(['conformance', '--seed', '4294967296'], /^hvosim: --seed: "4294967296" is not a seed/);
    const r = hvosim('check', '--kernel', '6.1', '--runs', '1', '--seed', '4294967295', '--json');
    assert.ok(r.code === 0 || r.code === 1, r.err);
    assert.equal(JSON.parse(r.out).seed, 4294967295);
  });
  test('counts: --runs, --cases, --jobs, --timeout, --nr-hugepages, --port, --fault', () => {
    refused(['check', '--runs', '99999999999999999999'], /^hvosim: --runs: "99999999999999999999" is not a number of cases/);
    refused(['conformance', '--cases', '1000001'], /^hvosim: --cases: "1000001" is not a number of cases/);
    refused(['conformance', '--jobs', '0'], /^hvosim: --jobs: "0" is not a number of QEMUs at a time/);
    // Node's timers fire at once beyond 2^31 - 1 ms: a longer timeout would have counted every boot as hung.
    refused(
      ['conformance', '--timeout', '2147484'],
      /^hvosim: --timeout: "2147484" is not a number of seconds: a whole number from 1 to 2147483/,
    );
    refused(['boot', '--nr-hugepages', '99999999999999999999'], /^hvosim: --nr-hugepages: "99999999999999999999" is not a page count/);
    refused(['serve', '--port', '99999999999999999999'], /^hvosim: --port: "99999999999999999999" is not a TCP port/);
    refused(
      ['boot', '--fault', 'nth=99999999999999999999'],
      /^hvosim: --fault: "99999999999999999999" in "nth=99999999999999999999" is not a positive/,
    );
  });
});
