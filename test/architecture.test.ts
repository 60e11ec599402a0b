// The project's map holds: folders in layers that only point down (type imports counted),
// no value imports going round in a circle, kernel generations named only in src/profiles,
// page-size numbers only in the architecture's facts, and nothing outside the checkout.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { PROFILE_NAMES } from '../src/profiles/index.js';

const SRC = 'src';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Each file's imports of other source files: all of them, or only those that exist at run time (`import type` is erased). */
function imports(files: string[], withTypes = false): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const re = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?from\s+)?'(\.[^']+)';/gm;
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      if (m[1] && !withTypes) continue;
      deps.push(normalize(join(dirname(f), m[2]!.replace(/\.js$/, '.ts'))));
    }
    g.set(normalize(f), deps);
  }
  return g;
}

/**
 * The layers, lowest first (docs/ARCHITECTURE.md says why): a file may import its own folder and the
 * folders below it, never one above. src/simulator.ts is a layer of its own; web/ is the top.
 */
const LAYERS = [
  'util',
  'asm',
  'machine',
  'kernel',
  'arch',
  'profiles',
  'sim',
  'model',
  'simulator',
  'report',
  'trace',
  'check',
  'conformance',
  'cli',
  'web',
];

/** The layer of a source file: its folder under src/ (or src/simulator.ts itself, or web/). */
function layerOf(file: string): string {
  const parts = relative('.', file).split(/[\\/]/);
  if (parts[0] === 'web') return 'web';
  return parts.length === 2 ? parts[1]!.replace(/\.ts$/, '') : parts[1]!;
}

/** Every import that points up the layers (or into a folder no layer names), as "from -> to". */
function upwardImports(g: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [f, deps] of g) {
    const a = LAYERS.indexOf(layerOf(f));
    for (const d of deps) {
      const b = LAYERS.indexOf(layerOf(d));
      if (a < 0 || b < 0 || b > a) out.push(`${f} -> ${d}`);
    }
  }
  return out;
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

  it('has folders in layers that only point down, type imports counted', () => {
    assert.deepEqual(upwardImports(imports([...files, ...tsFiles('web')], true)), []);
  });

  it('finds an import that points up (the check itself)', () => {
    const g = new Map([[join('src', 'kernel', 'boot.ts'), [join('src', 'profiles', 'index.ts'), join('src', 'util', 'units.ts')]]]);
    assert.deepEqual(upwardImports(g), [`${join('src', 'kernel', 'boot.ts')} -> ${join('src', 'profiles', 'index.ts')}`]);
  });

  it('names every source folder in a layer', () => {
    const folders = new Set(files.map(layerOf));
    assert.deepEqual(
      [...folders].filter((f) => !LAYERS.includes(f)),
      [],
    );
  });

  it('has no import cycles among source files (type-only imports aside)', () => {
    assert.deepEqual(cycles(imports(files)), []);
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
    const alt = PROFILE_NAMES.map((n) => n.replace(/[.-]/g, (c) => `\\${c}`)).join('|');
    const names = new RegExp(`(?:===|!==)\\s*'(?:${alt})'|'(?:${alt})'\\s*(?:===|!==)`);
    assert.ok(names.test("if (p === '7.1')") && names.test("'hvo-v7' !== q") && !names.test("p === '7.10'"), 'the pattern itself');
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
    const inner = /from '(?:\.\.\/)+(?:src\/)?(?:kernel|asm|arch|sim|model|profiles)\//;
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
