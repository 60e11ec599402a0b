// The project's map holds: no value imports going round in a circle, kernel
// generations named only in src/profiles, page-size numbers only in the arch facts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = 'src';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Each file's imports of other source files that exist at run time (`import type` is erased). */
function valueImports(files: string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const re = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?from\s+)?'(\.[^']+)';/gm;
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      if (m[1]) continue;
      deps.push(normalize(join(dirname(f), m[2]!.replace(/\.js$/, '.ts'))));
    }
    g.set(normalize(f), deps);
  }
  return g;
}

/** The strongly connected components with more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string) => {
    index.set(v, i);
    low.set(v, i++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        on.delete(w);
        c.push(w);
        if (w === v) break;
      }
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('the architecture', () => {
  const files = tsFiles(SRC);

  it('has no import cycles among source files (type-only imports aside)', () => {
    assert.deepEqual(cycles(valueImports(files)), []);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
  });

  it('compares kernel generations by name only in src/profiles (everything else reads features)', () => {
    const names =
      /(?:===|!==)\s*'(?:6\.1|6\.12|6\.15|6\.16|7\.0|7\.1|7\.3|hvo-v7)'|'(?:6\.1|6\.12|6\.15|6\.16|7\.0|7\.1|7\.3|hvo-v7)'\s*(?:===|!==)/;
    const offenders = files.filter((f) => !relative(SRC, f).startsWith('profiles') && names.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('has the outer layers reach the simulator through src/simulator.ts only', () => {
    const outer = [
      ...files.filter(
        (f) => /^(cli|report|check|conformance)\//.test(relative(SRC, f)) || relative(SRC, f) === join('trace', 'observe.ts'),
      ),
      ...tsFiles('web'),
    ];
    const inner = /from '(?:\.\.\/)+(?:src\/)?(?:kernel|arch|sim|model|profiles)\//;
    assert.deepEqual(
      outer.filter((f) => inner.test(readFileSync(f, 'utf8'))),
      [],
    );
  });

  it('keeps the fitted models out of the kernel mirror: src/model reads src/kernel, never the other way', () => {
    const offenders = files.filter(
      (f) => relative(SRC, f).startsWith('kernel') && /from '(?:\.\.\/)+model\//.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });

  it('keeps the base page size in the architecture facts (no literal 4096 in the kernel files)', () => {
    const offenders = files.filter((f) => relative(SRC, f).startsWith('kernel') && /\b4096\b/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});

describe('a repository that stands alone', () => {
  it('names no path outside the checkout (the team folder ../shared) in src, test, scripts, bench, web, docs or the README', () => {
    const roots = ['src', 'test', 'scripts', 'bench', 'web', 'docs'];
    const all = (d: string): string[] =>
      readdirSync(d).flatMap((n) => {
        const p = join(d, n);
        if (p === join('test', 'fixtures')) return [];
        return statSync(p).isDirectory() ? all(p) : /\.(ts|js|md|sh|json|list|txt|py)$/.test(n) ? [p] : [];
      });
    const files = [...roots.flatMap(all), 'README.md', 'package.json', join('.ci', 'run')];
    const outside = /\.\.\/shared\b|\bshared\/(?:fixtures|oracle|seed|DESIGN)/;
    assert.deepEqual(
      files.filter((f) => f !== join('test', 'architecture.test.ts') && outside.test(readFileSync(f, 'utf8'))),
      [],
    );
  });
});
