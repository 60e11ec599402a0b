// Linux 6.16 as Debian builds it (linux-image-6.16.12+deb13-cloud-amd64): the
// code of the 6.15 era (pre-HVO in hugetlb_vmemmap_init_early(),
// vmemmap_undo_hvo(), fake-head tails) with this build's facts.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_6_16_CLOUD } from './builds.js';
import { linux615 } from './linux-6.15.js';
import type { KernelFeatures, KernelProfile } from '../kernel/profile.js';

/**
 * What 6.16 does beside the 6.15-era HVO code (each seen in test/fixtures/linux-6.16/n02 and
 * checked against the source): reserve_real_mode() reserves [0, 1 MiB) itself; memblocks_present()
 * takes the mem_section root with memblock_alloc_or_panic(); memmap_alloc() and
 * vmemmap_alloc_block() pass MEMBLOCK_ALLOC_NOLEAKTRACE; hugetlb_pages_alloc_boot() prints "allocation
 * took" for the 2 MiB pool asked as one count, even for 0 pages (n02: hugepages= for 1 GiB only; none
 * in n17, whose counts are all per node; never for the 1 GiB pool, n05); hugetlb_add_param() keeps
 * 5 hugetlb parameters (n16); a gigantic page across zones is freed into each zone it spans (n12, n24).
 */
export const SINCE_6_16: Pick<
  KernelFeatures,
  | 'lowMemReservedBy'
  | 'memSectionRootCaller'
  | 'memblockAllocNoLeakTrace'
  | 'hugetlbAllocTookLine'
  | 'hugetlbParamSlots'
  | 'invalidPageFreeByZone'
> = {
  lowMemReservedBy: 'reserve_real_mode',
  memSectionRootCaller: '__memblock_alloc_or_panic',
  memblockAllocNoLeakTrace: true,
  hugetlbAllocTookLine: 'every-small-pool',
  hugetlbParamSlots: true,
  invalidPageFreeByZone: true,
};

export const linux616: KernelProfile = {
  name: '6.16',
  title: 'Linux 6.16 (the 6.15-era HVO code as Debian builds it): pre-HVO before zones, vmemmap_undo_hvo(), fake heads',
  validatedOn: {
    package: 'linux-image-6.16.12+deb13-cloud-amd64',
    suite: 'trixie-backports',
    version: '6.16.12',
    fixtures: 'test/fixtures/linux-6.16',
  },
  // mm/numa_memblks.c; hugetlb_pages_alloc_boot() keeps its own cursor, and one CPU gives hugepage_allocation_threads=1, so one pass.
  features: { ...linux615.features, numaMemblks: true, poolGrowFromNode0: true, bootPoolChunks: 'one-pass', ...SINCE_6_16 },
  steps: linux615.steps,
  releases: ['6.15', '6.16', '6.17', '6.18', '6.19'],
  build: DEBIAN_6_16_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
