// arch/x86/kernel/setup.c: setup_arch() up to the point where the generic
// memory code takes over (sparse_init(), free_area_init()): the e820 map and
// max_pfn, the early reservations, memblock from e820, the real-mode trampoline
// and init_mem_mapping(), the log buffer, ACPI tables, and x86_numa_init().
// A second architecture brings a file like this one in its own folder.
import type { Arch } from '../../asm/index.js';
import { hex010, hex018 } from '../../util/format.js';
import { cmdlineHas } from '../../kernel/cmdline.js';
import {
  memblockDumpAll,
  memblockPhysAllocRange,
  memblockPhysFree,
  memblockReserve,
  memblockReserveKern,
  memblockSetclrFlag,
  memblockSetCurrentLimit,
} from '../../kernel/memblock.js';
import { MEMBLOCK_KHO_SCRATCH } from '../../kernel/memblock-flags.js';
import { setupLogBuf } from '../../kernel/printk.js';
import type { KernelState } from '../../kernel/state.js';
import { beginStep, printk, printkLevel, prErr } from '../../kernel/state.js';
import { biosRegionStart, e820EndPfn, e820MemblockSetup, e820PrintTable, e820RangeRemove, e820RangeUpdate } from './e820.js';
import {
  allocNodeData,
  numaAddMemblk,
  numaCleanupMeminfo,
  numaMeminfoCoverMemory,
  numaNodeSpans,
  numaRegisterMemblks,
  numaResetMemblockNodes,
} from './numa.js';

/** setup_arch() up to x86_numa_init(): everything before the generic sparse and zone setup. */
export function setupArchMemory(s: KernelState): void {
  setupArchE820(s);
  earlyReserveMemory(s);
  memblockSetup(s);
  realModeAndMapping(s);
  s.others?.at(s, 'init_mem_mapping');
  setupLogBuf(s);
  acpiReserveInitialTables(s);
  numaInit(s);
}

