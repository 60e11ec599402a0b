// Linux 7.2 as Debian builds it (linux-binary-7.2.13+deb14-cloud-amd64), read in
// Debian's linux-source-7.2 7.2.13-1: 7.1's HVO code (deferred population once
// zones are known, per-zone shared tails, mask compound_info) without the sparse
// buffer, every tail PTE of a boot page write-protected, and hugetlb_bootmem_alloc()
// moved out of setup_arch() into mm_core_init_early(), before free_area_init()
// (which calls sparse_init() first, then sets up the zones).
import { COMMON_NOT_MODELLED, LATE_BOOT_STEPS } from './common.js';
import { DEBIAN_7_2_CLOUD } from './builds.js';
import { linux71 } from './linux-7.1.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux72: KernelProfile = {
  name: '7.2',
  title: 'Linux 7.2: the series merged, no sparse buffer, every tail PTE write-protected, gigantic pages from mm_core_init_early()',
  validatedOn: {
    package: 'linux-binary-7.2.13+deb14-cloud-amd64',
    suite: 'sid',
    version: '7.2.13',
    fixtures: 'test/fixtures/linux-7.2',
  },
  features: {
    ...linux71.features,
    // 7.2.13 mm/sparse.c: sparse_init_nid() has no sparse_buffer_init(); each 2 MiB block of memmap is its own
    // memblock allocation (mm/sparse-vmemmap.c: vmemmap_alloc_block_buf() -> __earlyonly_bootmem_alloc()).
    sparseBuffer: false,
    // 7.2.13 mm/hugetlb_vmemmap.c: __hugetlb_vmemmap_optimize_folios() write-protects up to spfn + hugetlb_vmemmap_size(h).
    hvoWrprotectEnd: 'vmemmap-size',
  },
  // start_kernel() (7.2.13 init/main.c) calls mm_core_init_early() right after setup_arch(): hugetlb_cma_reserve(),
  // hugetlb_bootmem_alloc() whatever the CPU (arch/x86/kernel/setup.c no longer calls it), then free_area_init(),
  // which runs sparse_init() before it prints the zone ranges (mm/mm_init.c). mm_core_init() allocates no pages.
  steps: [
    'start_kernel',
    'setup_arch:memory',
    'setup_arch:end',
    'hugetlb_cma_reserve',
    'hugetlb_bootmem_alloc:mm_core_init_early',
    'sparse_init',
    'free_area_init',
    'setup_command_line',
    'setup_per_cpu_areas',
    ...LATE_BOOT_STEPS,
  ],
  base: linux71.name,
  releases: ['7.2'],
  build: DEBIAN_7_2_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
