// The line limit the formatter cannot keep on its own: no line of source, test, script,
// bench or web code over 160 characters (long strings and comments included). Run by `npm run lint`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT = 160;
const ROOTS = ['src', 'test', 'scripts', 'bench', 'web', 'bin'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (p === join('test', 'fixtures')) return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|js)$/.test(n) ? [p] : [];
  });
}

const over: string[] = [];
for (const f of ROOTS.flatMap(files)) {
  readFileSync(f, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      if (l.length > LIMIT) over.push(`${f}:${i + 1}: ${l.length} characters`);
    });
}
if (over.length) {
  console.error(`${over.length} lines over ${LIMIT} characters:\n${over.join('\n')}`);
  process.exit(1);
}
