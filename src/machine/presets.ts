// Built-in machines, named for the people who would have them.
import { GiB, sizeSuffixed, TiB } from '../util/units.js';
import { q35Machine, type CpuVendor } from './qemu.js';
import type { Machine } from './types.js';
import { validateMachine } from './validate.js';
import type { MachineJson } from './json.js';

interface Preset {
  describe: string;
  /** RAM of each NUMA node (q35 layout). */
  nodes: number[];
  cmdline: string;
  /** The servers have Intel CPUs: no HyperTransport hole, RAM above 4 GiB in one piece (a q35 guest's qemu64 is AMD). */
  vendor: CpuVendor;
  build: () => Machine;
}

function preset(name: string, describe: string, nodes: number[], cmdline: string, vendor: CpuVendor = 'AMD'): Preset {
  return {
    describe,
    nodes,
    cmdline,
    vendor,
    build: () =>
      validateMachine({
        ...q35Machine({ nodeSizes: nodes, numa: true, cpuFeatures: ['pdpe1gb'], cpuVendor: vendor, cmdline }, `preset ${name}`),
        name,
      }),
  };
}

export const PRESETS: Record<string, Preset> = {
  default: preset(
    'default',
    'two 3 GiB nodes (as the fixtures p02-p04), 2 x 1 GiB pages with HVO',
    [3 * GiB, 3 * GiB],
    'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on',
  ),
  laptop: preset('laptop', 'one 16 GiB node, 2 MiB pages', [16 * GiB], 'hugepagesz=2M hugepages=512'),
  '2s-server': preset(
    '2s-server',
    'two Intel sockets of 256 GiB, 1 GiB pages',
    [256 * GiB, 256 * GiB],
    'hugepagesz=1G hugepages=400 hugetlb_free_vmemmap=on',
    'Intel',
  ),
  '4s-3t': preset(
    '4s-3t',
    'four Intel sockets of 768 GiB (3 TiB)',
    [768 * GiB, 768 * GiB, 768 * GiB, 768 * GiB],
    'hugepagesz=1G hugepages=2800 hugetlb_free_vmemmap=on',
    'Intel',
  ),
  '64t': preset(
    '64t',
    '16 Intel nodes of 4 TiB, the last 2 GiB short (RAM ends at 64 TiB, all that 4-level paging maps), 65,000 x 1 GiB pages',
    [...Array.from({ length: 15 }, () => 4 * TiB), 4 * TiB - 2 * GiB],
    'hugepagesz=1G hugepages=65000 hugetlb_free_vmemmap=on',
    'Intel',
  ),
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A preset as a machine file (what `hvosim machine --json`-style editing starts from), without its command line. */
export function presetJson(name: string): MachineJson {
  const p = PRESETS[name]!;
  return { name, cpu: { features: ['pdpe1gb'], vendor: p.vendor }, q35: { nodes: p.nodes.map(sizeSuffixed), numa: true } };
}
