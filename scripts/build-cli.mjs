// The command line as one bundle (esbuild): dist/cli/main.js and, beside it, one chunk per
// command that main.js imports when that command runs. `npm run build` (and so `npm ci`,
// through `prepare`) runs this; `hvosim` starts in a few tens of milliseconds instead of
// resolving a hundred modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir: out,
  bundle: true,
  // Each command's module (imported dynamically by main.ts) becomes a chunk of its own, beside
  // main.js: serve.ts finds the web page from its own location (dist/cli/../../dist-web).
  splitting: true,
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The dependencies are bundled too (nothing to resolve at start-up); the CommonJS ones
  // (cli-table3) need a require() in an ES module.
  banner: { js: "import { createRequire as __hvosimRequire } from 'node:module';\nconst require = __hvosimRequire(import.meta.url);" },
  // cli-progress is loaded with createRequire only when a progress bar is drawn.
  external: ['cli-progress'],
  // ES module builds first: jsonc-parser's CommonJS build is a UMD wrapper whose require() calls a bundler cannot follow.
  mainFields: ['module', 'main'],
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});
