// The order of boot steps (start_kernel -> setup_arch on x86_64) for each profile.
//
// One boot function for the three generations (6.1, 6.15, hvo-v7): the
// profile decides where hugetlb takes its gigantic pages and which vmemmap
// steps run (MODELLED_STEPS); the subsystems are shared. The memblock calls of
// other subsystems come from an OtherSubsystems: replayed from a log, or
// estimated. A boot the kernel would not survive stops at a KernelPanic.
import type { Arch } from '../arch/index.js';
import { x86_64 } from '../arch/index.js';
import type { Machine } from '../machine/types.js';
import { hex010, hex018 } from '../util/format.js';
import { memparse } from '../util/units.js';
import type { KernelBuild } from './config.js';
import { DEBIAN_6_1_CLOUD } from './config.js';
import { biosRegionStart, e820EndPfn, e820MemblockSetup, e820PrintTable, e820RangeRemove, e820RangeUpdate } from './e820.js';
import {
  MEMBLOCK_ALLOC_ACCESSIBLE,
  memblockAllocTryNid,
  memblockDumpAll,
  memblockPhysAllocRange,
  memblockPhysFree,
  memblockReserve,
  memblockSetCurrentLimit,
  NUMA_NO_NODE,
} from './memblock.js';
import type { MemblockFaults } from './memblock.js';
import { allocNodeData, numaAddMemblk, numaCleanupMeminfo, numaNodeSpans, numaRegisterMemblks, numaResetMemblockNodes } from './numa.js';
import { cpuHasGbpages, giganticPagesInit, hugetlbBootmemAlloc, hugetlbInit, hugetlbParseArgs, setMaxHugePages } from './hugetlb.js';
import { hugetlbVmemmapInit } from './hugetlb-vmemmap.js';
import { freeAreaInit } from './mm-init.js';
import { freeReservedPages, memblockFreeAll, recordAfterHugetlbInit, recordBeforeHugetlbInit } from './page-alloc.js';
import { sparseInit } from './sparse.js';
import type { BootStep, KernelState, OtherPoint, OtherSubsystems, Profile } from './state.js';
import { beginStep, createKernelState, endStep, KernelPanic, printk } from './state.js';

/** MAX_ARCH_PFN on x86_64 4-level: 1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT). */
function maxArchPfn(arch: Arch): number {
  return 2 ** (arch.maxPhysmemBits - arch.pageShift);
}

/** Value of the last `name=` on the command line (the kernel keeps the last), or undefined. */
export function cmdlineValue(s: KernelState, name: string): string | undefined {
  let v: string | undefined;
  for (const w of s.cmdline) if (w.startsWith(name + '=')) v = w.slice(name.length + 1);
  return v;
}

function cmdlineHas(s: KernelState, word: string): boolean {
  return s.cmdline.includes(word);
}

/** setup_arch(): the early e820 fix-ups and max_pfn. */
function setupArchE820(s: KernelState): void {
  beginStep(s, 'e820__memory_setup');
  printk(s, ...e820PrintTable(s.e820));
  beginStep(s, 'setup_arch');
  // The first page belongs to the BIOS; the legacy VGA/BIOS hole is never RAM.
  let r = e820RangeUpdate(s.e820, 0, s.arch.pageSize, 'usable', 'reserved');
  s.e820 = r.table;
  printk(s, r.log);
  r = e820RangeRemove(s.e820, 0xa0000, s.arch.isaEnd - 0xa0000, 'usable');
  s.e820 = r.table;
  printk(s, r.log);
  const top = e820EndPfn(s.e820, maxArchPfn(s.arch), maxArchPfn(s.arch));
  s.maxPfn = top.pfn;
  printk(s, top.log);
  const fourG = 2 ** 32 / s.arch.pageSize;
  if (s.maxPfn > fourG) {
    const low = e820EndPfn(s.e820, fourG, maxArchPfn(s.arch));
    s.maxLowPfn = low.pfn;
    printk(s, low.log);
  } else {
    s.maxLowPfn = s.maxPfn;
  }
}

