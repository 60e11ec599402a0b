// A host snapshot (the collector's one file, src/trace/host-collector.ts) read back: its sections, and the
// machine they show. With a kernel log that begins at the boot's first line the machine is the log's
// (machineFromLog(): the e820 map and SRAT exactly); without one, the firmware map from /sys/firmware/memmap and
// the nodes from the memory blocks' node links, to a memory block's granularity. What is missing is said.
import { InputError } from '../util/errors.js';
import { parseHex } from '../util/format.js';
import type { E820Entry, E820Type } from '../machine/e820.js';
import type { Machine, MachineNode } from '../machine/types.js';
import { validateMachine } from '../machine/validate.js';
import { type KernelLog, type LogLine, parseKernelLog, stripBom } from './log.js';
import { machineFromLog } from './machine-from-log.js';

export interface MemoryBlock {
  /** memoryN's N. */
  index: number;
  /** The first section of the block (phys_index): the block starts at phys_index * block size. */
  physIndex: number;
  state: string;
  /** The node the block's link names, -1 when none. */
  node: number;
  zones: string[];
}

export interface HostSnapshot {
  file: string;
  /** `uname -r` of the host. */
  release?: string;
  machineArch?: string;
  /** The collector ran as root (uid 0). */
  root: boolean;
  cmdline: string;
  /** /sys/firmware/memmap: start, exclusive end, the kernel's type string. */
  firmwareMap: { start: number; end: number; type: string }[];
  nodes: { id: number; cpulist: string; distance: number[] }[];
  blockSize?: number;
  blocks: MemoryBlock[];
  /** /proc/meminfo in kB. */
  meminfo: Record<string, number>;
  /** The hugepages sysfs sizes the kernel offers (kB). */
  hugepageSizesKb: number[];
  /** The kernel configuration's lines, if the collector could read one. */
  config?: string;
  /** The kernel log (memory lines only), if readable. */
  log?: KernelLog;
  /** The collector's notes: what it could not read. */
  notes: string[];
  sections: Map<string, LogLine[]>;
}

const SECTION = /^=====([A-Z0-9_=]+)\s*$/;

