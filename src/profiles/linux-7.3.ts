// Linux 7.3 as Debian builds it (linux-binary-7.3.4+deb13-cloud-amd64): the
// series merged, with the boot reordered after it (zones before the gigantic
// pages, cross-zone pages freed at once, no sparse buffer, HVO inside sparse_init()).
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_7_3_CLOUD } from './builds.js';
import { linux71 } from './linux-7.1.js';
import type { KernelProfile } from './types.js';

export const linux73: KernelProfile = {
  name: '7.3',
  title: 'Linux 7.3: the series merged, zones set up before the gigantic pages, cross-zone pages freed at once, no sparse buffer',
  validatedAgainst: null,
  features: { ...linux71.features },
  steps: linux71.steps,
  base: linux71.name,
  releases: ['7.3'],
  build: DEBIAN_7_3_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
