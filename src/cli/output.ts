// Output helpers shared by the commands.
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

/** Align columns; the first row is the header. Numbers (and sizes) are right-aligned. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const numeric = (s: string) => /^[-+]?[\d,.]+( ?[KMGTP]?i?B| kB| pages)?%?$/.test(s);
  return rows
    .map((r, ri) =>
      r
        .map((c, i) => (ri > 0 && numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
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
