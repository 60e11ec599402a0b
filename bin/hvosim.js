#!/usr/bin/env node
// Launcher: the bundled CLI (npm ci, npm install and npm pack build it into dist/), else, in a
// checkout that was not built, the TypeScript sources through tsx (a development dependency).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) await import(built.href);
else {
  let api;
  try {
    api = await import('tsx/esm/api');
  } catch {
    process.stderr.write('hvosim: not built (no dist/cli/main.js) and tsx is not installed: run npm run build\n');
    process.exit(70);
  }
  api.register();
  await import('../src/cli/main.ts');
}
