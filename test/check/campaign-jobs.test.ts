// check --jobs N: the cases shared out over worker threads give the report --jobs 1 gives for the
// same seed (the seconds aside), whatever the threads' speeds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { runCampaign } from '../../src/check/campaign.js';
import { runCampaignJobs } from '../../src/check/campaign-jobs.js';

const ROOT = new URL('../..', import.meta.url);
const withoutSeconds = (r: object) => JSON.stringify({ ...r, seconds: 0 });

describe('check --jobs', () => {
  test('the findings, deaths and counts of 3 threads are those of one, for campaigns with and without faults', async () => {
    for (const [seed, faults] of [
      [3, true],
      [5, false],
    ] as const) {
      const o = { profile: 'hvo-v7' as const, runs: 40, seed, faults };
      const one = runCampaign(o);
      let seen = 0;
      const three = await runCampaignJobs({ ...o, jobs: 3, onProgress: (done) => (seen = Math.max(seen, done)) });
      assert.equal(withoutSeconds(three), withoutSeconds(one));
      assert.equal(seen, 40);
      assert.ok(one.findings.length + one.panics.length > 0, 'the campaign found something to compare');
    }
  });

  test('the bundled CLI: the same report bytes at --jobs 1 and --jobs 2; a bad --jobs is one line and status 2', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/hvosim.js', 'check', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const text = (j: string) => run('--runs', '30', '--seed', '7', '--faults', '--jobs', j).stdout.replace(/\(\d+\.\d s\)/, '');
    assert.equal(text('2'), text('1'));
    const bad = run('--jobs', '0');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /--jobs/);
  });
});