/** The sections of a snapshot: "=====NAME" lines as the oracle's fixtures (parseKernelLog()). */
export function parseHostSnapshot(text: string, file = '<snapshot>'): HostSnapshot {
  const lines = stripBom(text).split(/\r?\n/);
  if (!/^# hvosim host snapshot v\d+/.test(lines[0] ?? ''))
    throw new InputError('not a host snapshot: its first line is not "# hvosim host snapshot v1..." (hvosim host --collector writes one)', {
      file,
    });
  const sections = new Map<string, LogLine[]>();
  let cur: LogLine[] | null = null;
  let complete = false;
  lines.forEach((raw, i) => {
    const m = SECTION.exec(raw);
    if (m) {
      if (m[1] === 'END') {
        complete = true;
        cur = null;
        return;
      }
      cur = [];
      sections.set(m[1]!, cur);
      return;
    }
    cur?.push({ lineNo: i + 1, text: raw });
  });
  const sec = (n: string) => (sections.get(n) ?? []).filter((l) => l.text.trim() !== '');
  const host = new Map(sec('HOST').map((l) => [l.text.split(' ')[0]!, l.text.slice(l.text.indexOf(' ') + 1).trim()]));
  const notes = sec('NOTES').map((l) => l.text);
  if (!complete) notes.push('snapshot: cut short (no =====END): later sections missing');
  const bad = (l: LogLine, what: string): never => {
    throw new InputError(`cannot read ${what} "${l.text}"`, { file, line: l.lineNo });
  };
  const firmwareMap = sec('FIRMWARE_MEMMAP').map((l) => {
    const m = /^(0x[0-9a-f]+) (0x[0-9a-f]+) (.+)$/i.exec(l.text.trim());
    return m ? { start: parseHex(m[1]!), end: parseHex(m[2]!) + 1, type: m[3]! } : bad(l, 'the firmware map line');
  });
  firmwareMap.sort((a, b) => a.start - b.start);
  const nodes = sec('NODES').flatMap((l) => {
    const m = /^node(\d+) cpulist=(\S*) distance=(\S*)$/.exec(l.text);
    return m ? [{ id: Number(m[1]), cpulist: m[2]!, distance: m[3]!.split(',').filter(Boolean).map(Number) }] : [];
  });
  let blockSize: number | undefined;
  const blocks: MemoryBlock[] = [];
  for (const l of sec('MEMORY_BLOCKS')) {
    const bs = /^block_size_bytes ([0-9a-f]+)$/i.exec(l.text);
    if (bs) {
      blockSize = parseHex(`0x${bs[1]}`);
      continue;
    }
    const m = /^memory(\d+) phys_index=([0-9a-f]*) state=(\S*) node=(-?\d+) valid_zones=(\S*)$/i.exec(l.text);
    if (!m) bad(l, 'the memory block line');
    else
      blocks.push({
        index: Number(m[1]),
        physIndex: parseHex(`0x${m[2] || '0'}`),
        state: m[3]!,
        node: Number(m[4]),
        zones: m[5]!.split(',').filter(Boolean),
      });
  }
  const meminfo: Record<string, number> = {};
  for (const l of sec('MEMINFO')) {
    const m = /^(\S+):\s+(\d+)/.exec(l.text);
    if (m) meminfo[m[1]!] = Number(m[2]);
  }
  const hugepageSizesKb = [
    ...new Set(
      sec('HUGEPAGES_GLOBAL').flatMap((l) => (/hugepages-(\d+)kB\//.exec(l.text) ? [Number(/hugepages-(\d+)kB\//.exec(l.text)![1])] : [])),
    ),
  ].sort((a, b) => a - b);
  const config = sec('CONFIG').length
    ? sec('CONFIG')
        .map((l) => l.text)
        .join('\n')
    : undefined;
  // The kernel log through the log reader, as a fixture of its own (CMDLINE, IOMEM and DMESG sections).
  let log: KernelLog | undefined;
  if (sec('DMESG').length) {
    const keep = ['CMDLINE', 'IOMEM', 'DMESG'].flatMap((n) => [`=====${n}`, ...(sections.get(n) ?? []).map((l) => l.text)]);
    log = parseKernelLog(`${keep.join('\n')}\n=====END\n`, file);
  }
  return {
    file,
    release: host.get('release') || undefined,
    machineArch: host.get('machine') || undefined,
    root: host.get('uid') === '0',
    cmdline: sec('CMDLINE')[0]?.text.trim() ?? '',
    firmwareMap,
    nodes,
    blockSize,
    blocks,
    meminfo,
    hugepageSizesKb,
    config,
    log,
    notes,
    sections,
  };
}

/** /sys/firmware/memmap's type strings (the kernel's e820_type_to_string()) as e820 types. */
const FIRMWARE_TYPES: Record<string, E820Type> = {
  'System RAM': 'usable',
  Reserved: 'reserved',
  'device reserved': 'reserved',
  'ACPI Tables': 'ACPI data',
  'ACPI Non-volatile Storage': 'ACPI NVS',
  'Unusable memory': 'unusable',
  'Persistent Memory (legacy)': 'persistent',
  'Persistent Memory': 'persistent',
  'Soft Reserved': 'soft reserved',
};

export interface MachineFromSnapshot {
  machine: Machine;
  /** Where the map and the nodes came from. */
  read: string[];
  /** What was not known, and what that costs in precision. */
  unknown: string[];
}

/** The nodes from the memory blocks: each node's blocks, contiguous runs merged (memory-block granularity). */
export function nodesFromBlocks(blocks: MemoryBlock[], blockSize: number, sectionSize: number): MachineNode[] {
  const byNode = new Map<number, MachineNode>();
  const sorted = [...blocks].filter((b) => b.node >= 0).sort((a, b) => a.physIndex - b.physIndex);
  for (const b of sorted) {
    const start = b.physIndex * sectionSize;
    const node = byNode.get(b.node) ?? { id: b.node, ranges: [] };
    const last = node.ranges.at(-1);
    if (last && last.end === start) last.end = start + blockSize;
    else node.ranges.push({ start, end: start + blockSize });
    byNode.set(b.node, node);
  }
  return [...byNode.values()].sort((a, b) => a.id - b.id);
}

/** The x86_64 section (phys_index counts sections): 128 MiB. */
const SECTION_SIZE = 2 ** 27;

export function machineFromSnapshot(snap: HostSnapshot): MachineFromSnapshot {
  const read: string[] = [];
  const unknown: string[] = [];
  if (snap.machineArch && snap.machineArch !== 'x86_64')
    throw new InputError(`the snapshot is of a ${snap.machineArch} machine; hvosim models x86_64 only`, { file: snap.file });
  const log = snap.log;
  const logWhole = log?.dmesg.some((l) => l.text.startsWith('Linux version ')) && log.dmesg.some((l) => l.text.startsWith('BIOS-e820: '));
  let machine: Machine;
  if (log && logWhole) {
    machine = machineFromLog(log);
    read.push(`the e820 map${machine.nodes.length ? ' and the SRAT nodes' : ''} from the kernel log (exact)`);
    if (!machine.nodes.length && snap.nodes.length > 1)
      unknown.push('the kernel log has no SRAT lines though sysfs shows several nodes: nodes from the memory blocks instead');
  } else {
    if (log) unknown.push('the kernel log does not begin at the boot (the ring buffer wrapped): its e820 and SRAT lines are lost');
    else unknown.push('no kernel log (not root, or dmesg_restrict): no e820, SRAT or memblock lines');
    if (!snap.firmwareMap.length)
      throw new InputError('neither a kernel log with its BIOS-e820 lines nor /sys/firmware/memmap: no memory map to plan from', {
        file: snap.file,
      });
    const e820: E820Entry[] = snap.firmwareMap.map((f) => ({ start: f.start, end: f.end, type: FIRMWARE_TYPES[f.type] ?? 'reserved' }));
    const odd = [...new Set(snap.firmwareMap.map((f) => f.type).filter((t) => !(t in FIRMWARE_TYPES)))];
    if (odd.length) unknown.push(`firmware map types taken as reserved: ${odd.join(', ')}`);
    read.push('the e820 map from /sys/firmware/memmap (the firmware map as the kernel received it)');
    machine = {
      name: snap.file,
      arch: 'x86_64',
      e820,
      nodes: [],
      cpu: { features: [] },
      cmdline: snap.cmdline,
      source: snap.file,
      warnings: [],
    };
    unknown.push("the CPU's vendor (the log's smpboot line): the AMD HyperTransport hole and vendor-specific reservations not known");
    unknown.push(
      'where the boot loader put the kernel and the initrd, the ACPI tables and the other subsystems’ memblock calls: ' +
        'hvosim’s estimates (MemTotal within a few MiB)',
    );
  }
  machine = { ...machine, cmdline: snap.cmdline };
  // The nodes: the log's SRAT when it had one; else the memory blocks' node links (sysfs, no root needed).
  if (!machine.nodes.length) {
    const online = new Set(snap.nodes.map((n) => n.id));
    if (snap.blockSize && snap.blocks.length && online.size > 1) {
      machine = { ...machine, nodes: nodesFromBlocks(snap.blocks, snap.blockSize, SECTION_SIZE) };
      read.push(`the nodes from the memory blocks' node links (${snap.blocks.length} blocks of ${snap.blockSize / 2 ** 20} MiB)`);
      unknown.push(
        `node boundaries known to a memory block (${snap.blockSize / 2 ** 20} MiB) only, without the SRAT: ` +
          "a node's first or last block may hold a hole or another node's pages",
      );
    } else if (online.size > 1) unknown.push('several nodes, but no memory blocks to tell their ranges: booted as one node');
    else read.push(online.size === 1 ? 'one node (sysfs): no SRAT, the kernel fakes one node' : 'no NUMA nodes in sysfs: one node');
  }
  // 1 GiB pages: the kernel offers the size only when the CPU has them (gbpages).
  if (!machine.cpu.features.includes('pdpe1gb') && snap.hugepageSizesKb.includes(1048576))
    machine = { ...machine, cpu: { ...machine.cpu, features: [...machine.cpu.features, 'pdpe1gb'].sort() } };
  if (!snap.hugepageSizesKb.length && !(log && logWhole))
    unknown.push('no hugepages sysfs: whether the CPU has 1 GiB pages (pdpe1gb) not known, taken as not');
  return { machine: validateMachine(machine, snap.file), read, unknown };
}
