// Built-in machines, named for the people who would have them.
import { GiB, TiB } from '../util/units.js';
import { q35Machine } from './qemu.js';
import type { Machine } from './types.js';

interface Preset {
  describe: string;
  build: () => Machine;
}

const q35 = (name: string, nodeSizes: number[], cmdline: string): Machine => ({
  ...q35Machine({ nodeSizes, numa: true, cpuFeatures: ['pdpe1gb'], cmdline }, `preset ${name}`),
  name,
});

export const PRESETS: Record<string, Preset> = {
  default: { describe: 'two 3 GiB nodes (as the fixtures p02-p04), 2 x 1 GiB pages with HVO', build: () => q35('default', [3 * GiB, 3 * GiB], 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on') },
  laptop: { describe: 'one 16 GiB node, 2 MiB pages', build: () => q35('laptop', [16 * GiB], 'hugepagesz=2M hugepages=512') },
  '2s-server': { describe: 'two sockets of 256 GiB, 1 GiB pages', build: () => q35('2s-server', [256 * GiB, 256 * GiB], 'hugepagesz=1G hugepages=400 hugetlb_free_vmemmap=on') },
  '4s-3t': { describe: 'four sockets of 768 GiB (3 TiB)', build: () => q35('4s-3t', [768 * GiB, 768 * GiB, 768 * GiB, 768 * GiB], 'hugepagesz=1G hugepages=2800 hugetlb_free_vmemmap=on') },
  '64t': { describe: '16 nodes of 4 TiB (64 TiB), 65,000 x 1 GiB pages', build: () => q35('64t', Array.from({ length: 16 }, () => 4 * TiB), 'hugepagesz=1G hugepages=65000 hugetlb_free_vmemmap=on') },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
