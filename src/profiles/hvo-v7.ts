// The seed: "mm: Eliminate fake head pages from vmemmap optimization", v7 (February
// 2026), exactly as posted. hugetlb_vmemmap_init_early() only marks the page;
// hugetlb_vmemmap_init_late() checks its zone and maps the tails onto the zone's
// shared tail page (zone->vmemmap_tails[order]), compound_info a mask.
import { DEBIAN_6_1_CLOUD } from './builds.js';
import { COMMON_NOT_MODELLED, GUESSED_BUILD } from './common.js';
import { linux615 } from './linux-6.15.js';
import type { KernelFeatures, KernelProfile } from '../kernel/profile.js';

/** What the series changes (patches 07, 09, 10 and 12 of 18), on whatever generation it is applied to. */
export const SERIES_V7: Pick<KernelFeatures, 'bootVmemmap' | 'hvoTails' | 'compoundInfo' | 'hvoHeadPage'> = {
  bootVmemmap: 'deferred',
  hvoTails: 'zone-shared',
  compoundInfo: 'mask',
  hvoHeadPage: 'copy-or-give-up',
};

export const hvoV7: KernelProfile = {
  name: 'hvo-v7',
  title: 'the series "Eliminate fake head pages" v7 as posted: deferred population, per-zone shared tails, mask compound_info',
  validatedOn: null,
  features: { ...linux615.features, ...SERIES_V7 },
  base: linux615.name,
  // The series as posted is in no release; 7.1 merged it with later fixes.
  releases: [],
  // The same order of steps as the generation it patches.
  steps: linux615.steps,
  // Not yet read off a real boot of this generation: 6.1's facts stand in.
  build: DEBIAN_6_1_CLOUD,
  notModelled: [GUESSED_BUILD, ...COMMON_NOT_MODELLED],
};
