// Output helpers shared by the commands.
import { createRequire } from 'node:module';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type * as CliProgress from 'cli-progress';
import { InputError } from '../util/errors.js';

export function printJson(x: unknown): void {
  process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);
}

/** The first `max` items of a list that can grow with the machine or the input, and how many there were. */
export function firstOf<T>(xs: readonly T[], max: number): { total: number; first: T[] } {
  return { total: xs.length, first: xs.slice(0, max) };
}

/** Most items a summary line lists before "and N more" (a 1024-node machine would list every node). */
export const LINE_ITEMS = 8;

/** Items joined with ", ", the first `max` of them and then how many more there are: one line stays short at any machine size. */
export function joinCapped(items: readonly string[], max = LINE_ITEMS, what = 'more'): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} ${what}`;
}

/**
 * Where an NDJSON stream goes: `-` is stdout, anything else a file, opened (and so checked)
 * before the work starts, so that a path that cannot be written fails at once.
 */
export interface NdjsonTarget {
  /** The option that named it (for error lines). */
  field: string;
  path: string;
  fd: number | null;
}

export function openNdjson(path: string, field: string): NdjsonTarget {
  if (path === '-') return { field, path, fd: null };
  try {
    return { field, path, fd: openSync(path, 'w') };
  } catch (e) {
    throw new InputError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path, field });
  }
}

/** Only one of the outputs may go to stdout: the options that would send theirs there, each a field. */
export function oneOnStdout(claims: [string, boolean][]): void {
  const on = claims.filter(([, c]) => c).map(([f]) => f);
  if (on.length > 1)
    throw new InputError(
      `${on.join(' and ')} would ${on.length > 2 ? 'all' : 'both'} write to stdout: send ${on.length > 2 ? 'all but one' : 'one'} to a file`,
      { field: on[1]!.split(' ')[0] },
    );
}

/** Closes files of targets a command opened but did not write (it failed first). */
export function closeNdjson(targets: (NdjsonTarget | undefined)[]): void {
  for (const t of targets) if (t?.fd !== null && t?.fd !== undefined) closeSync(t.fd);
}

/** Bytes gathered before a write: few system calls, and memory that does not grow with the stream. */
const NDJSON_CHUNK = 1 << 16;

/**
 * Write one JSON value per line as the values are made (an iterable, typically a generator over
 * the boot's state), never the whole stream in memory; waits when the reader is slower. Returns
 * the number of lines.
 */
export async function writeNdjson(t: NdjsonTarget, values: Iterable<unknown>): Promise<number> {
  const out: Writable = t.fd === null ? process.stdout : createWriteStream('', { fd: t.fd });
  let failed: Error | null = null;
  // Waiting for 'drain': an error ends the wait too (no listener is left behind either way).
  let wake: (() => void) | null = null;
  const onError = (e: Error) => {
    failed = e;
    wake?.();
  };
  const onDrain = () => wake?.();
  out.on('error', onError);
  out.on('drain', onDrain);
  let buf = '';
  let n = 0;
  const flush = async () => {
    if (failed) return;
    if (!out.write(buf)) await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    buf = '';
  };
  for (const v of values) {
    buf += `${JSON.stringify(v)}\n`;
    n++;
    if (buf.length >= NDJSON_CHUNK) await flush();
    if (failed) break;
  }
  if (buf && !failed) await flush();
  if (t.fd !== null) await new Promise<void>((resolve) => out.end(resolve));
  out.off('error', onError);
  out.off('drain', onDrain);
  if (failed) {
    const code = (failed as NodeJS.ErrnoException).code;
    // A reader that went away early (head, less): stop quietly, as the rest of the CLI does.
    if (code === 'EPIPE') process.exit(0);
    throw new InputError(`cannot write: ${code ?? String(failed)}`, { file: t.path === '-' ? undefined : t.path, field: t.field });
  }
  return n;
}

/** Colour only on a terminal and never with NO_COLOR. */
export function useColour(): boolean {
  return !!process.stdout.isTTY && !('NO_COLOR' in process.env);
}

export function paint(code: string, s: string): string {
  return useColour() ? `\x1b[${code}m${s}\x1b[0m` : s;
}

const NUMERIC = /^[-+~]?[\d,.]+( ?[KMGTP]?i?B| kB| pages| ms| s)?%?$/;
const ANSI = /\x1b\[[0-9;]*m/g;

/** Columns a cell takes on a terminal: its characters, colour codes left out (the tables hold ASCII and a few narrow symbols). */
function cellWidth(s: string): number {
  let n = 0;
  for (const _ of s.replace(ANSI, '')) n++;
  return n;
}

/**
 * Aligned columns without borders; the first row is the header. Numbers and sizes are
 * right-aligned. (Laid out here rather than by a table library: the summary is on the path of
 * every `hvosim boot`, and loading one cost more than the layout; test/cli/output.test.ts holds
 * the layout to cli-table3's with the options this replaced.)
 */
export function table(rows: string[][]): string {
  const [head = [], ...body] = rows;
  const plain = (c: string) => c.replace(ANSI, '');
  const aligns = head.map((_, i) =>
    body.length && body.every((r) => r[i] === undefined || r[i] === '' || NUMERIC.test(plain(r[i]!))) ? 'right' : 'left',
  );
  const cols = Math.max(0, ...rows.map((r) => r.length));
  // A column of empty cells is still one character wide (as cli-table3 made it).
  const widths = Array.from({ length: cols }, (_, i) => Math.max(1, ...rows.map((r) => cellWidth(r[i] ?? ''))));
  return rows
    .map((r) =>
      widths
        .map((w, i) => {
          const c = r[i] ?? '';
          const pad = ' '.repeat(w - cellWidth(c));
          return aligns[i] === 'right' ? pad + c : c + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
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
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    Presets.shades_classic,
  );
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
  if (process.env.HVOSIM_DEBUG && err?.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('hvosim: (set HVOSIM_DEBUG=1 for the stack trace; please report this)\n');
  process.exit(70);
}
