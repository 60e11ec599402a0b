// Linux 7.1 as Debian builds it (linux-binary-7.1.13+deb13-cloud-amd64): the
// series "Eliminate fake head pages" merged (deferred population in
// hugetlb_vmemmap_init_late(), per-zone shared tails, mask compound_info) with
// the fixes that followed it. hvo-v7 is the series exactly as posted.
import { COMMON_NOT_MODELLED } from './common.js';
import { DEBIAN_7_1_CLOUD } from './builds.js';
import { SERIES_V7 } from './hvo-v7.js';
import { linux70 } from './linux-7.0.js';
import type { KernelProfile } from '../kernel/profile.js';

export const linux71: KernelProfile = {
  name: '7.1',
  title: 'Linux 7.1 (the series merged): deferred population once zones are known, per-zone shared tails, mask compound_info',
  validatedOn: {
    package: 'linux-binary-7.1.13+deb13-cloud-amd64',
    suite: 'trixie-backports',
    version: '7.1.13',
    fixtures: 'test/fixtures/linux-7.1',
  },
  features: {
    ...linux70.features,
    ...SERIES_V7,
    // sparse_usage_init(): every 7.1 fixture's first sparse_init_nid allocation is from=0 (n14: 1408 bytes nid=0).
    usemapAlloc: 'node',
  },
  steps: linux70.steps,
  base: linux70.name,
  // Not 7.2: its mm/ has no sparse buffer (Debian's linux-source-7.2), it has a profile of its own (linux-7.2.ts).
  releases: ['7.1'],
  build: DEBIAN_7_1_CLOUD,
  notModelled: COMMON_NOT_MODELLED,
};
