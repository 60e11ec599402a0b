// Shared test helpers: where the real-kernel fixtures are, and the built command line as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..');
/** The recorded boots of Debian's 6.1 kernel (the p* cases of the first campaign, the n* and v* of later ones). */
export const PROJECT_FIXTURES = join(ROOT, 'test/fixtures/linux-6.1');

export function fixtureFiles(): string[] {
  return readdirSync(PROJECT_FIXTURES)
    .filter((n) => n.endsWith('.txt'))
    .sort()
    .map((n) => join(PROJECT_FIXTURES, n));
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The built CLI (bin/hvosim.js, after `npm run pretest`) with these arguments, without colour. */
export function hvosim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Bad input: exit status 2, one error line matching `re`, and no stack trace. */
export function assertInputError(r: ReturnType<typeof hvosim>, re: RegExp): void {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got: ${r.err}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
}