/** early_reserve_memory(): made before memblock=debug is parsed, so never printed. */
function earlyReserveMemory(s: KernelState): void {
  beginStep(s, 'early_reserve_memory');
  const mb = s.memblock;
  const debug = mb.debug;
  mb.debug = false;
  const image = kernelImage(s);
  memblockReserve(mb, image.start, image.size, 'early_reserve_memory');
  memblockReserve(mb, 0, 64 * 1024, 'early_reserve_memory');
  const initrd = s.machine.loader?.initrd;
  if (initrd) memblockReserve(mb, initrd.start, initrd.size, 'early_reserve_initrd');
  // reserve_bios_regions(): from the BIOS's low-memory size (the end of the first e820 entry) to 1 MiB.
  const bios = biosRegionStart(s.machine.e820, s.arch.pageSize, s.arch.isaEnd);
  if (bios !== null) memblockReserve(mb, bios, s.arch.isaEnd - bios, 'reserve_bios_regions');
  mb.debug = debug;
}

/** Where the kernel image is: as the loader placed it, else the build's physical start (no KASLR). */
function kernelImage(s: KernelState): { start: number; size: number } {
  return s.machine.loader?.kernelImage ?? { start: s.build.imageStart, size: s.build.imageSize };
}

/** reserve_brk() then e820__memblock_setup() under the ISA limit. */
function memblockSetup(s: KernelState): void {
  beginStep(s, 'reserve_brk');
  const image = kernelImage(s);
  memblockReserve(s.memblock, image.start + image.size, s.build.brkSize, 'setup_arch');
  memblockSetCurrentLimit(s.memblock, s.arch.isaEnd);
  beginStep(s, 'e820__memblock_setup');
  const dump = e820MemblockSetup(s.memblock, s.e820);
  if (s.memblock.debug) printk(s, ...dump);
}

/** reserve_real_mode(), the first-megabyte reservation, and init_mem_mapping()'s probe of the top of RAM. */
function realModeAndMapping(s: KernelState): void {
  beginStep(s, 'reserve_real_mode');
  const mb = s.memblock;
  memblockPhysAllocRange(mb, s.build.realModeSize, s.arch.pageSize, 0, s.arch.isaEnd, 'reserve_real_mode');
  memblockReserve(mb, 0, s.arch.isaEnd, 'setup_arch');
  beginStep(s, 'init_mem_mapping');
  const top = s.maxPfn * s.arch.pageSize;
  const probe = memblockPhysAllocRange(mb, s.arch.pmdSize, s.arch.pmdSize, s.arch.isaEnd, top, 'init_mem_mapping');
  if (probe) memblockPhysFree(mb, probe, s.arch.pmdSize, 'init_mem_mapping');
  memblockSetCurrentLimit(mb, top);
  // 64-bit maps all RAM directly: max_low_pfn becomes max_pfn.
  if (s.maxPfn > s.maxLowPfn) s.maxLowPfn = s.maxPfn;
}

