// Linux 6.12 as Debian builds it (linux-image-6.12.118+deb12-cloud-amd64): the
// 6.1 boot order (gigantic pages from memblock while hugepages= is parsed, the
// vmemmap mapped normally), HVO after boot, the head vmemmap page copied, and
// the memmap counters of /proc/vmstat; the boot's 2 MiB pages in padata chunks
// that each start at node 0 (the pool grows from node 0 after boot), and
// mm/numa_memblks.c's numa_cleanup_meminfo().
import { COMMON_NOT_MODELLED, LATE_BOOT_STEPS } from './common.js';
import { DEBIAN_6_12_CLOUD } from './builds.js';
import { EARLY_STEPS_6_1, linux61 } from './linux-6.1.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux612: KernelProfile = {
  name: '6.12',
  title: 'Linux 6.12: gigantic pages at parse_args(), HVO after boot with the head vmemmap page copied, nr_memmap counters',
  validatedOn: {
    package: 'linux-image-6.12.118+deb12-cloud-amd64',
    suite: 'bookworm-security',
    version: '6.12.118',
    fixtures: 'test/fixtures/linux-6.12',
  },
  features: {
    ...linux61.features,
    // calc_nr_kernel_pages() (6.10 on): the hashes are sized from memblock's free pages.
    nrKernelPages: 'memblock-free',
    hvoHeadPage: 'copy-or-keep',
    numaMemblks: true,
    poolGrowFromNode0: true,
    bootPoolChunks: 'padata',
    memmapCounters: true,
    movableWmarkMin: 'capped',
    pcpHigh: 'auto-tuned',
  },
  // 6.1's order, gather_bootmem_prealloc() moved to page_alloc_init_late() (a stable backport in 6.12.118).
  steps: [...EARLY_STEPS_6_1, ...LATE_BOOT_STEPS],
  releases: ['6.12', '6.13', '6.14'],
  build: DEBIAN_6_12_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
