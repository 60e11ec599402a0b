// Output helpers shared by the commands.
import Table from 'cli-table3';
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import { InputError } from '../util/errors.js';


export function printJson(x: unknown): void {
  process.stdout.write(JSON.stringify(x, null, 2) + '\n');
}

/** Colour only on a terminal and never with NO_COLOR. */
export function useColour(): boolean {
  return !!process.stdout.isTTY && !('NO_COLOR' in process.env);
}

export function paint(code: string, s: string): string {
  return useColour() ? `\x1b[${code}m${s}\x1b[0m` : s;
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};
const NUMERIC = /^[-+~]?[\d,.]+( ?[KMGTP]?i?B| kB| pages| ms| s)?%?$/;

/** Aligned columns without borders (cli-table3); the first row is the header. Numbers and sizes are right-aligned. */
export function table(rows: string[][]): string {
  const [head = [], ...body] = rows;
  const plain = (c: string) => c.replace(/\x1b\[[0-9;]*m/g, '');
  const aligns = head.map((_, i) => (body.length && body.every((r) => r[i] === undefined || r[i] === '' || NUMERIC.test(plain(r[i]!))) ? 'right' : 'left'));
  const t = new Table({ chars: NO_BORDER, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true }, colAligns: aligns as ('left' | 'right')[] });
  t.push(head.map((h, i) => ({ content: h, hAlign: aligns[i] as 'left' | 'right' })), ...body);
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

/** Someone watches stderr: a terminal, and not a CI run. */
export function interactiveStderr(): boolean {
  return !!process.stderr.isTTY && !process.env.CI;
}

/** A progress bar on stderr while long work runs; nothing when stderr is not a terminal (pipes, CI). */
export function progress(label: string, total: number): { update(done: number): void; stop(): void } {
  if (!interactiveStderr()) return { update() {}, stop() {} };
  // Loaded only when a bar is drawn: most runs are not on a terminal.
  const { SingleBar, Presets } = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 30 }, Presets.shades_classic);
  bar.start(total, 0);
  return { update: (d) => bar.update(d), stop: () => bar.stop() };
}

export function fail(e: unknown): never {
  if (e instanceof InputError) {
    process.stderr.write(`hvosim: ${e.describe()}\n`);
    process.exit(2);
  }
  const err = e as Error;
  process.stderr.write(`hvosim: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.HVOSIM_DEBUG && err?.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('hvosim: (set HVOSIM_DEBUG=1 for the stack trace; please report this)\n');
  process.exit(70);
}
