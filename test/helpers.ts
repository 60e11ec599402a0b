// Shared test helpers: where the real-kernel fixtures are.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..');
/** The project's own recorded boots of Debian's 6.1 kernel. */
export const PROJECT_FIXTURES = join(ROOT, 'test/fixtures/linux-6.1');
/** The shared fixtures (../shared beside the checkout). */
export const SHARED_FIXTURES = join(ROOT, '../shared/fixtures/linux-6.1');

export function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const dir of [SHARED_FIXTURES, PROJECT_FIXTURES]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    out.push(...names.filter((n) => n.endsWith('.txt')).sort().map((n) => join(dir, n)));
  }
  return out;
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}
