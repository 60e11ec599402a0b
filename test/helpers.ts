// Shared test helpers: where the real-kernel fixtures are.
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
