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
import { parseQemuCpu, type CpuVendor } from './qemu-cpu.js';
import { validateMachine } from './validate.js';

const LOW_RAM_SPLIT = 0xb0000000;
/** QEMU keeps this much below the end of low RAM for the firmware's ACPI data when it places the initrd. */
const INITRD_TOP_GAP = 0x30000;
const SEABIOS_TOP_RESERVED = 0x21000;
/** The x86 kernel's setup header says initrd_addr_max 0x7fffffff (arch/x86/boot/header.S): QEMU loads no initrd above it. */
const INITRD_ADDR_MAX = 0x7fffffff;
const FOUR_G = 4 * GiB;

export interface QemuSpec {
  /** One size per NUMA node (bytes; 0 for a node without memory); a single entry without -numa means no SRAT. */
  nodeSizes: number[];
  numa: boolean;
  cpuFeatures: string[];
  cmdline: string;
  /** The guest CPU's vendor: QEMU's default qemu64 model is AMD (the default here too). */
  cpuVendor?: CpuVendor;
  /** Where the sizes came from, for error lines: the file, and the fields of the total and of node i (QEMU's -m and -numa by default). */
  where?: { file?: string; total: string; node: (i: number) => string };
}

const QEMU_WHERE: NonNullable<QemuSpec['where']> = { total: '-m', node: (i: number) => `-numa node,nodeid=${i}` };

export type { CpuVendor };

const AMD_HT_START = 0xfd00000000;
const AMD_ABOVE_1TB_START = 0x10000000000;

