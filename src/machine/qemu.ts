// Machines as QEMU's q35 board (with SeaBIOS) lays them out, from a QEMU command line.
//
// Layout facts, all visible in the fixtures' BIOS-e820 and SRAT lines:
//  - RAM below 4 GiB ends at 2 GiB when the guest has 2.75 GiB or more, else all RAM is below 4 GiB;
//    the rest starts at 4 GiB;
//  - SeaBIOS keeps the top 0x21000 bytes of low RAM (ACPI tables and its own data) as reserved,
//    and the EBDA (0x9fc00-0x9ffff) and the BIOS ROM (0xf0000-0xfffff);
//  - fixed holes: PCIe MMCONFIG 0xb0000000-0xbfffffff, 0xfed1c000-0xfed1ffff, the BIOS flash
//    0xfffc0000-0xffffffff, and 0xfd00000000-0xffffffffff (reserved for the IOMMU/HT window);
//  - the SRAT gives node 0 [0, 640K) and then every node its size in order from 1 MiB, skipping
//    the 640K-1M hole and continuing at 4 GiB when a node crosses the end of low RAM.
import shellQuote from 'shell-quote';
import type { E820Entry } from './e820.js';
import type { Machine, MachineNode } from './types.js';
import { InputError } from '../util/errors.js';
import { GiB, MiB, parseSize } from '../util/units.js';

const LOW_RAM_SPLIT = 0xb0000000;
const SEABIOS_TOP_RESERVED = 0x21000;
const FOUR_G = 4 * GiB;

export interface QemuSpec {
  /** One size per NUMA node (bytes); a single entry without -numa means no SRAT. */
  nodeSizes: number[];
  numa: boolean;
  cpuFeatures: string[];
  cmdline: string;
  /** The guest CPU's vendor: QEMU's default qemu64 model is AMD (the default here too). */
  cpuVendor?: CpuVendor;
}

export type CpuVendor = 'AMD' | 'Intel';

/** The vendor of a QEMU -cpu model (qemu64, the default, is AMD; kvm64 and the Intel names are Intel). */
export function cpuModelVendor(model: string): CpuVendor {
  return /^(qemu64|phenom|athlon|opteron|epyc|dhyana)/i.test(model) ? 'AMD' : 'Intel';
}

const AMD_HT_START = 0xfd00000000;
const AMD_ABOVE_1TB_START = 0x10000000000;

/** The firmware view of a q35 guest with these node sizes. */
export function q35Machine(spec: QemuSpec, source = 'qemu'): Machine {
  const total = spec.nodeSizes.reduce((a, b) => a + b, 0);
  if (total < 16 * MiB) throw new InputError(`guest RAM of ${total} bytes is too small to boot (q35 needs at least 16 MiB)`, { field: '-m' });
  const lowmem = total >= LOW_RAM_SPLIT ? 2 * GiB : LOW_RAM_SPLIT;
  const below4g = Math.min(total, lowmem);
  const above4g = total - below4g;
  // For AMD guests (qemu64 among them) QEMU 7.1 on reserves the HyperTransport hole below 1 TiB,
  // and RAM above 4 GiB that would reach into it starts at 1 TiB instead (x86_update_above_4g_mem_start).
  const amd = (spec.cpuVendor ?? 'AMD') === 'AMD';
  const highStart = amd && FOUR_G + above4g > AMD_HT_START ? AMD_ABOVE_1TB_START : FOUR_G;
  const e820: E820Entry[] = [
    { start: 0, end: 0x9fc00, type: 'usable' },
    { start: 0x9fc00, end: 0xa0000, type: 'reserved' },
    { start: 0xf0000, end: 0x100000, type: 'reserved' },
    { start: 0x100000, end: below4g - SEABIOS_TOP_RESERVED, type: 'usable' },
    { start: below4g - SEABIOS_TOP_RESERVED, end: below4g, type: 'reserved' },
    { start: 0xb0000000, end: 0xc0000000, type: 'reserved' },
    { start: 0xfed1c000, end: 0xfed20000, type: 'reserved' },
    { start: 0xfffc0000, end: FOUR_G, type: 'reserved' },
  ];
  if (amd) e820.push({ start: AMD_HT_START, end: AMD_ABOVE_1TB_START, type: 'reserved' });
  if (above4g > 0) e820.push({ start: highStart, end: highStart + above4g, type: 'usable' });
  e820.sort((a, b) => a.start - b.start);

  const nodes: MachineNode[] = [];
  if (spec.numa) {
    let base = 0;
    spec.nodeSizes.forEach((size, id) => {
      const node: MachineNode = { id, ranges: [] };
      let len = size;
      if (id === 0) {
        node.ranges.push({ start: 0, end: 0xa0000 });
        base = 0x100000;
        len -= 0x100000;
      }
      if (base < below4g && base + len > below4g) {
        node.ranges.push({ start: base, end: below4g });
        len -= below4g - base;
        base = highStart;
      } else if (base === below4g && below4g < FOUR_G) {
        base = highStart;
      }
      if (len > 0) node.ranges.push({ start: base, end: base + len });
      base += len;
      nodes.push(node);
    });
  }
  return { name: `q35 ${spec.nodeSizes.map(fmtSize).join(' ')}`, arch: 'x86_64', e820, nodes, cpu: { features: spec.cpuFeatures, vendor: spec.cpuVendor ?? 'AMD' }, cmdline: spec.cmdline, source, warnings: [] };
}

