// The ways a command gets its machine: a JSON file, a kernel log, a QEMU command line or a preset.
import { readFileSync } from 'node:fs';
import { machineFromLog } from '../machine/from-log.js';
import { parseQemuArgs } from '../machine/qemu.js';
import { PRESETS, presetNames } from '../machine/presets.js';
import type { Machine } from '../machine/types.js';
import { parseKernelLog, type KernelLog } from '../trace/log.js';
import { InputError } from '../util/errors.js';

export interface MachineOptions {
  machine?: string;
  fromDmesg?: string;
  qemu?: string;
  machinePreset?: string;
  cmdline?: string;
}

export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${code ?? String(e)}`, { file });
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
  if (o.machine !== undefined) m = (await import('../machine/json.js')).loadMachineJson(readInputFile(o.machine), o.machine);
  else if (o.fromDmesg !== undefined) {
    log = parseKernelLog(readInputFile(o.fromDmesg), o.fromDmesg);
    m = machineFromLog(log);
  }
  else if (o.qemu !== undefined) m = parseQemuArgs(o.qemu);
  else {
    const name = o.machinePreset ?? 'default';
    const p = PRESETS[name];
    if (!p) throw new InputError(`unknown preset "${name}" (known: ${presetNames().join(', ')})`, { field: '--machine-preset' });
    m = p.build();
  }
  if (o.cmdline !== undefined) m = { ...m, cmdline: o.cmdline };
  return { machine: m, log };
}
