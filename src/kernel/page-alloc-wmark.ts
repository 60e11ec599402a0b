// mm/page_alloc.c: the zones' watermarks and lowmem reserves (init_per_zone_wmark_min(),
// __setup_per_zone_wmarks(), setup_per_zone_lowmem_reserve()), and mm/khugepaged.c's raise of
// min_free_kbytes when khugepaged starts. Plain functions of the zones' managed pages.
import { dmaZones } from './mmzone.js';
import type { KernelState } from './state.js';

/** pageblock_nr_pages on x86_64 (2 MiB). */
export const PAGEBLOCK_PAGES = 512;

/** sysctl_lowmem_reserve_ratio[] by zone: 256 for the DMA zones, 32 for Normal, none above. */
function lowmemReserveRatio(s: KernelState, idx: number): number {
  const dma = dmaZones(s).length;
  if (idx < dma) return 256;
  return idx === dma ? 32 : 0;
}

/** The zone index of gfp_zone(GFP_USER) / GFP_KERNEL: ZONE_NORMAL. */
export function normalIdx(s: KernelState): number {
  return dmaZones(s).length;
}

/** nr_free_buffer_pages(): managed pages above the high watermark, over every zone up to Normal. */
export function nrFreeBufferPages(s: KernelState, managed: number[], high: number[] = []): number {
  const zones = s.zones?.zones ?? [];
  let sum = 0;
  zones.forEach((z, i) => {
    if (z.idx > normalIdx(s)) return;
    const m = managed[i] ?? 0;
    const h = high[i] ?? 0;
    if (m > h) sum += m - h;
  });
  return sum;
}

/** calculate_min_free_kbytes() (init_per_zone_wmark_min(), postcore_initcall): sqrt(16 x lowmem kB), 128 kB to 256 MiB. */
export function calculateMinFreeKbytes(s: KernelState, managed: number[]): number {
  const lowKb = nrFreeBufferPages(s, managed) * (s.arch.pageSize / 1024);
  return Math.min(262144, Math.max(128, Math.floor(Math.sqrt(lowKb * 16))));
}

export interface ZoneWmarks {
  min: number;
  low: number;
  high: number;
}

/**
 * __setup_per_zone_wmarks(): min_free_kbytes spread over the zones by managed
 * pages (x86_64 has no highmem); with movableWmarkMin 'capped' ZONE_MOVABLE
 * takes no share (managed/1024 pages, 32 to 128) and is left out of the pages
 * the others' shares are taken over. low and high a quarter of the share (or
 * 0.1% of the zone) above min.
 */
export function setupPerZoneWmarks(s: KernelState, minFreeKbytes: number, managed: number[]): ZoneWmarks[] {
  const zones = s.zones?.zones ?? [];
  const pagesMin = Math.floor(minFreeKbytes / (s.arch.pageSize / 1024));
  const capped = s.kernel.movableWmarkMin === 'capped';
  const movable = (i: number) => capped && zones[i]!.idx === s.zones!.movableIdx;
  const lowmem = managed.reduce((a, m, i) => (movable(i) ? a : a + m), 0);
  return zones.map((_, i) => {
    const m = managed[i] ?? 0;
    const share = lowmem ? Math.floor((pagesMin * m) / lowmem) : 0;
    const min = movable(i) ? Math.min(Math.max(Math.floor(m / 1024), 32), 128) : share;
    // watermark_scale_factor 10: 0.1% of the zone.
    const tmp = Math.max(share >> 2, Math.floor((m * 10) / 10000));
    return { min, low: min + tmp, high: min + 2 * tmp };
  });
}

/**
 * The managed pages the lowmem reserves were last set from: the postcore
 * initcalls' (`postcore`) or, where adjust_managed_page_count() sets them
 * again (lowmemReserveFollowsManaged), the zones' since (`latest`).
 */
export function reserveManaged(s: KernelState, postcore: number[], latest: number[]): number[] {
  return s.kernel.lowmemReserveFollowsManaged ? latest : postcore;
}

/** setup_per_zone_lowmem_reserve(): zone->lowmem_reserve[classzone], the managed pages of the node's zones above it up to classzone over its ratio. */
export function lowmemReserve(s: KernelState, managed: number[], i: number, classzone: number): number {
  const zones = s.zones?.zones ?? [];
  const z = zones[i]!;
  const ratio = lowmemReserveRatio(s, z.idx);
  if (!ratio || !managed[i]) return 0;
  let above = 0;
  zones.forEach((u, j) => {
    if (u.nid === z.nid && u.idx > z.idx && u.idx <= classzone) above += managed[j] ?? 0;
  });
  return Math.floor(above / ratio);
}

/** set_recommended_min_free_kbytes() (khugepaged starting): 11 pageblocks per populated zone up to Normal, at most 5% of nr_free_buffer_pages(). */
export function recommendedMinFreeKbytes(s: KernelState, minFreeKbytes: number, managed: number[]): number {
  if (!s.build.config.TRANSPARENT_HUGEPAGE) return minFreeKbytes;
  const zones = s.zones?.zones ?? [];
  const nrZones = zones.filter((z, i) => z.idx <= normalIdx(s) && (managed[i] ?? 0) > 0).length;
  const high = setupPerZoneWmarks(s, minFreeKbytes, managed).map((w) => w.high);
  const rec =
    Math.min(PAGEBLOCK_PAGES * nrZones * (2 + 3 * 3), Math.floor(nrFreeBufferPages(s, managed, high) / 20)) * (s.arch.pageSize / 1024);
  return Math.max(minFreeKbytes, rec);
}
