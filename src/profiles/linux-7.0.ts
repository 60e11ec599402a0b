// Linux 7.0 as Debian builds it (linux-binary-7.0.13+deb13-cloud-amd64): the
// last release before the series, the 6.15-era HVO code with this build's facts.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_7_0_CLOUD } from './builds.js';
import { linux616 } from './linux-6.16.js';
import type { KernelProfile } from './types.js';

export const linux70: KernelProfile = {
  name: '7.0',
  title: 'Linux 7.0 (the last release with the 6.15-era HVO code): pre-HVO before zones, vmemmap_undo_hvo(), fake heads',
  validatedAgainst: null,
  features: { ...linux616.features },
  steps: linux616.steps,
  releases: ['7.0'],
  build: DEBIAN_7_0_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
