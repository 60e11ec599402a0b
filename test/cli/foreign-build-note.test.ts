// boot --from-dmesg of a build that is not the profile's Debian one, without --config: its options are Debian's,
// and that is said (found by the hostile try: 7.3-nodes10-hvo-on k04 came out 48 MB high without a word).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers.js';

const boot = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), 'boot', '--no-plan', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });

test("a custom build's log says its options are the Debian build's unless --config; Debian's own log and --config say nothing", () => {
  const dir = join(ROOT, 'test/fixtures/custom/7.3-nodes10-hvo-on');
  const log = join(dir, 'k04-4node-mixed-default.txt');
  const NOTE =
    /The log's kernel \(7\.3\.4-hvosim-nodes10-hvo-on\) is not linux-binary-7\.3\.4\+deb13-cloud-amd64: its configuration options/;
  assert.match(boot('--from-dmesg', log).stdout, NOTE);
  assert.doesNotMatch(boot('--from-dmesg', log, '--config', join(dir, 'config')).stdout, NOTE);
  assert.doesNotMatch(boot('--from-dmesg', join(ROOT, 'test/fixtures/linux-7.3/n01-1node-1g-2m.txt')).stdout, /The log's kernel/);
});
