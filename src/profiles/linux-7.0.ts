// Linux 7.0 as Debian builds it (linux-binary-7.0.13+deb13-cloud-amd64): the
// last release before the series, the 6.15-era HVO code with this build's facts.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_7_0_CLOUD } from './builds.js';
import { linux616, SINCE_6_16 } from './linux-6.16.js';
import type { KernelProfile } from '../kernel/profile.js';

/**
 * 6.16's additions as 7.0 has them (and the generations after it, which spread this):
 * hugetlb_hstate_alloc_pages() returns first for a pool of 0 pages, so "allocation took" is printed
 * only for a 2 MiB pool that asks for pages (test/fixtures/linux-7.0: n01, n06, n10, n11, n16, n21,
 * n22; not n02, whose 2 MiB pool is empty, nor n17's per-node counts).
 */
export const SINCE_7_0: typeof SINCE_6_16 = { ...SINCE_6_16, hugetlbAllocTookLine: 'small-pools-asked' };

export const linux70: KernelProfile = {
  name: '7.0',
  title: 'Linux 7.0 (the last release with the 6.15-era HVO code): pre-HVO before zones, vmemmap_undo_hvo(), fake heads',
  validatedOn: {
    package: 'linux-binary-7.0.13+deb13-cloud-amd64',
    suite: 'trixie-backports',
    version: '7.0.13',
    fixtures: 'test/fixtures/linux-7.0',
  },
  features: { ...linux616.features, ...SINCE_7_0 },
  steps: linux616.steps,
  releases: ['7.0'],
  build: DEBIAN_7_0_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
