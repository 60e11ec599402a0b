// Reading a kernel log: either a plain dmesg (with or without timestamps) or an
// oracle fixture, whose sections start with "=====NAME" lines (see the guest's
// init script in src/conformance/oracle.ts): CMDLINE, IOMEM, ZONEINFO, MEMINFO, VMSTAT,
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
  /** The number of the file's last line (where a log cut short ends). */
  lastLine: number;
}

const TIMESTAMP = /^\[\s*\d+\.\d+\]\s?/;
const SECTION = /^=====([A-Z0-9_=]+)\s*$/;

// The prefixes the usual tools put before a kernel message, each tried in turn at the start of a line:
const PREFIXES: RegExp[] = [
  // dmesg -r, /dev/kmsg-style: the console level "<6>" (and facility) before the rest.
  /^<\d{1,3}>/,
  // dmesg -x: the facility and level in words, "kern  :info  : ".
  /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\s*:(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: /,
  // journalctl -k (short, short-precise, short-iso, short-iso-precise, short-full):
  // "Dec 05 12:00:00 host kernel: ", "2026-12-05T12:00:00+0000 host kernel: ", "Sat 2026-12-05 12:00:00 UTC host kernel: ".
  new RegExp(
    `^(?:${[
      /[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?/.source,
      /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/.source,
      /[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Z]{1,5}/.source,
    ].join('|')}) \\S+ kernel: `,
  ),
  // journalctl -o short-monotonic: "[    0.000000] host kernel: ".
  /^\[\s*\d+\.\d+\] \S+ kernel: /,
  // dmesg (the kernel's own "[    0.000000] "), and dmesg -T: "[Sat Dec  5 12:00:00 2026] ".
  /^\[\s*\d+\.\d+\]\s?/,
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?/,
  // dmesg --time-format iso: "2026-12-05T12:00:00,000000+00:00 ".
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[,.]\d+[+-]\d\d:?\d\d /,
];

/**
 * Lines only the kernel prints, early in every boot: a log without timestamps (printk.time=0, dmesg
 * --notime) is still a kernel log when it has one of them.
 */
const KERNEL_LINE = new RegExp(
  `^(?:${[
    'Linux version ',
    'Command line: ',
    'BIOS-e820: ',
    'BIOS-provided physical RAM map',
    'e820: ',
    '(?:__)?memblock_[a-z_]+: ',
    'MEMBLOCK configuration:',
    'ACPI: ',
    'NUMA: ',
    'Zone ranges:',
    'HugeTLB: ',
    'Kernel command line: ',
    'Memory: ',
  ].join('|')})`,
);

/** An ANSI colour sequence (ESC [ ... m), as dmesg --color=always writes them. */
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/** A journal line of some other program (not the kernel): "Dec 05 12:00:00 host systemd[1]: ...". */
const OTHER_PROGRAM = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*) \S+ (?!kernel:)[^\s:]+: /;

/**
 * One line of a kernel log as the kernel printed it: the prefixes of dmesg, dmesg -T,
 * dmesg -r and journalctl -k taken off (and a stray carriage return). Returns null for a
 * journal line that another program wrote. Every reader of kernel logs goes through here.
 */
export function kernelLogText(raw: string): { text: string; prefixed: boolean } | null {
  let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  // dmesg --color=always (and a terminal's copy) puts SGR colour codes around the timestamp and the subsystem.
  if (text.includes('\x1b')) text = text.replace(ANSI_SGR, '');
  let prefixed = false;
  for (const re of PREFIXES) {
    const m = re.exec(text);
    if (m) {
      text = text.slice(m[0].length);
      prefixed = true;
    }
  }
  if (!prefixed && OTHER_PROGRAM.test(text)) return null;
  return { text, prefixed };
}

/** The text of a file with a UTF-8 byte order mark (Windows editors write one) taken off. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A dumped dmesg line with a later console line printed into its middle: the line's head, the console line, and the rest of the line after it. */
const SPLICED = /^(\[\s*\d+\.\d+\] .*?)\[\s*\d+\.\d+\] .*$/;

/**
 * The oracle's dmesg dump as the kernel wrote it: a console line the kernel printed meanwhile ("reboot: Power down"
 * as the dump ends) can land in the middle of a dumped line, whose rest then starts the next line. Every line of the
 * dump starts with its timestamp, so a line that does not is such a rest: it goes back onto its head, and the console
 * line (printed again in its place, if the dump reached it) is dropped.
 */
function mendSplicedLines(lines: LogLine[]): LogLine[] {
  const out: LogLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const next = lines[i + 1];
    const m = SPLICED.exec(l.text);
    if (m && next?.text && !next.text.startsWith('[')) {
      out.push({ lineNo: l.lineNo, text: m[1]! + next.text });
      i++;
    } else out.push(l);
  }
  return out;
}

/** Parse the text of a log file. Never throws on odd lines; throws InputError when nothing usable is there. */
export function parseKernelLog(text: string, file = '<log>'): KernelLog {
  const lines = stripBom(text).split(/\r?\n/);
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
  const dmesgRaw = sawSections ? mendSplicedLines(sections.get('DMESG') ?? []) : loose;
  const dmesg: LogLine[] = [];
  let prefixed = false;
  for (const l of dmesgRaw) {
    const k = kernelLogText(l.text);
    if (k && k.text.length > 0) dmesg.push({ lineNo: l.lineNo, text: k.text });
    if (k?.prefixed) prefixed = true;
  }
  const lastLine = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  if (sawSections && !complete && !sections.has('DMESG'))
    throw new InputError(`the log is cut short at line ${lastLine}, before its =====DMESG section: no kernel log to read`, { file });
  if (dmesg.length && !sawSections && !prefixed && !dmesg.some((l) => KERNEL_LINE.test(l.text))) {
    throw new InputError(
      'not a kernel log: no line has the prefix of dmesg, dmesg -T/-r/-x or journalctl -k, and none is a line every boot prints ' +
        '("Linux version", "Command line:", "BIOS-e820:", memblock=debug lines)',
      { file },
    );
  }
  if (dmesg.length === 0) {
    throw new InputError('no kernel log lines found (expected a dmesg, or an oracle fixture with a =====DMESG section)', { file });
  }
  let cmdline = sections
    .get('CMDLINE')
    ?.find((l) => l.text.trim())
    ?.text.trim();
  if (!cmdline) {
    const cl = dmesg.find((l) => l.text.startsWith('Command line: '));
    if (cl) cmdline = cl.text.slice('Command line: '.length).trim();
  }
  const iomem = parseIomem(sections.get('IOMEM') ?? [], file);
  return { file, header, sections, dmesg, cmdline, iomem, complete: sawSections ? complete : true, lastLine };
}

/** mem_init_print_info()'s line, printed once memblock_free_all() has handed memblock's memory on: memblock's work is done. */
const RE_MEMBLOCK_DONE = /^Memory: \d+K\/\d+K available/;

/**
 * Where a log was cut short (its last line), or null: an oracle fixture without =====END, or a log that
 * stops before memblock's work is done (the head of a file, a capture broken off). The kernel went on.
 */
export function cutShortAt(log: KernelLog): number | null {
  return !log.complete || !log.dmesg.some((l) => RE_MEMBLOCK_DONE.test(l.text)) ? log.lastLine : null;
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
    out.push({ depth: m[1]!.length / 2, start: Number(BigInt(`0x${m[2]}`)), end: Number(BigInt(`0x${m[3]}`)), name: m[4]! });
  }
  return out;
}
