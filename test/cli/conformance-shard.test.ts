// hvosim conformance --shard and conformance merge through the command line: the merged report prints as the one
// run does, and bad input is one line with exit status 2.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertInputError, hvosim, ROOT } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-shard-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('conformance --shard, conformance merge', () => {
  const logs = join(tmp, 'logs');
  mkdirSync(logs);
  for (const n of ['n01-1node-1g-2m', 'n07-default1g-odd', 'n22-nopdpe1gb'])
    copyFileSync(join(ROOT, 'test/fixtures/linux-7.3', `${n}.txt`), join(logs, `${n}.txt`));
  const run = (...a: string[]) => hvosim('conformance', '--kernel', '7.3', '--from-logs', logs, ...a);
  test('two shards merged print the one run’s report, text and --json, with its exit status', () => {
    const whole = run('--out', join(tmp, 'whole'));
    const s0 = run('--out', join(tmp, 's0'), '--shard', '0/2');
    const s1 = run('--out', join(tmp, 's1'), '--shard', '1/2', '--json');
    for (const r of [whole, s0, s1]) assert.ok(r.code === 0 || r.code === 1, r.err);
    assert.match(s0.out, /^hvosim conformance: shard 0\/2: 2 of 3 logs from /);
    assert.deepEqual(JSON.parse(s1.out).shard, { k: 1, n: 2 });
    const merged = hvosim('conformance', 'merge', join(tmp, 's1'), join(tmp, 's0'));
    assert.equal(merged.code, whole.code, merged.err);
    const body = (t: string) => t.split('\n').filter((l) => !/^(hvosim conformance:|merged from|Logs:)/.test(l));
    assert.deepEqual(body(merged.out), body(whole.out));
    assert.match(merged.out, /\nmerged from 2 shards: .*s1 .*s0\n/);
    const json = (r: ReturnType<typeof hvosim>) => {
      const { seconds: _s, mergedFrom: _m, ...rest } = JSON.parse(r.out);
      return rest;
    };
    assert.deepEqual(
      json(hvosim('conformance', 'merge', '--json', join(tmp, 's0'), join(tmp, 's1'))),
      json(run('--out', join(tmp, 'w2'), '--json')),
    );
  });
  test('bad input: one line naming what, exit 2', () => {
    assertInputError(run('--out', join(tmp, 'x'), '--shard', '2/2'), /^hvosim: --shard: "2\/2" is not a shard: K\/N with 0 <= K < N/);
    assertInputError(hvosim('conformance', '--cases', '3', '--shard', '0/4'), /--shard: 4 shards of 3 cases: some would have none/);
    assertInputError(hvosim('conformance', 'merge', join(tmp, 's0')), /merge: shard 1\/2 missing \(given: 0\/2\)/);
    assertInputError(hvosim('conformance', 'merge', logs), /logs: no report\.json: not the --out of a finished conformance run/);
  });
});
