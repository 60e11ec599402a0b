// A kernel's configuration (.config, /boot/config-*, /proc/config.gz unpacked) read for the options that
// change the boot (KernelConfig), and the boot-relevant options it sets that hvosim does not model yet.
import type { KernelBuild, KernelConfig } from '../kernel/config.js';
import type { KernelProfile } from '../kernel/profile.js';
import { InputError } from '../util/errors.js';
import { buildFromConfig } from './build-from-config.js';

/** What a configuration file gave: the modelled options, and those it sets that change the boot but are not modelled. */
export interface ReadKconfig {
  file: string;
  config: KernelConfig;
  /** "X86_5LEVEL=y", "NR_CPUS=64", ...: options that change the boot, as the file sets them, whose effect hvosim leaves to the profile's build. */
  notModelled: string[];
  /** Every option as the file sets it ("y", "6", "n" for "is not set"): what build facts follow from (buildFromConfig()). */
  values: ReadonlyMap<string, string>;
}

/** The modelled options, in the order they are said. */
const MODELLED_SET = {
  ZONE_DMA: true,
  ZONE_DMA32: true,
  ZONE_DEVICE: true,
  CONTIG_ALLOC: true,
  MEMORY_HOTREMOVE: true,
  HUGETLB_PAGE_OPTIMIZE_VMEMMAP: true,
  HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON: true,
  CPUMASK_OFFSTACK: true,
  FIRMWARE_MEMMAP: true,
  HIBERNATION: true,
  CMA: true,
  TRANSPARENT_HUGEPAGE: true,
  TMPFS: true,
} as const satisfies Record<keyof KernelConfig, true>;
const MODELLED = Object.keys(MODELLED_SET) as (keyof KernelConfig)[];

/**
 * Options known to change what this boot does that hvosim does not read from a configuration yet: their
 * effect comes from the profile's build (its facts, read off Debian's boots), whatever the file says.
 */
const NOT_MODELLED: readonly string[] = ['NR_CPUS', 'X86_MPPARSE', 'X86_5LEVEL', 'DEFERRED_STRUCT_PAGE_INIT'];

/** Parse a .config: `CONFIG_X=value` lines and `# CONFIG_X is not set`; an option a full .config leaves out is off. */
export function parseKconfig(text: string, file: string): ReadKconfig {
  const values = new Map<string, string>();
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (!line) continue;
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) {
      values.set(unset[1]!, 'n');
      continue;
    }
    if (line.startsWith('#')) continue;
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!set) throw new InputError(`not a kernel configuration line: ${JSON.stringify(line.slice(0, 80))}`, { file, line: lineNo });
    values.set(set[1]!, set[2]!);
  }
  if (!values.size)
    throw new InputError('no CONFIG_ lines: not a kernel configuration (.config, /boot/config-*, /proc/config.gz)', { file });
  // Everything hvosim models maps the memmap through the vmemmap: a build without it is outside the model, said at once.
  if (values.get('SPARSEMEM_VMEMMAP') !== 'y')
    throw new InputError(
      'CONFIG_SPARSEMEM_VMEMMAP is not set: hvosim models only the virtually mapped memmap (and HVO on it), not classic SPARSEMEM',
      { file },
    );
  const on = (k: string) => values.get(k) === 'y';
  const config = Object.fromEntries(MODELLED.map((k) => [k, on(k)])) as Record<keyof KernelConfig, boolean>;
  // THP built but off by default ("never"): khugepaged does not start.
  if (on('TRANSPARENT_HUGEPAGE_NEVER')) config.TRANSPARENT_HUGEPAGE = false;
  // init_rootfs(): tmpfs needs SHMEM as well (else shmem_file_setup() is ramfs underneath).
  config.TMPFS = on('TMPFS') && on('SHMEM');
  const notModelled = NOT_MODELLED.filter((k) => values.has(k) && values.get(k) !== 'n').map((k) => `${k}=${values.get(k)}`);
  return { file, config, notModelled, values };
}

/** The options a configuration gave, as Kconfig writes them ("ZONE_DMA=n ZONE_DMA32=y ZONE_DEVICE=n"). */
export function kconfigText(c: KernelConfig): string {
  return MODELLED.map((k) => `${k}=${c[k] ? 'y' : 'n'}`).join(' ');
}

/**
 * The profile with its build's configuration taken from a file, and the facts that follow from its options
 * (buildFromConfig()); every other build fact stays the profile's.
 */
export function profileWithConfig(p: KernelProfile, k: ReadKconfig): KernelProfile {
  const { build, read } = buildFromConfig(k.values, k.config, p.build);
  const facts = factNames(read);
  return {
    ...p,
    build: { ...build, config: k.config, configFrom: { file: k.file, notModelled: k.notModelled, ...(facts.length ? { facts } : {}) } },
  };
}

/** A build description (`hvosim build --json`): the options and facts learnt, and where each came from. */
export interface BuildDescription {
  format: 'hvosim-build/1';
  /** The profile whose code the build runs (its other facts stand in). */
  kernel: string;
  config: KernelConfig;
  facts: Pick<KernelBuild, BuildFact>;
  from: {
    config: string | null;
    log: string | null;
    factsFromLog: string[];
    notModelled: string[];
    /** The kernel image read (--kernel-image), and the facts it gave that no log overrode (absent in older files). */
    image?: string | null;
    factsFromImage?: string[];
    /** The facts that follow from the configuration's options (buildFromConfig()) and no log or image overrode, by name. */
    factsFromConfig?: string[];
  };
}

/** The facts named by `from` lines ("imageFrees: the vmlinux's sections" -> imageFrees; "a, b: ..." -> a, b). */
export function factNames(read: readonly string[]): string[] {
  return read.flatMap((r) => r.split(':')[0]!.split(', '));
}

/** The profile with facts read off the build's kernel image (hvosim's --kernel-image): the rest stays `p`'s. */
export function profileWithImage(p: KernelProfile, image: { file: string; build: KernelBuild; read: readonly string[] }): KernelProfile {
  const facts = factNames(image.read) as BuildFact[];
  const taken = Object.fromEntries(facts.map((k) => [k, image.build[k]]));
  return { ...p, build: { ...p.build, ...taken, imageFrom: { file: image.file, facts } } };
}

/** The build facts a description carries (those a boot log shows). */
export const BUILD_FACTS = [
  'imageStart',
  'imageSize',
  'pgdatSize',
  'brkSize',
  'realModeSize',
  'prbDescSize',
  'printkInfoSize',
  'pcpuUnitPages',
  'pcpuFirstChunkAllocs',
  'bootCpumasks',
  'logBufShift',
  'imageFrees',
  'runtimeUseKb',
  'kernelUseAtHugetlbInitKb',
] as const;
export type BuildFact = (typeof BUILD_FACTS)[number];

/** The profile with a described build: its options and facts (the rest of the build stays the profile's). */
export function profileWithBuild(p: KernelProfile, d: BuildDescription, file: string): KernelProfile {
  const facts = Object.fromEntries(BUILD_FACTS.map((k) => [k, d.facts[k]])) as Pick<KernelBuild, BuildFact>;
  const supplied = [
    ...new Set([
      ...factNames(d.from.factsFromLog),
      ...factNames(d.from.factsFromImage ?? []),
      ...(d.from.factsFromConfig ?? []),
      ...(d.from.config ? ['config'] : []),
    ]),
  ];
  return {
    ...p,
    build: { ...p.build, ...facts, config: d.config, configFrom: { file, notModelled: d.from.notModelled, facts: supplied } },
  };
}
