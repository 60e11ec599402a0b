// The bundled CLI loads only what the command it runs needs: main.js alone for --version, the
// boot command without the JSON machine reader (zod), the campaign generator (fast-check), the
// invariants, the pictures or the web server. Built in memory with the options npm run build uses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { CLI_BUILD } from '../../scripts/build-cli.js';

/** Source files that loading `chunk` brings in: it and what it imports statically, not dynamic imports. */
function staticInputs(meta: Metafile, chunk: string): Set<string> {
  const seen = new Set<string>();
  const inputs = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const o = meta.outputs[f]!;
    for (const i of Object.keys(o.inputs)) inputs.add(i.replace(/^.*node_modules\//, 'node_modules/'));
    for (const im of o.imports) if (!im.external && im.kind === 'import-statement') walk(im.path);
  };
  walk(chunk);
  return inputs;
}

describe('the CLI bundle', async () => {
  const r = await build({ ...CLI_BUILD, write: false, metafile: true, outdir: '/tmp/hvosim-bundle-test' });
  const meta = r.metafile!;
  const outputs = Object.keys(meta.outputs).filter((f) => f.endsWith('.js'));
  const main = outputs.find((f) => meta.outputs[f]!.entryPoint === 'src/cli/main.ts')!;
  /** The chunk main.js imports for a command (an entry of its own: esbuild makes each dynamic import one). */
  const commandChunk = (name: string) => outputs.find((f) => meta.outputs[f]!.entryPoint === `src/cli/${name}.ts`)!;

  test('main.js holds commander, main.ts and program.ts, and no command: each is imported when it runs', () => {
    const m = staticInputs(meta, main);
    assert.ok([...m].some((i) => i.startsWith('node_modules/commander/')));
    assert.deepEqual(
      [...m].filter((i) => i.startsWith('src/') && i !== 'src/cli/main.ts' && i !== 'src/cli/program.ts'),
      [],
    );
    const dynamic = meta.outputs[main]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    for (const c of ['boot', 'replay', 'diff', 'explain', 'check', 'conformance', 'machine', 'serve'])
      assert.ok(dynamic.includes(commandChunk(c)), c);
  });

  test('boot loads the simulator, and not zod, fast-check, the invariants, the SVG pictures or the server', () => {
    const b = staticInputs(meta, commandChunk('boot'));
    assert.ok(b.has('src/kernel/boot.ts') && b.has('src/cli/boot-json.ts'));
    const heavy = [...b].filter((i) =>
      /^node_modules\/(zod|fast-check|cli-table3)\/|^src\/(check\/(invariants|campaign)|report\/svg|cli\/serve|machine\/json|conformance\/)/.test(
        i,
      ),
    );
    assert.deepEqual(heavy, []);
  });
});
