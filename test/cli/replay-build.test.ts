// replay --build: a build description (hvosim build --json) replays the build's logs, as conformance's saved
// reproducers say ("hvosim replay --kernel 7.3 --build FILE LOG"); before, replay refused the option.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers.js';

const hvosim = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('replay --build: the custom 7.3 build learnt from k01 replays its other boots in full; with --config too is refused', () => {
  const dir = join(ROOT, 'test/fixtures/custom/7.3-min');
  const b = hvosim(
    'build',
    '--kernel',
    '7.3',
    '--config',
    join(dir, 'config'),
    '--from-dmesg',
    join(dir, 'k01-1node-2m-hvo.txt'),
    '--json',
  );
  assert.equal(b.status, 0, b.stderr);
  const file = join(mkdtempSync(join(tmpdir(), 'hvosim-replay-build-')), 'b.json');
  writeFileSync(file, b.stdout);
  const logs = readdirSync(dir)
    .filter((f) => /^k0[2-6].*\.txt$/.test(f))
    .map((f) => join(dir, f));
  const r = hvosim('replay', '--kernel', '7.3', '--build', file, '--json', ...logs);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { observables: { total: number; matched: number } }[];
  assert.equal(out.length, logs.length);
  for (const x of out) assert.equal(x.observables.matched, x.observables.total);
  const both = hvosim('replay', '--build', file, '--config', join(dir, 'config'), logs[0]!);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /give --build or --config, not both/);
});
