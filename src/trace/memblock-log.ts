// The memblock=debug lines of a kernel log, and the few other lines the
// replay needs to know where it is in setup_arch() (SRAT, NODE_DATA, max_pfn).
import type { MemblockCallArgs, MemblockRegion } from '../kernel/memblock.js';
import { MAX_NUMNODES } from '../kernel/memblock-flags.js';
import { InputError } from '../util/errors.js';
import { parseHex } from '../util/format.js';
import { cutShortAt, type KernelLog } from './log.js';
import { ALLOC_OUTCOME_CALLER } from '../util/kernel-callers.js';

export interface DumpState {
  memorySize: number;
  reservedSize: number;
  memory: MemblockRegion[];
  reserved: MemblockRegion[];
}

export type LogEvent =
  /** `reserveFlags`: the flags a "__memblock_reserve:" line names (6.16 on): MEMBLOCK_RSRV_KERN is memblock_reserve_kern(). */
  | { kind: 'call'; lineNo: number; text: string; call: MemblockCallArgs; reserveFlags?: number }
  | { kind: 'dump'; lineNo: number; dump: DumpState }
  | { kind: 'srat'; lineNo: number; nid: number; pxm: number; start: number; end: number; hotplug: boolean }
  | { kind: 'fake-node'; lineNo: number; start: number; end: number }
  | { kind: 'numa-merge'; lineNo: number; text: string }
  | { kind: 'node-data'; lineNo: number; nid: number; start: number; end: number }
  | { kind: 'last-pfn'; lineNo: number; pfn: number }
  | { kind: 'ramdisk'; lineNo: number; start: number; end: number };

const HEXN = '(0x[0-9a-f]+)';
const CALLER = '(\\S+?)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: \\[[^\\]]*\\])?';
const RE_RANGE = new RegExp(`^(memblock_add|memblock_remove|memblock_reserve|memblock_phys_free): \\[${HEXN}-${HEXN}\\] ${CALLER}$`);
// From 6.16 a reservation prints as "__memblock_reserve: [a-b] nid=N flags=F caller" (memblock_reserve()
// and memblock_reserve_kern() both go through __memblock_reserve(), which names the node and flags).
const RE_RESERVE_NID = new RegExp(`^__memblock_reserve: \\[${HEXN}-${HEXN}\\] nid=(-?\\d+) flags=([0-9a-fx]+) ${CALLER}$`);
// From 7.3 a HugeTLB boot page comes from memblock_alloc_hugetlb(size, nid, exact_nid), which prints its own
// line and reserves what it found itself ("__memblock_reserve: [..] ... memblock_alloc_hugetlb").
const RE_ALLOC_HUGETLB = new RegExp(`^memblock_alloc_hugetlb: (\\d+) bytes, nid=(-?\\d+), exact_nid=([01]) ${CALLER}$`);
const RE_ADD_NODE = new RegExp(`^memblock_add_node: \\[${HEXN}-${HEXN}\\] nid=(-?\\d+) flags=([0-9a-fx]+) ${CALLER}$`);
const RE_ALLOC_NID = new RegExp(
  `^(memblock_alloc_try_nid|memblock_alloc_try_nid_raw|memblock_alloc_exact_nid_raw): (\\d+) bytes align=${HEXN} ` +
    `nid=(-?\\d+) from=${HEXN} max_addr=${HEXN} ${CALLER}$`,
);
const RE_PHYS_RANGE = new RegExp(`^memblock_phys_alloc_range: (\\d+) bytes align=${HEXN} from=${HEXN} max_addr=${HEXN} ${CALLER}$`);
export const RE_SRAT = /^ACPI: SRAT: Node (\d+) PXM (\d+) \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]( hotplug)?/;
const RE_FAKE = /^Faking a node at \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]/;
const RE_NODE_DATA = /^NODE_DATA\((\d+)\) allocated \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]/;
const RE_LAST_PFN = /^last_pfn = (0x[0-9a-f]+) max_arch_pfn/;
export const RE_RAMDISK = /^RAMDISK: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]/;
const RE_DUMP_SIZES = /^ memory size = (0x[0-9a-f]+) reserved size = (0x[0-9a-f]+)$/;
const RE_DUMP_CNT = /^ (memory|reserved)\.cnt\s+= (0x[0-9a-f]+)$/;
const RE_DUMP_REGION =
  /^ (memory|reserved)\[(0x[0-9a-f]+)\]\s+\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], (0x[0-9a-f]+) bytes(?: on node (\d+))? flags: (0x[0-9a-f]+)$/;

