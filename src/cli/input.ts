// The ways a command gets its machine: a JSON file, a kernel log, a QEMU command line or a preset.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { machineFromLog } from '../trace/machine-from-log.js';
import { parseQemuArgs, type QemuFiles } from '../machine/qemu.js';
import { PRESETS, presetNames } from '../machine/presets.js';
import type { Machine } from '../machine/types.js';
import { parseKernelLog, type KernelLog } from '../trace/log.js';
import { InputError } from '../util/errors.js';
import { parseKconfig, type ReadKconfig } from '../simulator.js';

export interface MachineOptions {
  machine?: string;
  fromDmesg?: string;
  qemu?: string;
  machinePreset?: string;
  cmdline?: string;
}

/** The most bytes an input file may have: a kernel log buffer is at most 32 MiB (LOG_BUF_SHIFT 25), a machine file far less. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function tooLarge(file: string): InputError {
  return new InputError(`larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB: not a kernel log or machine file`, { file });
}

/** Read an open descriptor to its end, refusing more than MAX_INPUT_BYTES (a pipe, or stdin). */
function readCapped(fd: number, file: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking stdin with nothing yet: wait a little rather than spin.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw tooLarge(file);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** The bytes as text: UTF-8, refusing binary files (a NUL byte is never in a log or a machine file). */
function asText(bytes: Buffer, file: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(`a binary file (a NUL byte at offset ${nul}), not a text kernel log or machine file`, { file });
  return bytes.toString('utf8');
}

/** How an input is named in messages: "-" is standard input. */
export function inputName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

/**
 * Read an input file the user named: "-" is standard input; a regular file or a pipe (FIFO)
 * is read up to MAX_INPUT_BYTES; anything else (a directory, a device such as /dev/zero, a
 * socket) is refused before it is opened for reading, so nothing hangs or runs forever.
 */
/** The files a QEMU command line names (-initrd), sized as QEMU would read them: a missing one is an input error. */
export const QEMU_FILES: QemuFiles = {
  size(path) {
    try {
      return statSync(path).size;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(
        `-initrd ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(e)})`}; QEMU would not start`,
        {
          field: '-initrd',
        },
      );
    }
  },
};

/**
 * An input file as text: a gzip file (a rotated kern.log.1.gz, a saved log) unpacked, UTF-16 with its byte order
 * mark (PowerShell's redirection) decoded, else UTF-8.
 */
export function readInputFile(file: string): string {
  const name = inputName(file);
  let bytes = readInputBytes(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipInput(bytes, name);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return asText(bytes, name);
}

/** A gzip input unpacked, at most MAX_INPUT_BYTES of it. */
function gunzipInput(bytes: Buffer, file: string, field?: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
  } catch (e) {
    throw new InputError(`a gzip file that does not unpack: ${(e as Error).message}`, { file, ...(field ? { field } : {}) });
  }
}

/** The bytes of an input file the user named, read as readInputFile() reads it (no text check). */
export function readInputBytes(file: string): Buffer {
  if (file === '-') {
    try {
      return readCapped(0, '<stdin>');
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot read standard input: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: '<stdin>' });
    }
  }
  const fail = (e: unknown): never => {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read: ${code ?? String(e)}`,
      { file },
    );
  };
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    return fail(e);
  }
  if (st.isDirectory()) throw new InputError('is a directory, not a file', { file });
  if (!st.isFile() && !st.isFIFO()) {
    const kind = st.isCharacterDevice()
      ? 'a character device'
      : st.isBlockDevice()
        ? 'a block device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
    throw new InputError(`${kind}, not a regular file: give a kernel log or machine file (or - for standard input)`, { file });
  }
  if (st.isFile() && st.size > MAX_INPUT_BYTES) throw tooLarge(file);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    return readCapped(fd, file);
  } catch (e) {
    return fail(e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Exactly one machine source; --cmdline replaces the machine's own command line. */
export async function loadMachine(o: MachineOptions): Promise<Machine> {
  return (await loadMachineAndLog(o)).machine;
}

/** The machine, and the kernel log it came from when it came from one. (The JSON reader and its schema library load only when needed.) */
export async function loadMachineAndLog(o: MachineOptions): Promise<{ machine: Machine; log?: KernelLog }> {
  const given = [o.machine, o.fromDmesg, o.qemu, o.machinePreset].filter((x) => x !== undefined).length;
  if (given > 1) throw new InputError('give only one of --machine, --from-dmesg, --qemu, --machine-preset');
  let m: Machine;
  let log: KernelLog | undefined;
  if (o.machine !== undefined) m = (await import('../machine/json.js')).loadMachineJson(readInputFile(o.machine), inputName(o.machine));
  else if (o.fromDmesg !== undefined) {
    log = parseKernelLog(readInputFile(o.fromDmesg), inputName(o.fromDmesg));
    m = machineFromLog(log);
  } else if (o.qemu !== undefined) m = parseQemuArgs(o.qemu, QEMU_FILES);
  else {
    const name = o.machinePreset ?? 'default';
    const p = PRESETS[name];
    if (!p) throw new InputError(`unknown preset "${name}" (known: ${presetNames().join(', ')})`, { field: '--machine-preset' });
    m = p.build();
  }
  if (o.cmdline !== undefined) m = { ...m, cmdline: o.cmdline };
  return { machine: m, log };
}

/** A kernel configuration the user named: a .config or /boot/config-*, or /proc/config.gz (gzip, read as such). */
export function readKernelConfig(file: string): ReadKconfig {
  let bytes = readInputBytes(file);
  const name = inputName(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipInput(bytes, name, '--config');
  return parseKconfig(asText(bytes, name), name);
}
