// The memblock calls of subsystems hvosim does not model, estimated when no
// log gives them (a machine from JSON, a QEMU command line, a preset).
//
// Each estimate follows the sizes and order real boots show for one CPU (the
// fixtures), with what differs between builds taken from the build (the per-cpu
// first chunk's allocations, the early cpumasks, whether there is a firmware map
// and nosave regions): the per-cpu first chunk (a 2 MiB block on the boot CPU's
// node, trimmed to what it uses), the small tables of setup_arch() (sized from
// the e820 tables) and start_kernel(), the early page-table pages of
// spp_getpage(), and the swiotlb bounce buffer below 4 GiB when there is memory
// above it. What they matter for is where the big ones land: they can take the
// 1 GiB block a gigantic page would have used, and they decide the page
// boundaries MemTotal counts.
import { memblockAllocTryNid, memblockPhysAllocRange, memblockPhysFree } from './memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE } from './memblock-flags.js';
import { cmdlineValue } from './cmdline.js';
import { largeSystemHashBytes } from './hash.js';
import { bootCpuNode } from './page-alloc.js';
import type { KernelState, OtherPoint, OtherSubsystems } from './state.js';
import { kernelPanic, prWarn } from './state.js';

/** Bytes of the first per-cpu chunk one CPU uses ("percpu: Embedded 61 pages/cpu"). */
const SWIOTLB_SIZE = 64 * 2 ** 20;

function small(s: KernelState, size: number, caller: string, align = s.arch.smpCacheBytes, maxAddr = MEMBLOCK_ALLOC_ACCESSIBLE): number {
  return mustHave(s, memblockAllocTryNid(s.memblock, size, align, 0, maxAddr, NUMA_NO_NODE, caller), size, caller);
}

/** These callers panic when memblock has nothing for them (their "Failed to allocate" panics); the estimate does the same. */
function mustHave(s: KernelState, addr: number, size: number, caller: string): number {
  if (!addr) kernelPanic(s, `hvosim: ${caller} could not get ${size} bytes from memblock; the kernel panics here`);
  return addr;
}

/** The end of setup_arch(): the HPET and IO-APIC tables, the e820 resources and firmware map, the nosave regions. */
function setupArchEnd(s: KernelState): void {
  small(s, 73, 'acpi_parse_hpet');
  small(s, 75, 'io_apic_init_mappings');
  // e820__reserve_resources(): a resource per entry of the kernel's table as setup_arch() left it (the first page
  // split off as reserved, for one), then a firmware map entry per entry of the table the firmware gave.
  small(s, 64 * s.e820.length, 'e820__reserve_resources');
  const { FIRMWARE_MEMMAP, HIBERNATION } = s.build.config;
  if (FIRMWARE_MEMMAP) for (let i = 0; i < s.machine.e820.length; i++) small(s, 104, 'firmware_map_add_early');
  if (HIBERNATION) for (let i = 0; i < e820RegisterNosaveRegions(s); i++) small(s, 32, 'register_nosave_region');
}

/**
 * e820__register_nosave_regions(): the holes and non-RAM entries of the kernel's e820 table below max_pfn, each
 * a region for hibernation to skip; a region that starts where the last one ends extends it, the others take a
 * 32-byte struct from memblock. Returns how many were allocated.
 */
function e820RegisterNosaveRegions(s: KernelState): number {
  const ps = s.arch.pageSize;
  let allocated = 0;
  let lastEnd = -1;
  const register = (start: number, end: number) => {
    if (start >= end) return;
    if (start !== lastEnd) allocated++;
    lastEnd = end;
  };
  let pfn = 0;
  for (const e of s.e820) {
    const first = Math.ceil(e.start / ps);
    if (pfn < first) register(pfn, first);
    pfn = Math.floor(e.end / ps);
    if (e.type !== 'usable' && e.type !== 'reserved kern') register(first, pfn);
    if (pfn >= s.maxPfn) break;
  }
  return allocated;
}

/** start_kernel() after setup_arch() and the memory map: setup_command_line()'s copies, then setup_per_cpu_areas(). */
function setupPerCpuAreas(s: KernelState): void {
  const cmdLen = s.machine.cmdline.length + 1;
  small(s, cmdLen, 'start_kernel');
  small(s, cmdLen, 'start_kernel');
  // setup_per_cpu_areas() -> pcpu_embed_first_chunk() for the boot CPU.
  const info = small(s, s.arch.pageSize, 'pcpu_build_alloc_info', s.arch.pageSize);
  const areas = small(s, s.arch.pageSize, 'pcpu_embed_first_chunk');
  const chunk = mustHave(
    s,
    memblockAllocTryNid(
      s.memblock,
      s.arch.pmdSize,
      s.arch.pmdSize,
      s.arch.maxDmaAddress,
      MEMBLOCK_ALLOC_ACCESSIBLE,
      bootCpuNode(s),
      'pcpu_fc_alloc',
    ),
    s.arch.pmdSize,
    'pcpu_fc_alloc',
  );
  if (chunk)
    memblockPhysFree(
      s.memblock,
      chunk + s.build.pcpuUnitPages * s.arch.pageSize,
      s.arch.pmdSize - s.build.pcpuUnitPages * s.arch.pageSize,
      'pcpu_embed_first_chunk',
    );
  s.build.pcpuFirstChunkAllocs.forEach((size, i) => small(s, size, i < 5 ? 'pcpu_setup_first_chunk' : 'pcpu_alloc_first_chunk'));
  if (areas) memblockPhysFree(s.memblock, areas, s.arch.pageSize, 'pcpu_embed_first_chunk');
  if (info) memblockPhysFree(s.memblock, info, s.arch.pageSize, 'pcpu_embed_first_chunk');
  // The build's own early cpumasks, then setup_node_to_cpumask_map(): one per possible node (nr_node_ids).
  if (!s.build.config.CPUMASK_OFFSTACK) return;
  const nrNodeIds = Math.max(0, ...s.nodeData.keys()) + 1;
  for (let i = 0; i < s.build.bootCpumasks + nrNodeIds; i++) small(s, 8, 'alloc_bootmem_cpumask_var');
}

