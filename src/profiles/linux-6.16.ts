// Linux 6.16 as Debian builds it (linux-image-6.16.12+deb13-cloud-amd64): the
// code of the 6.15 era (pre-HVO in hugetlb_vmemmap_init_early(),
// vmemmap_undo_hvo(), fake-head tails) with this build's facts.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_6_16_CLOUD } from './builds.js';
import { linux615 } from './linux-6.15.js';
import type { KernelProfile } from '../kernel/profile.js';

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
  // reserve_real_mode() reserves [0, 1 MiB) itself (KHO's e820 changes; test/fixtures/linux-6.16/n02).
  features: { ...linux615.features, lowMemReservedBy: 'reserve_real_mode', memblockKhoFlags: true, lowmemReserveFollowsManaged: true },
  steps: linux615.steps,
  releases: ['6.16', '6.17', '6.18', '6.19'],
  build: DEBIAN_6_16_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
