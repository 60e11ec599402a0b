// Linux 6.1 as Debian builds it (linux-image-6.1.0-56-cloud-amd64, 6.1.192):
// gigantic pages from memblock while hugepages= is parsed, the vmemmap mapped
// normally by sparse_init(), HVO only when gather_bootmem_prealloc() runs.
import { DEBIAN_6_1_CLOUD } from './builds.js';
import { COMMON_NOT_MODELLED, LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT } from './common.js';
import type { KernelProfile } from '../kernel/profile.js';
import type { BootStepName } from '../kernel/steps.js';

/** 6.1's boot up to mem_init(): gigantic pages from memblock while parse_args() reads hugepages=, after sparse_init(). */
export const EARLY_STEPS_6_1: readonly BootStepName[] = [
  'start_kernel',
  'setup_arch:memory',
  'sparse_init',
  'free_area_init',
  'setup_arch:end',
  'setup_command_line',
  'parse_args',
  'setup_per_cpu_areas',
];

export const linux61: KernelProfile = {
  name: '6.1',
  title: 'Linux 6.1: gigantic pages at parse_args(), HVO by gather_bootmem_prealloc() (vmemmap_remap_free, head page kept)',
  validatedOn: {
    package: 'linux-image-6.1.0-56-cloud-amd64',
    suite: 'bookworm-security',
    version: '6.1.192',
    fixtures: 'test/fixtures/linux-6.1',
  },
  features: {
    bootmemAlloc: 'parse-args',
    bootmemExactNid: false,
    bootVmemmap: 'gather',
    hvoTails: 'head',
    compoundInfo: 'pointer',
    hvoHeadPage: 'keep',
    gather: 'per-page',
    numaMemblks: false,
    poolGrowFromNode0: false,
    bootPoolChunks: 'one-pass',
    memmapCounters: false,
    hugetlbFreeVmemmapParam: 'core-param',
    sparseBuffer: true,
    crossZoneFreeAtAlloc: false,
    movableWmarkMin: 'proportional',
    lowmemReserveFollowsManaged: false,
    pcpHigh: 'low-wmark',
    sparseInitPanics: false,
    usemapAlloc: 'pgdat-section',
    hvoWrprotectEnd: 'page-count',
    bootPageListOrder: 'newest-first',
    nrKernelPages: 'present-less-memmap',
    preinitBootVmemmapFree: 'freed',
    lowMemReservedBy: 'setup_arch',
    memblockKhoFlags: false,
    memSectionRootCaller: 'sparse_init',
    memblockAllocNoLeakTrace: false,
    hugetlbAllocTookLine: 'none',
    hugetlbParamSlots: false,
  },
  steps: [...EARLY_STEPS_6_1, ...LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT],
  releases: ['6.1'],
  build: DEBIAN_6_1_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