/** MAX_ARCH_PFN on x86_64 4-level: 1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT). */
function maxArchPfn(arch: Arch): number {
  return 2 ** (arch.maxPhysmemBits - arch.pageShift);
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
  const top = e820EndPfn(s.e820, maxArchPfn(s.arch), maxArchPfn(s.arch), s.arch.pageSize);
  s.maxPfn = top.pfn;
  printk(s, top.log);
  const fourG = 2 ** 32 / s.arch.pageSize;
  if (s.maxPfn > fourG) {
    const low = e820EndPfn(s.e820, fourG, maxArchPfn(s.arch), s.arch.pageSize);
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
  memblockReserveKern(mb, image.start, image.size, 'early_reserve_memory');
  memblockReserve(mb, 0, 64 * 1024, 'early_reserve_memory');
  const initrd = s.machine.loader?.initrd;
  if (initrd) memblockReserveKern(mb, initrd.start, initrd.size, 'early_reserve_initrd');
  // reserve_bios_regions(): from the BIOS's low-memory size (the end of the first e820 entry) to 1 MiB.
  const bios = biosRegionStart(s.machine.e820, s.arch.pageSize, s.arch.isaEnd);
  if (bios !== null) memblockReserve(mb, bios, s.arch.isaEnd - bios, 'reserve_bios_regions');
  mb.debug = debug;
}

/** Where the kernel image is: as the loader placed it, else the build's physical start (no KASLR). */
export function kernelImage(s: KernelState): { start: number; size: number } {
  return s.machine.loader?.kernelImage ?? { start: s.build.imageStart, size: s.build.imageSize };
}

/** reserve_brk() then e820__memblock_setup() under the ISA limit. */
function memblockSetup(s: KernelState): void {
  beginStep(s, 'reserve_brk');
  const image = kernelImage(s);
  memblockReserveKern(s.memblock, image.start + image.size, s.build.brkSize, 'setup_arch');
  memblockSetCurrentLimit(s.memblock, s.arch.isaEnd);
  beginStep(s, 'e820__memblock_setup');
  const dump = e820MemblockSetup(s.memblock, s.e820, s.arch.pageSize, s.kernel.memblockKhoFlags ? s.arch.isaEnd : 0);
  if (s.memblock.debug) printk(s, ...dump);
}

/** reserve_real_mode(), the first-megabyte reservation, and init_mem_mapping()'s probe of the top of RAM. */
function realModeAndMapping(s: KernelState): void {
  beginStep(s, 'reserve_real_mode');
  const mb = s.memblock;
  memblockPhysAllocRange(mb, s.build.realModeSize, s.arch.pageSize, 0, s.arch.isaEnd, 'reserve_real_mode');
  memblockReserve(mb, 0, s.arch.isaEnd, s.kernel.lowMemReservedBy);
  if (s.kernel.memblockKhoFlags) memblockSetclrFlag(mb, 0, s.arch.isaEnd, false, MEMBLOCK_KHO_SCRATCH);
  beginStep(s, 'init_mem_mapping');
  const top = s.maxPfn * s.arch.pageSize;
  const probe = memblockPhysAllocRange(mb, s.arch.pmdSize, s.arch.pmdSize, s.arch.isaEnd, top, 'init_mem_mapping');
  if (probe) memblockPhysFree(mb, probe, s.arch.pmdSize, 'init_mem_mapping');
  memblockSetCurrentLimit(mb, top);
  // 64-bit maps all RAM directly: max_low_pfn becomes max_pfn.
  if (s.maxPfn > s.maxLowPfn) s.maxLowPfn = s.maxPfn;
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

/**
 * acpi_map_pxm_to_node() as acpi_numa_init() meets the SRAT: a proximity domain gets the lowest
 * unused node id the first time an entry names it, the processor entries first (the boot CPU's
 * domain: hvosim puts CPU 0 in the lowest one, as QEMU does with node 0), then the memory entries in
 * table order. A domain with neither (QEMU's `-numa node` without memory or CPUs) gets no node, so
 * the ones after it are renumbered.
 */
function acpiPxmNodes(nodes: { id: number }[]): (pxm: number) => number {
  const map = new Map<number, number>([[Math.min(...nodes.map((n) => n.id)), 0]]);
  return (pxm) => {
    if (!map.has(pxm)) map.set(pxm, map.size);
    return map.get(pxm)!;
  };
}

/** x86_numa_init() -> numa_init(): SRAT (or a fake node), cleanup, node ids, node data. */
function numaInit(s: KernelState): void {
  beginStep(s, 'numa_init');
  const mb = s.memblock;
  numaResetMemblockNodes(mb);
  const numaOff = cmdlineHas(s, 'numa=off');
  if (s.machine.nodes.length && !numaOff) {
    const nodeOfPxm = acpiPxmNodes(s.machine.nodes);
    for (const n of s.machine.nodes) {
      for (const r of n.ranges) {
        const nid = nodeOfPxm(n.id);
        printk(s, `ACPI: SRAT: Node ${nid} PXM ${n.id} [mem ${hex010(r.start)}-${hex010(r.end - 1)}]${r.hotplug ? ' hotplug' : ''}`);
        numaAddMemblk(s.numa, nid, r.start, r.end, r.hotplug);
      }
    }
  }
  const cleanup = numaCleanupMeminfo(mb, s.numa, s.maxPfn * s.arch.pageSize, s.kernel.numaMemblks);
  for (const [i, l] of cleanup.log.entries()) printkLevel(s, cleanup.levels.get(i) ?? 'info', l);
  let ok = s.numa.blks.length > 0 && cleanup.ok;
  if (ok) {
    numaRegisterMemblks(mb, s.numa);
    const cover = numaMeminfoCoverMemory(mb, s.numa, s.maxPfn, s.arch.pageSize);
    if (!cover.ok) {
      // numa_register_memblks() fails: numa_init() starts over with the next method.
      prErr(s, ...cover.log);
      numaResetMemblockNodes(mb);
      ok = false;
    }
  }
  if (!ok) {
    // dummy_numa_init(): one node over all RAM.
    s.numa = { blks: [] };
    const end = s.maxPfn * s.arch.pageSize;
    printk(s, numaOff ? 'NUMA turned off' : 'No NUMA configuration found');
    printk(s, `Faking a node at [mem ${hex018(0)}-${hex018(end - 1)}]`);
    numaAddMemblk(s.numa, 0, 0, end);
    numaCleanupMeminfo(mb, s.numa, end, s.kernel.numaMemblks);
    numaRegisterMemblks(mb, s.numa);
  }
  const nidOfPfn = (pfn: number) => {
    const a = pfn * s.arch.pageSize;
    return s.numa.blks.find((b) => b.start <= a && a < b.end)?.nid ?? -1;
  };
  for (const [nid] of numaNodeSpans(s.numa)) {
    const nd = allocNodeData(mb, nid, s.build.pgdatSize, s.arch.smpCacheBytes, s.arch.pageSize, nidOfPfn);
    s.nodeData.set(nid, nd.addr);
    if (nd.addr) printk(s, ...nd.log);
    else prErr(s, ...nd.log);
  }
  if (mb.debug) printk(s, ...memblockDumpAll(mb));
}