export interface MemblockLog {
  events: LogEvent[];
  /** True when the log ends inside the memblock era (a call whose outcome is cut off). */
  truncated: boolean;
  /** Where a truncated log ends: the last line of the file. */
  cutAt: number | null;
}

/** Pull the memblock events out of a kernel log; a memblock line that does not parse is an InputError. */
export function parseMemblockLog(log: KernelLog): MemblockLog {
  const events: LogEvent[] = [];
  const lines = log.dmesg;
  let truncated = false;
  // A log that stops before memblock's work is done was cut short (a file's head, a dump broken off).
  const cut = cutShortAt(log) !== null;
  for (let i = 0; i < lines.length; i++) {
    const { lineNo, text } = lines[i]!;
    const isLast = i === lines.length - 1;
    if (text.startsWith('memblock_') || text.startsWith('__memblock_')) {
      const call = parseMemblockCall(text);
      if (!call) {
        if (isLast && cut) {
          truncated = true;
          break;
        }
        throw new InputError(`cannot parse memblock line "${text}"`, { file: log.file, line: lineNo });
      }
      const rf = RE_RESERVE_NID.exec(text);
      events.push(rf ? { kind: 'call', lineNo, text, call, reserveFlags: parseInt(rf[4]!, 16) } : { kind: 'call', lineNo, text, call });
      continue;
    }
    if (text === 'MEMBLOCK configuration:') {
      const parsed = parseDump(lines, i, log.file);
      if (!parsed) {
        truncated = true;
        break;
      }
      events.push({ kind: 'dump', lineNo, dump: parsed.dump });
      i = parsed.next - 1;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = RE_SRAT.exec(text))) {
      events.push({ kind: 'srat', lineNo, nid: +m[1]!, pxm: +m[2]!, start: parseHex(m[3]!), end: parseHex(m[4]!) + 1, hotplug: !!m[5] });
    } else if ((m = RE_FAKE.exec(text))) {
      events.push({ kind: 'fake-node', lineNo, start: parseHex(m[1]!), end: parseHex(m[2]!) + 1 });
    } else if (text.startsWith('NUMA: Node ')) {
      events.push({ kind: 'numa-merge', lineNo, text });
    } else if ((m = RE_NODE_DATA.exec(text))) {
      events.push({ kind: 'node-data', lineNo, nid: +m[1]!, start: parseHex(m[2]!), end: parseHex(m[3]!) + 1 });
    } else if ((m = RE_LAST_PFN.exec(text))) {
      events.push({ kind: 'last-pfn', lineNo, pfn: parseHex(m[1]!) });
    } else if ((m = RE_RAMDISK.exec(text))) {
      events.push({ kind: 'ramdisk', lineNo, start: parseHex(m[1]!), end: parseHex(m[2]!) + 1 });
    }
  }
  // An allocation that is the last memblock line of a cut-off log has an unknown outcome.
  if (cut && events.some((e) => e.kind === 'call' || e.kind === 'dump')) truncated = true;
  return { events, truncated, cutAt: truncated ? log.lastLine : null };
}

/** Whether a logged call is the reservation that records the outcome of an allocation of `size` bytes. */
export function isAllocOutcome(c: MemblockCallArgs | undefined, size: number): boolean {
  return !!c && c.fn === 'memblock_reserve' && c.caller === ALLOC_OUTCOME_CALLER && c.size === size;
}

