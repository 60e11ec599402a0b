// A machine read back from a kernel log: the firmware's e820 map, the SRAT
// memory affinity lines, the CPU's 1 GiB page support and vendor, and the command line.
import { kernelImageFromIomem, type KernelLog } from './log.js';
import { RE_RAMDISK, RE_SRAT } from './memblock-log.js';
import { InputError } from '../util/errors.js';
import { parseE820Line } from '../machine/e820.js';
import type { Machine, MachineNode } from '../machine/types.js';
import { validateMachine } from '../machine/validate.js';

const RE_ACPI_TABLE = /^ACPI: Reserving (\S+) table memory at \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]/;

export function machineFromLog(log: KernelLog): Machine {
  const e820 = [];
  const byNode = new Map<number, MachineNode>();
  let gbPages = false;
  let vendor: 'AMD' | 'Intel' | undefined;
  const acpiTables: NonNullable<Machine['acpiTables']> = [];
  for (const l of log.dmesg) {
    const e = parseE820Line(l.text);
    if (e) {
      e820.push(e);
      continue;
    }
    const m = RE_SRAT.exec(l.text);
    if (m) {
      // The firmware's proximity domain: the kernel numbers its nodes from these again (acpiPxmNodes()).
      const id = Number(m[2]);
      const node = byNode.get(id) ?? { id, ranges: [] };
      node.ranges.push({ start: Number(BigInt(m[3]!)), end: Number(BigInt(m[4]!)) + 1, ...(m[5] ? { hotplug: true } : {}) });
      byNode.set(id, node);
      continue;
    }
    if (l.text === 'Using GB pages for direct mapping') gbPages = true;
    const v = /^smpboot: CPU0: (AMD|Intel) /.exec(l.text);
    if (v) vendor = v[1] as 'AMD' | 'Intel';
    const t = RE_ACPI_TABLE.exec(l.text);
    if (t) {
      const start = Number(BigInt(t[2]!));
      acpiTables.push({ signature: t[1]!, start, size: Number(BigInt(t[3]!)) + 1 - start });
    }
  }
  if (!e820.length) {
    // A log that lacks the kernel's first line lost its start: the log buffer (log_buf_len) overflowed.
    const cut = !log.dmesg.some((l) => l.text.startsWith('Linux version '));
    const why = cut
      ? " (it does not begin at the kernel's first line: the kernel's log buffer, log_buf_len, overflowed and dropped the start)"
      : '';
    throw new InputError(`no "BIOS-e820:" lines: cannot tell the memory map from this log${why}`, { file: log.file });
  }
  const headerCpu = log.header ? /cpu=(\S+)/.exec(log.header)?.[1] : undefined;
  const features = new Set<string>();
  if (headerCpu) for (const f of headerCpu.split(',').slice(1)) if (f.startsWith('+')) features.add(f.slice(1));
  if (gbPages) features.add('pdpe1gb');
  const loader: NonNullable<Machine['loader']> = {};
  const image = kernelImageFromIomem(log.iomem, 4096);
  if (image) loader.kernelImage = image;
  const rd = log.dmesg.map((l) => RE_RAMDISK.exec(l.text)).find((m) => m);
  if (rd) loader.initrd = { start: Number(BigInt(rd[1]!)), size: Number(BigInt(rd[2]!)) + 1 - Number(BigInt(rd[1]!)) };
  const machine: Machine = {
    name: log.file,
    arch: 'x86_64',
    e820,
    nodes: [...byNode.values()].sort((a, b) => a.id - b.id),
    cpu: { features: [...features].sort(), ...(vendor ? { vendor } : {}) },
    cmdline: log.cmdline ?? '',
    source: log.file,
    ...(loader.kernelImage || loader.initrd ? { loader } : {}),
    ...(acpiTables.length ? { acpiTables } : {}),
    warnings: [],
  };
  return validateMachine(machine, log.file);
}
