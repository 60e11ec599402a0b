// Linux 7.0 as Debian builds it (linux-binary-7.0.13+deb13-cloud-amd64): the
// last release before the series, the 6.15-era HVO code with this build's facts.
import { COMMON_NOT_MODELLED, LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT } from './common.js';
import { DEBIAN_7_0_CLOUD } from './builds.js';
import { linux616 } from './linux-6.16.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux70: KernelProfile = {
  name: '7.0',
  title: 'Linux 7.0 (the last release with the 6.15-era HVO code): pre-HVO before zones, vmemmap_undo_hvo(), fake heads',
  validatedOn: {
    package: 'linux-binary-7.0.13+deb13-cloud-amd64',
    suite: 'trixie-backports',
    version: '7.0.13',
    fixtures: 'test/fixtures/linux-7.0',
  },
  // hugetlb_hstate_alloc_pages() returns first for a pool of 0 pages (b322e88b3d55, 6.18), so "allocation took"
  // is printed only for a 2 MiB pool that asks for pages (linux-7.0: n01, n06, n10; not n02's empty pool).
  features: { ...linux616.features, hugetlbAllocTookLine: 'small-pools-asked' },
  // setup_arch() ends before the memory map is set up: the firmware map, the nosave regions and the other tables of
  // its end come before the gigantic pages and sparse_init() (linux-7.0 n10: firmware_map_add_early at line 899,
  // sparse_index_alloc at 935; 6.16 has them the other way round).
  steps: [
    'start_kernel',
    'setup_arch:memory',
    'setup_arch:end',
    'hugetlb_bootmem_alloc:setup_arch',
    'sparse_init',
    'free_area_init',
    'setup_command_line',
    'setup_per_cpu_areas',
    'hugetlb_bootmem_alloc:mm_core_init',
    ...LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT,
  ],
  releases: ['7.0'],
  build: DEBIAN_7_0_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
