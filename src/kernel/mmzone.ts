// include/linux/mmzone.h: enum zone_type as a build has it (its configuration decides which zones exist).
import type { ZoneLimit } from '../asm/types.js';
import type { KernelState } from './state.js';

/** The architecture's low zones this build has (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32), lowest first. */
export function dmaZones(s: KernelState): ZoneLimit[] {
  return s.arch.dmaZones.filter((z) => s.build.config[z.option]);
}

/** enum zone_type as this build has it: its DMA zones, Normal, Movable, and Device with CONFIG_ZONE_DEVICE. */
export function zoneNames(s: KernelState): string[] {
  return [...dmaZones(s).map((z) => z.name), 'Normal', 'Movable', ...(s.build.config.ZONE_DEVICE ? ['Device'] : [])];
}