/** alloc_large_system_hash() with HASH_EARLY: one bucket per 2^scale bytes of memory, from memblock. */
function allocLargeSystemHash(s: KernelState, bucketsize: number, scale: number): void {
  small(s, largeSystemHashBytes(s, bucketsize, scale), 'alloc_large_system_hash');
}

/** After parse_args(): a short-lived copy in start_kernel(), the early dentry and inode hashes, the fixmap's page-table pages. */
function startKernel(s: KernelState): void {
  const tmp = small(s, 9, 'start_kernel');
  if (tmp) memblockPhysFree(s.memblock, tmp, 9, 'start_kernel');
  // vfs_caches_init_early(): with one node, hashdist is off and both hashes come from memblock.
  if ((s.zones?.nodeSpan.size ?? 0) === 1) {
    allocLargeSystemHash(s, 8, 13);
    allocLargeSystemHash(s, 8, 14);
  }
  for (let i = 0; i < 3; i++) small(s, s.arch.pageSize, 'spp_getpage', s.arch.pageSize);
}

/** A bounce buffer slab (IO_TLB_SHIFT) and the slabs a segment rounds to (IO_TLB_SEGSIZE). */
const IO_TLB_SLAB = 2048;
const IO_TLB_SEGSIZE = 128;

/** setup_io_tlb_npages(): swiotlb=[slabs][,areas][,force|noforce]. */
function swiotlbParam(s: KernelState): { slabs: number; areas: number; force: boolean; noforce: boolean } {
  let str = cmdlineValue(s, 'swiotlb') ?? '';
  const num = () => {
    const m = /^\d+/.exec(str);
    str = str.slice(m?.[0].length ?? 0);
    if (str.startsWith(',')) str = str.slice(1);
    return m ? Number(m[0]) : null;
  };
  const slabs = num();
  const areas = num();
  return {
    slabs: slabs === null ? SWIOTLB_SIZE / IO_TLB_SLAB : Math.ceil(slabs / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE,
    areas: areas === null || areas < 1 ? 1 : 2 ** Math.ceil(Math.log2(areas)),
    force: str === 'force',
    noforce: str === 'noforce',
  };
}

/**
 * mem_init() -> swiotlb_init_remap(): the bounce buffer below 4 GiB (64 MiB unless swiotlb= sizes it) when some
 * memory is above 4 GiB (pci_swiotlb_detect()) or swiotlb=force asks; none with swiotlb=noforce.
 */
function mmInit(s: KernelState): void {
  const p = swiotlbParam(s);
  if ((s.maxPfn * s.arch.pageSize <= 2 ** 32 && !p.force) || p.noforce) return;
  // Without the buffer swiotlb warns and goes on ("failed to allocate tlb structure").
  const bytes = p.slabs * IO_TLB_SLAB;
  const buf = memblockAllocTryNid(s.memblock, bytes, s.arch.pageSize, 0, 2 ** 32 - 1, NUMA_NO_NODE, 'swiotlb_init_remap');
  if (!buf) return prWarn(s, 'swiotlb_init_remap: failed to allocate tlb structure');
  small(s, Math.ceil((p.slabs * 24) / s.arch.pageSize) * s.arch.pageSize, 'swiotlb_init_remap', s.arch.pageSize);
  small(s, 16 * p.areas, 'swiotlb_init_remap');
}

/**
 * init_mem_mapping() -> alloc_low_pages(): two page-table pages below the top of RAM once the early buffer runs out.
 * An estimate from the boots without KASLR: none where RAM ends below 4 GiB (up to 2.5 GiB seen), two where it
 * ends above (from 6 GiB seen).
 */
function initMemMapping(s: KernelState): void {
  const top = s.maxPfn * s.arch.pageSize;
  if (!s.cmdline.includes('nokaslr') || top <= 2 ** 32) return;
  for (let i = 0; i < 2; i++) memblockPhysAllocRange(s.memblock, s.arch.pageSize, s.arch.pageSize, top - 2 ** 29, top, 'alloc_low_pages');
}

export const estimatedOthers: OtherSubsystems = {
  name: 'estimated (no log): per-cpu chunk, setup_arch and start_kernel tables, spp_getpage, swiotlb',
  at(s: KernelState, point: OtherPoint): void {
    if (point === 'init_mem_mapping') initMemMapping(s);
    else if (point === 'setup_arch_end') setupArchEnd(s);
    else if (point === 'setup_command_line') setupPerCpuAreas(s);
    else if (point === 'start_kernel') startKernel(s);
    else if (point === 'mm_init') mmInit(s);
  },
};
