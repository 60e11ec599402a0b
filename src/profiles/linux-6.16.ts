// Linux 6.16 as Debian builds it (linux-image-6.16.12+deb13-cloud-amd64): the
// code of the 6.15 era (pre-HVO in hugetlb_vmemmap_init_early(),
// vmemmap_undo_hvo(), fake-head tails) with this build's facts.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_6_16_CLOUD } from './builds.js';
import { linux615 } from './linux-6.15.js';
import type { KernelProfile } from './types.js';

export const linux616: KernelProfile = {
  name: '6.16',
  title: 'Linux 6.16 (the 6.15-era HVO code as Debian builds it): pre-HVO before zones, vmemmap_undo_hvo(), fake heads',
  validatedAgainst: null,
  // mm/numa_memblks.c; hugetlb_pages_alloc_boot() keeps its own cursor, and one CPU gives hugepage_allocation_threads=1, so one pass.
  features: { ...linux615.features, numaMemblks: true, poolGrowFromNode0: true, bootPoolChunks: 'one-pass' },
  steps: linux615.steps,
  releases: ['6.15', '6.16', '6.17', '6.18', '6.19'],
  build: DEBIAN_6_16_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
