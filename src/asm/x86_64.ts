// x86_64 with 4-level paging and 4 KiB base pages (arch/x86/include/asm/*).
import type { Arch } from './types.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const x86_64: Arch = {
  name: 'x86_64',
  pageShift: 12,
  pageSize: 4 * KiB,
  sectionSizeBits: 27,
  sectionSize: 128 * MiB,
  structPageSize: 64,
  pmdSize: 2 * MiB,
  pudSize: 1 * GiB,
  ptrsPerTable: 512,
  vmemmapBase: 0xffffea0000000000n,
  dmaZones: [
    { name: 'DMA', maxPhys: 16 * MiB, option: 'ZONE_DMA' },
    { name: 'DMA32', maxPhys: 4 * GiB, option: 'ZONE_DMA32' },
  ],
  gigantic1gCpuFeature: 'pdpe1gb',
  hugePageSizes: [
    { size: 2 * MiB, needs: null },
    { size: 1 * GiB, needs: 'pdpe1gb' },
  ],
  smpCacheBytes: 64,
  isaEnd: 1 * MiB,
  maxDmaAddress: 16 * MiB,
  maxPhysmemBits: 46,
};
