// kernel/params.c, lib/cmdline.c and init/main.c: how the kernel splits its command line into
// parameters (next_arg(), with its double quotes), where it stops (`--`), and how much of it it
// keeps (COMMAND_LINE_SIZE on x86_64). The kernel works on bytes: the line is taken as UTF-8 bytes,
// and a byte the kernel's ctype calls a space (0xa0 among them) splits it where the kernel would.

import type { KernelState } from './state.js';
import { beginStep, kernelPanic } from './state.js';

/** COMMAND_LINE_SIZE on x86_64: boot_command_line holds this many bytes, the terminating NUL among them. */
export const COMMAND_LINE_SIZE = 2048;

export interface KernelParam {
  param: string;
  /** Null when the word has no '=' (a flag such as `nokaslr`). */
  val: string | null;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

/** isspace() with the kernel's ctype table (lib/ctype.c): \t \n \v \f \r, space and 0xa0. */
function isspace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}

/** skip_spaces() */
function skipSpaces(b: Uint8Array, i: number): number {
  while (i < b.length && isspace(b[i]!)) i++;
  return i;
}

/**
 * The bytes of boot_command_line: copy_bootdata() copies COMMAND_LINE_SIZE bytes and setup_arch()
 * keeps at most COMMAND_LINE_SIZE - 1 of them (strscpy), so a longer line loses its end. A NUL
 * byte ends the line, as in C.
 */
export function bootCommandLine(cmdline: string): { bytes: Uint8Array; truncated: boolean } {
  let b = enc.encode(cmdline);
  const nul = b.indexOf(0);
  if (nul >= 0) b = b.subarray(0, nul);
  if (b.length <= COMMAND_LINE_SIZE - 1) return { bytes: b, truncated: false };
  return { bytes: b.subarray(0, COMMAND_LINE_SIZE - 1), truncated: true };
}

/** The command line the kernel keeps and prints ("Kernel command line: ..."). */
export function keptCommandLine(cmdline: string): string {
  return dec.decode(bootCommandLine(cmdline).bytes);
}

/**
 * next_arg(): one parameter from `b` at `i`. A word may start with a double quote (then spaces
 * up to the next quote belong to it); the first '=' after the first byte splits name from value;
 * a quote opening the value, or the whole word, is dropped with the quote closing the word.
 */
function nextArg(b: Uint8Array, start: number): { param: Uint8Array; val: Uint8Array | null; next: number } {
  let args = start;
  let inQuote = false;
  let quoted = false;
  if (b[args] === 0x22) {
    args++;
    inQuote = quoted = true;
  }
  let i = 0;
  let equals = 0;
  for (; args + i < b.length; i++) {
    const c = b[args + i]!;
    if (isspace(c) && !inQuote) break;
    if (equals === 0 && c === 0x3d) equals = i;
    if (c === 0x22) inQuote = !inQuote;
  }
  // The word is b[args, args + i); the C code cuts it with NULs, here with lengths.
  let paramEnd = args + i;
  let val: { start: number; end: number } | null = null;
  let wordEnd = args + i;
  const lastIsQuote = i > 0 && b[args + i - 1] === 0x22;
  if (equals) {
    paramEnd = args + equals;
    val = { start: args + equals + 1, end: wordEnd };
    if (b[val.start] === 0x22 && val.start < wordEnd) {
      val.start++;
      if (lastIsQuote) wordEnd = args + i - 1;
    }
  }
  if (quoted && lastIsQuote) wordEnd = args + i - 1;
  if (val) val.end = Math.max(val.start, wordEnd);
  else paramEnd = wordEnd;
  let next = args + i;
  if (next < b.length) next++;
  return { param: b.subarray(args, paramEnd), val: val ? b.subarray(val.start, val.end) : null, next: skipSpaces(b, next) };
}

/**
 * parse_args(): the parameters in command-line order, up to `--` (what follows goes to init).
 * Leading and trailing spaces are chewed up as the kernel does.
 */
export function parseArgs(cmdline: string): KernelParam[] {
  const b = bootCommandLine(cmdline).bytes;
  const out: KernelParam[] = [];
  let i = skipSpaces(b, 0);
  while (i < b.length) {
    const a = nextArg(b, i);
    i = a.next;
    const param = dec.decode(a.param);
    if (a.val === null && param === '--') break;
    out.push({ param, val: a.val === null ? null : dec.decode(a.val) });
  }
  return out;
}

/**
 * The words as handlers see them after repair_env_string(): `param=val` with the quotes gone.
 * Names are written with underscores, as parameq()/parameqn() treat '-' and '_' alike.
 */
export function cmdlineWords(cmdline: string): string[] {
  return parseArgs(cmdline).map(({ param, val }) => {
    const name = param.replace(/-/g, '_');
    return val === null ? name : `${name}=${val}`;
  });
}

/**
 * sscanf(s, "%lu%n"): skip spaces, then decimal digits (no sign: the kernel's vsscanf fails on
 * '+' and '-' for an unsigned conversion). The value wraps modulo 2^64 as simple_strntoull()'s
 * does. Null when nothing converts; else the value and the characters consumed.
 */
export function sscanfLu(s: string): { value: number; count: number } | null {
  const m = /^[\t\n\v\f\r ]*(\d+)/.exec(s);
  if (!m) return null;
  const digits = m[1]!;
  const value = digits.length <= 15 ? Number(digits) : Number(BigInt(digits) % 2n ** 64n);
  return { value, count: m[0].length };
}

/**
 * setup_command_line() in start_kernel(): copy_bootdata() took COMMAND_LINE_SIZE bytes of the
 * loader's line into boot_command_line without a terminating NUL, so a line of COMMAND_LINE_SIZE
 * bytes or more leaves it unterminated, and the fortified strlen() there stops the boot (seen on
 * the real 6.1 kernel under QEMU). The early parameters were parsed before, from a bounded copy.
 */
export function setupCommandLine(s: KernelState): void {
  if (!bootCommandLine(s.machine.cmdline).truncated) return;
  beginStep(s, 'setup_command_line');
  kernelPanic(
    s,
    'detected buffer overflow in __fortify_strlen',
    '------------[ cut here ]------------',
    'kernel BUG at lib/string_helpers.c:1027!',
  );
}
