// The command line as one bundle (esbuild): dist/cli/main.js and, beside it, one chunk per
// command that main.js imports when that command runs. `npm run build` (and so `npm ci`,
// through `prepare`) runs this; `hvosim` starts without resolving a hundred modules, and a
// command loads only what it needs. test/cli/bundle.test.ts holds the split to that.
import { build, type BuildOptions } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CLI_BUILD: BuildOptions = {
  absWorkingDir: ROOT,
  // main.js, and the worker of `check --jobs` (src/check/campaign-jobs.ts starts ./campaign-worker.js beside its chunk).
  entryPoints: { main: 'src/cli/main.ts', 'campaign-worker': 'src/check/campaign-worker.ts' },
  outdir: join(ROOT, 'dist', 'cli'),
  bundle: true,
  // Each command's module (imported dynamically by main.ts) becomes a chunk of its own, beside
  // main.js: serve.ts finds the web page from its own location (dist/cli/../../dist-web).
  splitting: true,
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The dependencies are bundled too (nothing to resolve at start-up, nothing but cli-progress to
  // install); the CommonJS ones need a require() in an ES module.
  banner: { js: "import { createRequire as __hvosimRequire } from 'node:module';\nconst require = __hvosimRequire(import.meta.url);" },
  // cli-progress is loaded with createRequire only when a progress bar is drawn, lzma-native (a native addon)
  // only when --kernel-image names an xz kernel.
  external: ['cli-progress', 'lzma-native'],
  // ES module builds first: jsonc-parser's CommonJS build is a UMD wrapper whose require() calls a bundler cannot follow.
  mainFields: ['module', 'main'],
  // Names kept (stack traces with HVOSIM_DEBUG=1 stay readable); whitespace and syntax minified.
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  await build(CLI_BUILD);
}
