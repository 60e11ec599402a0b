// Reading a kernel log: either a plain dmesg (with or without timestamps) or an
// oracle fixture, whose sections start with "=====NAME" lines (see
// ../shared/oracle/init.sh): CMDLINE, IOMEM, ZONEINFO, MEMINFO, VMSTAT,
// HUGEPAGES (and *_AFTER_NR2M=N repeats), DMESG, END.
import { InputError } from '../util/errors.js';

export interface LogLine {
  /** 1-based line number in the file. */
  lineNo: number;
  /** The text after the "[    0.000000] " timestamp, if there was one. */
  text: string;
}

export interface IomemEntry {
  start: number;
  end: number;
  name: string;
  depth: number;
}

export interface KernelLog {
  file: string;
  /** The "# qemu: ..." header of an oracle fixture, if any. */
  header?: string;
  /** Raw sections by name ("DMESG", "MEMINFO", "MEMINFO_AFTER_NR2M=300", ...). */
  sections: Map<string, LogLine[]>;
  dmesg: LogLine[];
  cmdline?: string;
  iomem: IomemEntry[];
  /** False when an oracle fixture has no =====END (the dump was cut off). */
  complete: boolean;
}

const TIMESTAMP = /^\[\s*\d+\.\d+\]\s?/;
const SECTION = /^=====([A-Z0-9_=]+)\s*$/;

/** Parse the text of a log file. Never throws on odd lines; throws InputError when nothing usable is there. */
export function parseKernelLog(text: string, file = '<log>'): KernelLog {
  const lines = text.split(/\r?\n/);
  const sections = new Map<string, LogLine[]>();
  let header: string | undefined;
  let current: LogLine[] | null = null;
  let sawSections = false;
  let complete = false;
  const loose: LogLine[] = [];
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (i === 0 && raw.startsWith('# ')) {
      header = raw.slice(2);
      return;
    }
    const m = SECTION.exec(raw);
    if (m) {
      sawSections = true;
      const name = m[1]!;
      if (name === 'END') {
        complete = true;
        current = null;
        return;
      }
      current = [];
      sections.set(name, current);
      return;
    }
    // The serial console can print a kernel message into the middle of a dumped /proc file
    // (the oracle reads them over the same console); such lines belong to no section.
    if (current && current !== sections.get('DMESG') && TIMESTAMP.test(raw)) return;
    (current ?? loose).push({ lineNo, text: raw });
  });
  const dmesgRaw = sawSections ? sections.get('DMESG') ?? [] : loose;
  const dmesg = dmesgRaw
    .map((l) => ({ lineNo: l.lineNo, text: l.text.replace(TIMESTAMP, '') }))
    .filter((l) => l.text.length > 0);
  if (dmesg.length === 0) {
    throw new InputError('no kernel log lines found (expected a dmesg, or an oracle fixture with a =====DMESG section)', { file });
  }
  let cmdline = sections.get('CMDLINE')?.find((l) => l.text.trim())?.text.trim();
  if (!cmdline) {
    const cl = dmesg.find((l) => l.text.startsWith('Command line: '));
    if (cl) cmdline = cl.text.slice('Command line: '.length).trim();
  }
  const iomem = parseIomem(sections.get('IOMEM') ?? [], file);
  return { file, header, sections, dmesg, cmdline, iomem, complete: sawSections ? complete : true };
}

/**
 * The kernel image as early_reserve_memory() reserves it, [_text, __end_of_kernel_reserve):
 * /proc/iomem's "Kernel code" start to the end of "Kernel bss", rounded up to a page.
 */
export function kernelImageFromIomem(iomem: IomemEntry[], pageSize: number): { start: number; size: number } | undefined {
  const code = iomem.find((e) => e.name === 'Kernel code');
  const bss = iomem.find((e) => e.name === 'Kernel bss');
  if (!code || !bss) return undefined;
  return { start: code.start, size: Math.ceil((bss.end + 1) / pageSize) * pageSize - code.start };
}

/** /proc/iomem: "start-end : name", nesting by two spaces. */
export function parseIomem(lines: LogLine[], file: string): IomemEntry[] {
  const out: IomemEntry[] = [];
  for (const l of lines) {
    if (!l.text.trim()) continue;
    const m = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(l.text);
    if (!m) throw new InputError(`cannot parse /proc/iomem line "${l.text}"`, { file, line: l.lineNo });
    out.push({ depth: m[1]!.length / 2, start: Number(BigInt('0x' + m[2])), end: Number(BigInt('0x' + m[3])), name: m[4]! });
  }
  return out;
}