/** setup_log_buf(1): with log_buf_len=, the text, descriptor and info arrays of the new ring buffer. */
function setupLogBuf(s: KernelState): void {
  const v = cmdlineValue(s, 'log_buf_len');
  if (v === undefined) return;
  beginStep(s, 'setup_log_buf');
  let len = memparse(v).value;
  if (len > 0) len = 2 ** Math.ceil(Math.log2(len));
  const builtIn = 1 << 18; // CONFIG_LOG_BUF_SHIFT=18
  if (len <= builtIn) return;
  const mb = s.memblock;
  const count = len / 32; // PRB_AVGBITS = 5
  memblockAllocTryNid(mb, len, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  memblockAllocTryNid(mb, count * s.build.prbDescSize, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  memblockAllocTryNid(mb, count * s.build.printkInfoSize, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  printk(s, `printk: log_buf_len: ${len} bytes`);
}

/** acpi_boot_table_init() -> acpi_reserve_initial_tables(): keep the firmware's tables. */
function acpiReserveInitialTables(s: KernelState): void {
  const tables = s.machine.acpiTables;
  if (!tables?.length) return;
  beginStep(s, 'acpi_reserve_initial_tables');
  for (const t of tables) {
    printk(s, `ACPI: Reserving ${t.signature} table memory at [mem ${hex010(t.start)}-${hex010(t.start + t.size - 1)}]`);
    memblockReserve(s.memblock, t.start, t.size, 'acpi_reserve_initial_tables');
  }
}

/** x86_numa_init() -> numa_init(): SRAT (or a fake node), cleanup, node ids, node data. */
function numaInit(s: KernelState): void {
  beginStep(s, 'numa_init');
  const mb = s.memblock;
  numaResetMemblockNodes(mb);
  const numaOff = cmdlineHas(s, 'numa=off');
  if (s.machine.nodes.length && !numaOff) {
    for (const n of s.machine.nodes) {
      for (const r of n.ranges) {
        printk(s, `ACPI: SRAT: Node ${n.id} PXM ${n.id} [mem ${hex010(r.start)}-${hex010(r.end - 1)}]${r.hotplug ? ' hotplug' : ''}`);
        numaAddMemblk(s.numa, n.id, r.start, r.end, r.hotplug);
      }
    }
  }
  let cleanup = numaCleanupMeminfo(mb, s.numa, s.maxPfn * s.arch.pageSize);
  printk(s, ...cleanup.log);
  if (!s.numa.blks.length || !cleanup.ok) {
    // dummy_numa_init(): one node over all RAM.
    s.numa = { blks: [] };
    const end = s.maxPfn * s.arch.pageSize;
    printk(s, numaOff ? 'NUMA turned off' : 'No NUMA configuration found');
    printk(s, `Faking a node at [mem ${hex018(0)}-${hex018(end - 1)}]`);
    numaAddMemblk(s.numa, 0, 0, end);
    cleanup = numaCleanupMeminfo(mb, s.numa, end);
  }
  numaRegisterMemblks(mb, s.numa);
  const nidOfPfn = (pfn: number) => {
    const a = pfn * s.arch.pageSize;
    return s.numa.blks.find((b) => b.start <= a && a < b.end)?.nid ?? -1;
  };
  for (const [nid] of numaNodeSpans(s.numa)) {
    const nd = allocNodeData(mb, nid, s.build.pgdatSize, s.arch.smpCacheBytes, nidOfPfn);
    s.nodeData.set(nid, nd.addr);
    printk(s, ...nd.log);
  }
  if (mb.debug) printk(s, ...memblockDumpAll(mb));
}

/** free_reserved_area() for a part of the kernel image (alternatives, initmem, the section gaps). */
function freeImagePart(s: KernelState, i: number): void {
  const part = s.build.imageFrees[i];
  if (!part) return;
  beginStep(s, `free ${part.what}`);
  freeReservedPages(s, kernelImage(s).start / s.arch.pageSize, (part.kb * 1024) / s.arch.pageSize);
  printk(s, `Freeing ${part.what} memory: ${part.kb}K`);
}

/** free_initrd_mem(): the initramfs pages go to the allocator once unpacked. */
function freeInitrdMem(s: KernelState): void {
  const initrd = s.machine.loader?.initrd;
  if (!initrd) return;
  beginStep(s, 'free_initrd_mem');
  const ps = s.arch.pageSize;
  const start = Math.floor(initrd.start / ps);
  const pages = Math.ceil((initrd.start + initrd.size) / ps) - start;
  freeReservedPages(s, start, pages);
  printk(s, `Freeing initrd memory: ${(pages * ps) / 1024}K`);
}

/** The steps hvosim models, in boot order. */
export const MODELLED_STEPS = [
  'e820__memory_setup',
  'setup_arch (e820 fix-ups, max_pfn)',
  'early_reserve_memory',
  'reserve_brk',
  'e820__memblock_setup',
  'reserve_real_mode',
  'init_mem_mapping (top-of-RAM probe)',
  'setup_log_buf',
  'acpi_reserve_initial_tables (when the machine lists its ACPI tables)',
  'numa_init / alloc_node_data',
  '6.15, hvo-v7: hugetlb_bootmem_alloc (the hugetlb parameters, gigantic pages from memblock before sparse_init)',
  'sparse_init (section roots, usemaps, memmap buffers, vmemmap page tables and 2 MiB blocks)',
  '6.15, hvo-v7: hugetlb_vmemmap_init_early (pre-HVO in 6.15; marking only in hvo-v7) from sparse_init_nid',
  'free_area_init (zone ranges, kernelcore=/movablecore=, spanned and present pages, unavailable ranges)',
  '6.15, hvo-v7: hugetlb_vmemmap_init_late (zone check; undo in 6.15; HVO onto the zone shared tail in hvo-v7) before memmap_init',
  '6.1: parse_args: hugepagesz=, hugepages=, default_hugepagesz=, hugetlb_free_vmemmap= (gigantic pages from memblock)',
  'memblock_free_all (managed pages per zone)',
  'hugetlb_init (2 MiB pages, gather_bootmem_prealloc with each generation\'s HVO, vmemmap_wrprotect_hvo, report_hugepages)',
  'late frees of the kernel image and the initrd; hugetlb_vmemmap_init (late_initcall: hvo-v7 initializes the shared tails)',
  'nr_hugepages after boot (growing or shrinking the default-size pool; surplus pages when HVO cannot be undone)',
];

/** What the boot does not model, said wherever results are shown. */
export const NOT_MODELLED = [
  '6.15 and hvo-v7 reuse the Debian 6.1 build facts and other subsystems\' calls; only the hugetlb, sparse and vmemmap path differs',
  'deferred struct page init: memmap_init() is taken to write every struct page',
  "other subsystems' memblock calls without a log are an estimate (per-cpu chunk, setup_arch tables, hashes, swiotlb, alloc_low_pages)",
  'the buddy allocator: where 2 MiB pages and HVO page tables land is an estimate (counts per node are exact while memory lasts)',
  'growing a gigantic pool at run time (alloc_contig_pages)',
  'MemFree (an estimate)',
  'ACPI tables of generated q35 machines (SeaBIOS puts them outside RAM)',
];

export interface BootOptions {
  profile?: Profile;
  arch?: Arch;
  build?: KernelBuild;
  /** The memblock calls of subsystems we do not model: replayed from a log, or estimated. */
  others?: OtherSubsystems | null;
  /** After boot, write this to /proc/sys/vm/nr_hugepages (grows the default-size pool). */
  nrHugepages?: number;
  /** Allocation failures to inject into memblock. */
  faults?: MemblockFaults;
  /** Called after every step (invariant checks). */
  afterStep?: (s: KernelState, step: BootStep) => void;
  /** No shortcuts: see KernelState.stepwise. */
  stepwise?: boolean;
}

/** Boot a machine through the modelled steps; returns the state after them. */
export function boot(machine: Machine, opts: BootOptions = {}): KernelState {
  const s = createKernelState(machine, opts.arch ?? x86_64, opts.build ?? DEBIAN_6_1_CLOUD, opts.profile ?? 'hvo-v7');
  s.memblock.debug = s.cmdline.includes('memblock=debug');
  s.others = opts.others ?? null;
  if (opts.faults) s.memblock.faults = opts.faults;
  if (opts.afterStep) s.afterStep = opts.afterStep;
  s.stepwise = opts.stepwise ?? false;
  const others = (p: OtherPoint) => s.others?.at(s, p);
  try {
    others('start');
    printk(s, `Command line: ${machine.cmdline}`);
    setupArchE820(s);
    earlyReserveMemory(s);
    memblockSetup(s);
    realModeAndMapping(s);
    others('init_mem_mapping');
    setupLogBuf(s);
    acpiReserveInitialTables(s);
    numaInit(s);
    // 6.15 and hvo-v7 take gigantic pages from memblock before sparse_init() when the CPU has 1 GiB pages.
    if (s.profile !== '6.1' && cpuHasGbpages(s)) hugetlbBootmemAlloc(s);
    sparseInit(s);
    s.zones = freeAreaInit(s);
    // The rest of setup_arch(), then start_kernel(): per-cpu areas, zonelists, the command line.
    others('setup_arch_end');
    printk(s, `Kernel command line: ${machine.cmdline}`);
    if (s.profile === '6.1') hugetlbParseArgs(s);
    others('start_kernel');
    // mm_core_init(): hugetlb_bootmem_alloc() if setup_arch() did not run it (6.15, hvo-v7).
    if (s.profile !== '6.1') hugetlbBootmemAlloc(s);
    // mem_init(): swiotlb, then everything memblock still holds free goes to the buddy allocator.
    others('mm_init');
    memblockFreeAll(s);
    freeImagePart(s, 0);
    giganticPagesInit(s);
    recordBeforeHugetlbInit(s);
    hugetlbInit(s);
    recordAfterHugetlbInit(s);
    freeInitrdMem(s);
    beginStep(s, 'hugetlb_vmemmap_init (late_initcall)');
    hugetlbVmemmapInit(s);
    for (let i = 1; i < s.build.imageFrees.length; i++) freeImagePart(s, i);
    others('end');
    if (opts.nrHugepages !== undefined) setMaxHugePages(s, opts.nrHugepages);
  } catch (e) {
    if (!(e instanceof KernelPanic)) throw e;
  }
  endStep(s);
  return s;
}