/** One memblock=debug line as a call record (no result yet), or null if it is not one. */
export function parseMemblockCall(text: string): MemblockCallArgs | null {
  let m: RegExpExecArray | null;
  if ((m = RE_RANGE.exec(text))) {
    const base = parseHex(m[2]!);
    return { fn: m[1]!, base, size: parseHex(m[3]!) + 1 - base, caller: m[4]! };
  }
  if ((m = RE_RESERVE_NID.exec(text))) {
    // The node and flags it names are not part of the call: the reservation is the same one older kernels print.
    // memblock_alloc_hugetlb()'s own reservation is the outcome of its allocation, as memblock_alloc_range_nid()'s is.
    const base = parseHex(m[1]!);
    return {
      fn: 'memblock_reserve',
      base,
      size: parseHex(m[2]!) + 1 - base,
      caller: m[5] === 'memblock_alloc_hugetlb' ? ALLOC_OUTCOME_CALLER : m[5]!,
    };
  }
  if ((m = RE_ALLOC_HUGETLB.exec(text))) {
    // The same search as memblock_alloc_{try,exact}_nid_raw(size, size, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid) without
    // mirrored memory, and stepping over KHO scratch areas (none on a boot without a kexec handover): read as that call.
    const size = +m[1]!;
    return {
      fn: m[3] === '1' ? 'memblock_alloc_exact_nid_raw' : 'memblock_alloc_try_nid_raw',
      size,
      align: size,
      nid: +m[2]!,
      from: 0,
      maxAddr: 0,
      caller: m[4]!,
    };
  }
  if ((m = RE_ALLOC_NID.exec(text))) {
    return { fn: m[1]!, size: +m[2]!, align: parseHex(m[3]!), nid: +m[4]!, from: parseHex(m[5]!), maxAddr: parseHex(m[6]!), caller: m[7]! };
  }
  if ((m = RE_PHYS_RANGE.exec(text))) {
    return {
      fn: 'memblock_phys_alloc_range',
      size: +m[1]!,
      align: parseHex(m[2]!),
      from: parseHex(m[3]!),
      maxAddr: parseHex(m[4]!),
      caller: m[5]!,
    };
  }
  if ((m = RE_ADD_NODE.exec(text))) {
    const base = parseHex(m[1]!);
    return { fn: 'memblock_add_node', base, size: parseHex(m[2]!) + 1 - base, nid: +m[3]!, flags: parseInt(m[4]!, 16), caller: m[5]! };
  }
  return null;
}

function parseDump(lines: KernelLog['dmesg'], at: number, file: string): { dump: DumpState; next: number } | null {
  let i = at + 1;
  const sizes = lines[i] ? RE_DUMP_SIZES.exec(lines[i]!.text) : null;
  if (!sizes) return null;
  i++;
  const dump: DumpState = { memorySize: parseHex(sizes[1]!), reservedSize: parseHex(sizes[2]!), memory: [], reserved: [] };
  for (const type of ['memory', 'reserved'] as const) {
    const cntLine = lines[i];
    const cnt = cntLine ? RE_DUMP_CNT.exec(cntLine.text) : null;
    if (!cnt || cnt[1] !== type) return null;
    i++;
    const n = parseHex(cnt[2]!);
    for (let k = 0; k < n; k++) {
      const l = lines[i];
      const r = l ? RE_DUMP_REGION.exec(l.text) : null;
      if (!r || r[1] !== type) {
        if (!l) return null;
        throw new InputError(`MEMBLOCK configuration: expected ${type}[${k}], got "${l.text}"`, { file, line: l.lineNo });
      }
      const base = parseHex(r[3]!);
      const size = parseHex(r[5]!);
      // memblock keeps its regions sorted and apart: a dump that says otherwise was not printed by a kernel.
      const prev = dump[type].at(-1);
      if (size !== 0 && prev && base < prev.base + prev.size)
        throw new InputError(`MEMBLOCK configuration: ${type}[${k}] overlaps or comes before the region above it`, {
          file,
          line: l!.lineNo,
        });
      if (size !== 0) dump[type].push({ base, size, nid: r[6] !== undefined ? +r[6] : MAX_NUMNODES, flags: parseHex(r[7]!) });
      i++;
    }
  }
  return { dump, next: i };
}
