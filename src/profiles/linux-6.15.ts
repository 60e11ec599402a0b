// The code of 6.15 up to the series' base (what Debian's 6.16 and 7.0 carry):
// hugetlb_bootmem_alloc() before sparse_init(), pre-HVO in
// hugetlb_vmemmap_init_early() with tails mirroring the head page ("fake heads"),
// vmemmap_undo_hvo() in _late() for a page that spans two zones.
import { DEBIAN_6_1_CLOUD } from './builds.js';
import { COMMON_NOT_MODELLED, GUESSED_BUILD, LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT } from './common.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux615: KernelProfile = {
  name: '6.15',
  title: "Linux 6.15 to the series' base: pre-HVO in hugetlb_vmemmap_init_early(), vmemmap_undo_hvo(), fake-head tails",
  validatedOn: null,
  features: {
    bootmemAlloc: 'hugetlb-bootmem-alloc',
    bootmemExactNid: true,
    bootVmemmap: 'early',
    hvoTails: 'head',
    compoundInfo: 'pointer',
    hvoHeadPage: 'copy-or-keep',
    gather: 'per-node',
    numaMemblks: true,
    poolGrowFromNode0: true,
    bootPoolChunks: 'one-pass',
    memmapCounters: true,
    hugetlbFreeVmemmapParam: 'early-param',
    sparseBuffer: true,
    crossZoneFreeAtAlloc: false,
    movableWmarkMin: 'capped',
    lowmemReserveFollowsManaged: false,
    pcpHigh: 'auto-tuned',
    sparseInitPanics: false,
    usemapAlloc: 'pgdat-section',
    hvoWrprotectEnd: 'page-count',
    bootPageListOrder: 'newest-first',
    nrKernelPages: 'memblock-free',
    preinitBootVmemmapFree: 'leaked',
    lowMemReservedBy: 'setup_arch',
    memblockKhoFlags: false,
    memSectionRootCaller: '__memblock_alloc_or_panic',
    memblockAllocNoLeakTrace: true,
    hugetlbAllocTookLine: 'every-small-pool',
    hugetlbParamSlots: true,
  },
  steps: [
    'start_kernel',
    'setup_arch:memory',
    'hugetlb_bootmem_alloc:setup_arch',
    'sparse_init',
    'free_area_init',
    'setup_arch:end',
    'setup_command_line',
    'setup_per_cpu_areas',
    'hugetlb_bootmem_alloc:mm_core_init',
    ...LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT,
  ],
  // Debian's 6.16 and 7.0 builds of this code are the profiles 6.16 and 7.0.
  releases: ['6.15'],
  // Not yet read off a real boot of this generation: 6.1's facts stand in.
  build: DEBIAN_6_1_CLOUD,
  notModelled: [GUESSED_BUILD, ...COMMON_NOT_MODELLED],
};