/** The firmware view of a q35 guest with these node sizes. */
export function q35Machine(spec: QemuSpec, source = 'qemu'): Machine {
  const total = spec.nodeSizes.reduce((a, b) => a + b, 0);
  const where = spec.where ?? QEMU_WHERE;
  if (total < 16 * MiB)
    throw new InputError(`guest RAM of ${total} bytes is too small to boot (q35 needs at least 16 MiB)`, {
      file: where.file,
      field: where.total,
    });
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
      // A node without memory gets no SRAT memory entry (QEMU builds none of length 0).
      if (len === 0) {
        nodes.push(node);
        return;
      }
      // The first node with memory holds [0, 640K) and goes on at 1 MiB.
      if (base === 0) {
        if (len <= 0x100000)
          throw new InputError(`node ${id} of ${len} bytes: the first node with memory must hold more than the first MiB`, {
            file: where.file,
            field: where.node(id),
          });
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
  return {
    name: `q35 ${spec.nodeSizes.map(fmtSize).join(' ')}`,
    arch: 'x86_64',
    e820,
    nodes,
    cpu: { features: spec.cpuFeatures, vendor: spec.cpuVendor ?? 'AMD' },
    cmdline: spec.cmdline,
    source,
    warnings: [],
  };
}

/**
 * Where QEMU's loader puts an initrd of `size` bytes (x86_load_linux): page aligned, as high as
 * it fits below the end of low RAM less the ACPI gap, and below the kernel's initrd_addr_max
 * (2 GiB: a guest whose low RAM ends above it gets its initrd below 2 GiB). Returns the range the
 * kernel reserves (early_reserve_initrd rounds its end up to a page).
 */
export function qemuInitrdPlace(m: Machine, size: number): { start: number; size: number } {
  const lowEnd = Math.max(...m.e820.filter((e) => e.type === 'usable' && e.start < FOUR_G).map((e) => e.end));
  // The low RAM ends where SeaBIOS' reserved top does.
  const below4g = m.e820.find((e) => e.start === lowEnd && e.type === 'reserved')?.end ?? lowEnd;
  const max = Math.min(below4g - INITRD_TOP_GAP - 1, INITRD_ADDR_MAX);
  const start = Math.floor((max - size) / 4096) * 4096;
  if (size <= 0 || start < 0x100000)
    throw new InputError(`an initrd of ${size} bytes does not fit in ${below4g} bytes of low RAM`, { field: '-initrd' });
  return { start, size: Math.ceil((start + size) / 4096) * 4096 - start };
}

function fmtSize(b: number): string {
  return b % GiB === 0 ? `${b / GiB}G` : `${b / MiB}M`;
}

/**
 * QEMU 7.2's command-line options (qemu-options.hx, as `qemu-system-x86_64 -help` lists them):
 * true when the option takes an argument. Anything else is refused as QEMU refuses it.
 */
const QEMU_OPTIONS: Record<string, boolean> = Object.fromEntries([
  ...(
    'D L accel acpitable action add-fd append async-teardown audio audiodev bios blockdev boot cdrom chardev chroot compat cpu d ' +
    'debugcon device dfilter display drive dtb dump-vmstate echr fda fdb fsdev fw_cfg gdb global hda hdb hdc hdd icount incoming ' +
    'initrd iscsi k kernel loadvm m M machine mem-path mon monitor msg mtdblock name net netdev nic numa object option-rom ' +
    'overcommit parallel pflash pidfile plugin qmp qmp-pretty readconfig rotate rtc runas sandbox sd seed serial set smbios smp ' +
    'spice tpmdev trace usbdevice uuid vga virtfs vnc watchdog-action xen-domid'
  )
    .split(' ')
    .map((o) => [o, true] as const),
  ...(
    'preconfig S audio-help daemonize enable-kvm enable-sync-profile full-screen h help mem-prealloc no-acpi no-fd-bootchk ' +
    'no-hpet no-reboot no-shutdown no-user-config nodefaults nographic only-migratable portrait s singlestep snapshot usb ' +
    'version win2k-hack xen-attach xen-domid-restrict'
  )
    .split(' ')
    .map((o) => [o, false] as const),
]);

/** The keys of -numa, by type (qapi NumaOptions). */
const NUMA_KEYS: Record<string, string[]> = {
  node: ['nodeid', 'cpus', 'mem', 'memdev', 'initiator'],
  dist: ['src', 'dst', 'val'],
  cpu: ['node-id', 'socket-id', 'die-id', 'cluster-id', 'core-id', 'thread-id'],
  'hmat-lb': ['initiator', 'target', 'hierarchy', 'data-type', 'latency', 'bandwidth'],
  'hmat-cache': ['node-id', 'size', 'level', 'associativity', 'policy', 'line'],
};
/**
 * Options QEMU takes that change what the guest kernel sees but hvosim does not model: each one given
 * is said in a note (the machine's warnings), never dropped without a word. Host-side options (accel,
 * display, disks, backends' host policy) change nothing the kernel sees and pass silently.
 */
const NOT_MODELLED: Record<string, string> = {
  smp: 'hvosim boots one CPU, as the recorded boots did; more CPUs would take more per-cpu memory, spread over the nodes',
  'numa dist': 'no SLIT: the nodes keep the default distances (10 local, 20 remote), which order the zonelists',
  'numa cpu': 'CPUs are not placed: hvosim puts CPU 0 on the lowest node and has no others',
  'numa node,cpus':
    'CPUs are not placed: hvosim puts CPU 0 on the lowest node and has no others (a node with CPUs but no memory gets no node here)',
  'numa node,initiator': 'no HMAT initiators',
  'numa hmat-lb': 'no HMAT latencies or bandwidths',
  'numa hmat-cache': 'no HMAT memory-side caches',
  'm slots': 'no memory hotplug area: QEMU adds a hotpluggable SRAT range for slots= and maxmem=, hvosim none',
  initrd: 'the initrd is not placed: its size cannot be read here, so the boot reserves none (a machine from a log carries it)',
  bios: 'hvosim lays memory out as SeaBIOS does; other firmware (OVMF, ...) builds another memory map',
  pflash: 'hvosim lays memory out as SeaBIOS does; UEFI firmware (pflash) builds another memory map',
  'no-acpi': 'without ACPI the kernel finds no SRAT and fakes one node; hvosim still gives it the nodes',
  acpitable: 'extra ACPI tables are not placed in the memory map',
  global: 'the q35 board is taken with its default properties',
  set: 'the q35 board is taken with its default properties',
  readconfig: 'the configuration file is not read',
  'machine property': 'q35 properties beyond the type are not read: the memory map is the default q35 one',
  'device memory': 'memory devices (pc-dimm, nvdimm, virtio-mem, virtio-pmem, cxl) add no memory here',
};
/** -machine properties that change nothing the guest kernel's memory setup sees. */
const MACHINE_HOST_KEYS = new Set([
  'type',
  'accel',
  'kernel-irqchip',
  'kernel_irqchip',
  'usb',
  'vmport',
  'graphics',
  'dump-guest-core',
  'mem-merge',
  'suppress-vmdesc',
  'i8042',
  'sata',
  'smbus',
  'pit',
  'hpet',
  'smm',
  'default-bus-bypass-iommu',
]);
/** Devices that hold guest memory. */
const MEMORY_DEVICES = /^(pc-dimm|nvdimm|virtio-mem(-pci)?|virtio-pmem(-pci)?|cxl-type3)$/;

/** MAX_NODES in QEMU. */
const QEMU_MAX_NODES = 128;
/** Properties of the memory backends (hostmem.c and its -ram, -file, -memfd kinds). */
const BACKEND_KEYS = [
  'id',
  'size',
  'merge',
  'dump',
  'host-nodes',
  'policy',
  'prealloc',
  'prealloc-threads',
  'prealloc-context',
  'share',
  'reserve',
  'x-use-canonical-path-for-ramblock-id',
];
const BACKEND_EXTRA: Record<string, string[]> = {
  'memory-backend-ram': [],
  'memory-backend-file': ['mem-path', 'align', 'offset', 'discard-data', 'pmem', 'readonly', 'rom'],
  'memory-backend-memfd': ['hugetlb', 'hugetlbsize', 'seal'],
};

/** QEMU's sizes: a plain number is MiB for -m, bytes for object properties; suffixes as usual. */
function qemuSize(v: string, what: string, plainUnit: number): number {
  // QEMU's sizes take a fraction before a suffix (qemu_strtosz: "1.5G" is 1536 MiB), rounded down to a byte.
  const frac = /^(\d+)\.(\d+)([KMGTPE])$/i.exec(v);
  const unit = frac ? parseSize(`1${frac[3]}`) : null;
  const n = /^\d+$/.test(v) ? Number(v) * plainUnit : frac && unit ? Math.floor(Number(`${frac[1]}.${frac[2]}`) * unit) : parseSize(v);
  if (n === null || !Number.isSafeInteger(n)) throw new InputError(`cannot read a memory size from "${v}"`, { field: what });
  return n;
}

/** QemuOpts: "a=1,b=2"; the first item may be a bare value for the implied key. Keys must be known. */
function qemuOpts(opt: string, what: string, implied: string | null, keys: string[] | null): Map<string, string> {
  const m = new Map<string, string>();
  opt.split(',').forEach((part, i) => {
    const eq = part.indexOf('=');
    let k: string;
    let v: string;
    if (eq < 0 && i === 0 && implied) [k, v] = [implied, part];
    else if (eq < 0) [k, v] = [part, 'on'];
    else [k, v] = [part.slice(0, eq), part.slice(eq + 1)];
    if (keys && k !== implied && !keys.includes(k)) throw new InputError(`${what} ${opt}: Invalid parameter '${k}'`, { field: what });
    m.set(k, v);
  });
  return m;
}

/** Whether a q35 machine type still takes -numa node,mem= (machine types before 5.1 do). */
function numaMemSupported(machine: string): boolean {
  const v = /^pc-q35-(\d+)\.(\d+)$/.exec(machine);
  return !!v && (Number(v[1]) < 5 || (Number(v[1]) === 5 && Number(v[2]) === 0));
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** What reading a QEMU command line may need of the files it names (the page in a browser has none). */
export interface QemuFiles {
  /** The size of a file, as QEMU would read it; throws when it cannot be read. */
  size(path: string): number;
}

/** Read a QEMU command line (the arguments, with or without the program name). */
export function parseQemuArgs(args: string, files?: QemuFiles): Machine {
  try {
    return readQemuArgs(args, files);
  } catch (e) {
    // Said as coming from --qemu, then the QEMU option it names ("--qemu: -numa: ..."), never a bare "-m:".
    if (e instanceof InputError && !e.where?.file && e.where?.field !== '--qemu')
      throw new InputError(e.message, { ...e.where, file: '--qemu' });
    throw e;
  }
}

function readQemuArgs(args: string, files?: QemuFiles): Machine {
  let parsed: ReturnType<typeof shellQuote.parse>;
  try {
    parsed = shellQuote.parse(args);
  } catch (e) {
    throw new InputError(`cannot split the QEMU command line as a shell would: ${e instanceof Error ? e.message : String(e)}`, {
      field: '--qemu',
    });
  }
  const words = parsed.map((w) => {
    if (typeof w !== 'string')
      throw new InputError(`unsupported shell syntax in QEMU command line: ${JSON.stringify(w)}`, { field: '--qemu' });
    return w;
  });
  let mem: number | undefined;
  const backends = new Map<string, number>();
  const numaNodes: { nodeid: number; memdev?: string; mem?: number; opt: string }[] = [];
  let cpu = parseQemuCpu('qemu64');
  let append = '';
  let machine = 'q35';
  let initrd: string | undefined;
  const warnings: string[] = [];
  // What was given but is not modelled: each said once, with the options that gave it.
  const ignored = new Map<string, string[]>();
  const notModelled = (key: string, given: string) => ignored.set(key, [...(ignored.get(key) ?? []), given]);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-') || w === '-') {
      // The program's name, or a disk image (QEMU takes a bare word as -hda): nothing about memory.
      continue;
    }
    const name = w.replace(/^--?/, '');
    const hasArg = QEMU_OPTIONS[name];
    if (hasArg === undefined) throw new InputError(`${w}: invalid option`, { field: '--qemu' });
    if (!hasArg) {
      if (name in NOT_MODELLED) notModelled(name, w);
      continue;
    }
    const v = words[++i];
    if (v === undefined) throw new InputError(`${w} requires an argument`, { field: '--qemu' });
    if (name in NOT_MODELLED && name !== 'smp' && name !== 'initrd') notModelled(name, `${w} ${v}`);
    switch (name) {
      case 'smp':
        // One CPU is what hvosim boots (and what the recorded boots had).
        if (!/^(cpus=)?1$/.test(v)) notModelled('smp', `${w} ${v}`);
        break;
      case 'm': {
        const p = qemuOpts(v, '-m', 'size', ['size', 'slots', 'maxmem']);
        mem = qemuSize(p.get('size') ?? '', '-m', MiB);
        if (p.has('slots') || p.has('maxmem')) notModelled('m slots', `-m ${v}`);
        break;
      }
      case 'device': {
        const driver = qemuOpts(v, '-device', 'driver', null).get('driver') ?? '';
        if (MEMORY_DEVICES.test(driver)) notModelled('device memory', `-device ${v}`);
        break;
      }
      case 'drive':
        if (/(^|,)if=pflash(,|$)/.test(v)) notModelled('pflash', `-drive ${v}`);
        break;
      case 'object': {
        const p = qemuOpts(v, '-object', 'qom-type', null);
        const type = p.get('qom-type') ?? '';
        const extra = BACKEND_EXTRA[type];
        if (!extra) break; // other objects hold no guest RAM
        qemuOpts(v, '-object', 'qom-type', [...BACKEND_KEYS, ...extra]);
        const id = p.get('id');
        if (!id) throw new InputError(`${type} without id: "${v}"`, { field: '-object' });
        if (backends.has(id)) throw new InputError(`-object ${v}: an object with id '${id}' already exists`, { field: '-object' });
        const size = qemuSize(p.get('size') ?? '', '-object', 1);
        if (!size) throw new InputError(`property 'size' of ${type} doesn't take value '${p.get('size')}'`, { field: '-object' });
        backends.set(id, size);
        break;
      }
      case 'numa': {
        const type = qemuOpts(v, '-numa', 'type', null).get('type');
        if (!type || !NUMA_KEYS[type])
          throw new InputError(`-numa ${v}: Parameter 'type' does not accept value '${type ?? ''}'`, { field: '-numa' });
        const p = qemuOpts(v, '-numa', 'type', NUMA_KEYS[type]!);
        if (type !== 'node') {
          notModelled(`numa ${type}`, `-numa ${v}`);
          break;
        }
        if (p.has('cpus')) notModelled('numa node,cpus', `-numa ${v}`);
        if (p.has('initiator')) notModelled('numa node,initiator', `-numa ${v}`);
        const idText = p.get('nodeid');
        const nodeid = idText === undefined ? numaNodes.length : /^\d+$/.test(idText) ? Number(idText) : NaN;
        if (!Number.isInteger(nodeid)) throw new InputError(`-numa ${v}: Parameter 'nodeid' expects uint16`, { field: '-numa' });
        if (nodeid >= QEMU_MAX_NODES) throw new InputError(`-numa ${v}: Max number of NUMA nodes reached: ${nodeid}`, { field: '-numa' });
        if (numaNodes.some((n) => n.nodeid === nodeid))
          throw new InputError(`-numa ${v}: Duplicate NUMA nodeid: ${nodeid}`, { field: '-numa' });
        const node = { nodeid, memdev: p.get('memdev'), mem: p.has('mem') ? qemuSize(p.get('mem')!, '-numa mem', MiB) : undefined, opt: v };
        const memdevs = node.memdev !== undefined || numaNodes.some((n) => n.memdev !== undefined);
        const mems = node.mem !== undefined || numaNodes.some((n) => n.mem !== undefined);
        if (memdevs && mems)
          throw new InputError(`-numa ${v}: numa configuration should use either mem= or memdev=,mixing both is not allowed`, {
            field: '-numa',
          });
        numaNodes.push(node);
        break;
      }
      case 'cpu':
        cpu = parseQemuCpu(v);
        break;
      case 'append':
        append = v;
        break;
      case 'initrd':
        initrd = v;
        // Placed once the memory map is known, when the file can be sized; else said.
        if (!files) notModelled('initrd', `${w} ${v}`);
        break;
      case 'machine':
      case 'M': {
        const p = qemuOpts(v, '-machine', 'type', null);
        machine = p.get('type') ?? '';
        if ([...p.keys()].some((k) => !MACHINE_HOST_KEYS.has(k))) notModelled('machine property', `${w} ${v}`);
        break;
      }
      default:
        break;
    }
  }
  if (!/^(q35|pc-q35-\d+\.\d+)$/.test(machine))
    throw new InputError(`only the q35 machine is modelled, not "${machine}"`, { field: '-machine' });
  if (!cpu.lm) throw new InputError(`-cpu ${cpu.model} has no long mode (lm): an x86_64 kernel does not start on it`, { field: '-cpu' });
  if (cpu.note) warnings.push(cpu.note);
  for (const [key, given] of ignored) warnings.push(`${given.join(' ')}: not modelled (QEMU takes it): ${NOT_MODELLED[key]}`);
  let nodeSizes: number[];
  const ram = mem ?? 128 * MiB;
  if (numaNodes.length) {
    for (const n of numaNodes) {
      if (n.mem !== undefined && !numaMemSupported(machine)) {
        throw new InputError(
          `-numa ${n.opt}: Parameter -numa node,mem is not supported by this machine type (${machine}); use -numa node,memdev instead`,
          { field: '-numa' },
        );
      }
    }
    numaNodes.sort((a, b) => a.nodeid - b.nodeid);
    numaNodes.forEach((n, i) => {
      if (n.nodeid !== i) throw new InputError(`numa: Node ID missing: ${i}`, { field: '-numa' });
    });
    const used = new Set<string>();
    nodeSizes = numaNodes.map((n) => {
      if (n.memdev !== undefined) {
        const s = backends.get(n.memdev);
        if (s === undefined)
          throw new InputError(`-numa ${n.opt}: Device '${n.memdev}' not found (no memory backend with that id)`, { field: '-numa' });
        if (used.has(n.memdev)) throw new InputError(`memory backend ${n.memdev} can't be used multiple times.`, { field: '-numa' });
        used.add(n.memdev);
        return s;
      }
      // A node given neither: QEMU accepts it as a node without memory.
      return n.mem ?? 0;
    });
    const sum = nodeSizes.reduce((a, b) => a + b, 0);
    if (ram !== sum)
      throw new InputError(`total memory for NUMA nodes (${hex(sum)}) should equal RAM size (${hex(ram)})`, { field: '-numa' });
  } else {
    nodeSizes = [ram];
  }
  const m = q35Machine(
    { nodeSizes, numa: numaNodes.length > 0, cpuFeatures: cpu.pdpe1gb ? ['pdpe1gb'] : [], cpuVendor: cpu.vendor, cmdline: append },
    'qemu',
  );
  m.warnings.push(...warnings);
  // The initramfs QEMU loads is reserved until the kernel unpacks it: its size places it.
  if (initrd !== undefined && files) m.loader = { initrd: qemuInitrdPlace(m, files.size(initrd)) };
  return validateMachine(m);
}
