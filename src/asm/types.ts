// The facts about one architecture that the generic memory-setup code depends on (what it
// includes from asm/ headers). A second architecture is a second file implementing this
// interface; its code (setup_arch() and what it calls) lives in src/arch/<name>/.

export interface ZoneLimit {
  /** Zone name as the kernel prints it in "Zone ranges:". */
  name: string;
  /** Exclusive physical upper limit of the zone (bytes); Infinity for "the rest". */
  maxPhys: number;
  /** The configuration option that builds the zone (a kernel built without it has no such zone). */
  option: 'ZONE_DMA' | 'ZONE_DMA32';
}

export interface Arch {
  name: string;
  pageShift: number;
  pageSize: number;
  /** SECTION_SIZE_BITS: one memory section covers 1 << sectionSizeBits bytes. */
  sectionSizeBits: number;
  sectionSize: number;
  /** sizeof(struct page) in bytes. */
  structPageSize: number;
  pmdSize: number;
  pudSize: number;
  /** Number of entries in one page-table page (PTRS_PER_PTE and friends). */
  ptrsPerTable: number;
  /** Virtual base of the vmemmap (kept as a bigint only for display). */
  vmemmapBase: bigint;
  /** The low DMA zones, in order; ZONE_NORMAL covers the rest, ZONE_MOVABLE is carved from the top. */
  dmaZones: ZoneLimit[];
  /** The CPU feature flag (as in /proc/cpuinfo and QEMU -cpu) that allows PUD-sized (1 GiB) pages. */
  gigantic1gCpuFeature: string;
  /** Huge page sizes the MMU can map, by the feature they need (null: always available). */
  hugePageSizes: { size: number; needs: string | null }[];
  /** L1 cache line (SMP_CACHE_BYTES), the default alignment of small memblock allocations. */
  smpCacheBytes: number;
  /** End of the ISA region (the first memblock current limit on x86). */
  isaEnd: number;
  /** __pa(MAX_DMA_ADDRESS): the low limit several boot allocators pass as their goal. */
  maxDmaAddress: number;
  /** Highest physical address bit the architecture can address (MAX_PHYSMEM_BITS). */
  maxPhysmemBits: number;
}
