// Linux 7.3 as Debian builds it (linux-binary-7.3.4+deb13-cloud-amd64): the
// series merged, with the boot reordered after it (zones before the gigantic
// pages, cross-zone pages freed at once, no sparse buffer, HVO inside sparse_init()).
import { COMMON_NOT_MODELLED, LATE_BOOT_STEPS } from './common.js';
import { DEBIAN_7_3_CLOUD } from './builds.js';
import { linux71 } from './linux-7.1.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux73: KernelProfile = {
  name: '7.3',
  title: 'Linux 7.3: the series merged, zones set up before the gigantic pages, cross-zone pages freed at once, no sparse buffer',
  validatedOn: {
    package: 'linux-binary-7.3.4+deb13-cloud-amd64',
    suite: 'trixie-backports',
    version: '7.3.4',
    fixtures: 'test/fixtures/linux-7.3',
  },
  features: {
    ...linux71.features,
    bootVmemmap: 'sparse-init',
    sparseBuffer: false,
    crossZoneFreeAtAlloc: true,
    sparseInitPanics: true,
    // Every tail PTE of a boot page is read-only in 7.3.4's page tables (test/fixtures/linux-7.3/v01, walked in the guest).
    hvoWrprotectEnd: 'vmemmap-size',
    // alloc_bootmem_huge_page() (7.3.4 mm/hugetlb.c) list_add_tail()s a page within one zone; v06's page tables agree.
    bootPageListOrder: 'oldest-first',
    // 7.3.4 has no mm/bootmem_info.c: free_vmemmap_page() gives a boot page back with free_reserved_page().
    preinitBootVmemmapFree: 'freed',
  },
  // mm_core_init_early() (7.3 mm/mm_init.c): free_area_init(), hugetlb_cma_reserve(), hugetlb_bootmem_alloc() whatever the
  // CPU, sparse_init(), memmap_init(); every fixture prints the zone blocks before any HugeTLB or sparse call.
  steps: [
    'start_kernel',
    'setup_arch:memory',
    'setup_arch:end',
    'free_area_init:zones',
    'hugetlb_cma_reserve',
    'hugetlb_bootmem_alloc:mm_core_init_early',
    'sparse_init',
    'free_area_init:memmap',
    'setup_command_line',
    'setup_per_cpu_areas',
    ...LATE_BOOT_STEPS,
  ],
  base: linux71.name,
  releases: ['7.3'],
  build: DEBIAN_7_3_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
