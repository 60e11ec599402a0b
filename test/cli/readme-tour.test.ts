// The README's "A short tour" works as written: every command there runs (exit 0, or 1 for the
// findings the tour shows on purpose), with no error line. FILE is a fixture, my-box.json the
// README's own machine file; conformance (QEMU), serve (runs until stopped), the 1,000-run
// campaign and the 64 TiB pictures are left to their own tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'shell-quote';
import { read, ROOT } from '../helpers.js';

const readme = read(join(ROOT, 'README.md'));
const tour = readme.slice(readme.indexOf('## A short tour'));
const block = tour.slice(tour.indexOf('```sh') + 5, tour.indexOf('```', tour.indexOf('```sh') + 5)).replace(/\\\n/g, ' ');
const commands = block
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.startsWith('hvosim '))
  .map((l) => parse(l.replace(/\s+#.*$/, '')).map((x) => (typeof x === 'string' ? x : 'pattern' in x ? x.pattern : String(x))));
const machineJson = /## Machine files\n\n```json\n([\s\S]*?)```/.exec(readme)![1]!;
const tmp = mkdtempSync(join(tmpdir(), 'hvosim-tour-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
writeFileSync(join(tmp, 'my-box.json'), machineJson);
const SKIP = /^(conformance|serve|check)$/;

/** What the shell would make of an argument: globs expanded, placeholders filled in. */
function expand(a: string): string[] {
  if (a === 'FILE') return [join(ROOT, 'test/fixtures/linux-6.1/n02-3node-1g3.txt')];
  if (a === 'my-box.json') return [join(tmp, 'my-box.json')];
  if (a.includes('*')) {
    const dir = join(ROOT, dirname(a));
    const re = new RegExp(`^${basename(a).replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
    // The first few files the glob matches: each command is what is tested, not every fixture again.
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => re.test(n))
          .sort()
          .slice(0, 3)
          .map((n) => join(dir, n))
      : [];
  }
  return [a.startsWith('../') || a.startsWith('test/') ? join(ROOT, a) : a];
}

test('the tour has its commands', () => assert.ok(commands.length >= 15, `${commands.length} commands`));
for (const c of commands) {
  const sub = c[1] ?? '';
  const heavy = SKIP.test(sub) || c.includes('64t');
  const args = c.slice(1).flatMap(expand);
  test(c.join(' '), { skip: heavy ? 'left to its own tests' : false }, () => {
    assert.equal(args.length >= c.length - 1, true, `every file the command names is in the checkout: ${c.join(' ')}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /^hvosim: /m, r.stderr);
    assert.ok(r.stdout.length > 0);
  });
}