function fmtSize(b: number): string {
  return b % GiB === 0 ? `${b / GiB}G` : `${b / MiB}M`;
}

/** QEMU's -m: a plain number is MiB; suffixes as usual. */
function qemuSize(v: string, what: string): number {
  const sizePart = v.includes('=') ? (/(?:^|,)size=([^,]+)/.exec(v)?.[1] ?? '') : v.split(',')[0]!;
  const n = /^\d+$/.test(sizePart) ? Number(sizePart) * MiB : parseSize(sizePart);
  if (n === null || !n) throw new InputError(`cannot read a memory size from "${v}"`, { field: what });
  return n;
}

function kv(opt: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of opt.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) m.set(part.slice(0, eq), part.slice(eq + 1));
    else m.set(part, '');
  }
  return m;
}

/** Read a QEMU command line (the arguments, with or without the program name). */
export function parseQemuArgs(args: string): Machine {
  const words = shellQuote.parse(args).map((w) => {
    if (typeof w !== 'string') throw new InputError(`unsupported shell syntax in QEMU command line: ${JSON.stringify(w)}`, { field: '--qemu' });
    return w;
  });
  let mem: number | undefined;
  const backends = new Map<string, number>();
  const numaNodes: { nodeid: number; memdev?: string; mem?: number }[] = [];
  let cpuFeatures: string[] = [];
  let cpuVendor: CpuVendor = 'AMD';
  let append = '';
  let machine = 'q35';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const val = () => {
      const v = words[++i];
      if (v === undefined) throw new InputError(`${w} needs a value`, { field: '--qemu' });
      return v;
    };
    switch (w) {
      case '-m':
        mem = qemuSize(val(), '-m');
        break;
      case '-object': {
        const o = val();
        const p = kv(o);
        if ([...p.keys()][0]?.startsWith('memory-backend')) {
          const id = p.get('id');
          if (!id) throw new InputError(`memory backend without id: "${o}"`, { field: '-object' });
          backends.set(id, qemuSize(o, '-object'));
        }
        break;
      }
      case '-numa': {
        const o = val();
        const p = kv(o);
        if (p.has('node')) {
          const nodeid = p.has('nodeid') ? Number(p.get('nodeid')) : numaNodes.length;
          if (!Number.isInteger(nodeid) || nodeid < 0) throw new InputError(`bad nodeid in "${o}"`, { field: '-numa' });
          numaNodes.push({ nodeid, memdev: p.get('memdev'), mem: p.has('mem') ? qemuSize(p.get('mem')!, '-numa mem') : undefined });
        }
        break;
      }
      case '-cpu': {
        const parts = val().split(',');
        cpuVendor = cpuModelVendor(parts[0]!);
        cpuFeatures = parts.slice(1).filter((f) => f.startsWith('+')).map((f) => f.slice(1));
        break;
      }
      case '-append':
        append = val();
        break;
      case '-machine':
      case '-M':
        machine = val().split(',')[0]!.replace(/^type=/, '');
        break;
      default:
        break;
    }
  }
  if (!/^(q35|pc-q35)/.test(machine)) throw new InputError(`only the q35 machine is modelled, not "${machine}"`, { field: '-machine' });
  let nodeSizes: number[];
  if (numaNodes.length) {
    numaNodes.sort((a, b) => a.nodeid - b.nodeid);
    nodeSizes = numaNodes.map((n) => {
      if (n.memdev) {
        const s = backends.get(n.memdev);
        if (s === undefined) throw new InputError(`-numa node refers to unknown memdev "${n.memdev}"`, { field: '-numa' });
        return s;
      }
      if (n.mem !== undefined) return n.mem;
      throw new InputError(`-numa node,nodeid=${n.nodeid} has neither memdev= nor mem=`, { field: '-numa' });
    });
    const sum = nodeSizes.reduce((a, b) => a + b, 0);
    if (mem !== undefined && mem !== sum) throw new InputError(`-m ${mem / MiB}M does not equal the sum of the NUMA nodes (${sum / MiB}M)`, { field: '-m' });
  } else {
    nodeSizes = [mem ?? 128 * MiB];
  }
  return q35Machine({ nodeSizes, numa: numaNodes.length > 0, cpuFeatures, cpuVendor, cmdline: append }, 'qemu');
}
