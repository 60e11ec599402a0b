// The simulator's one door for the layers around it (cli, web, report, check,
// conformance): boot a machine with a kernel generation, then read the result
// through the views below. Nothing here changes a finished boot except
// setMaxHugePages(), which is what writing /proc/sys/vm/nr_hugepages does.
// trace/replay.ts and trace/foreign.ts are runners of their own (they drive
// memblock call by call from a log) and reach src/kernel directly.

import { boot as kernelBoot, type BootOptions as KernelBootOptions } from './kernel/boot.js';
import type { KernelProfile } from './kernel/profile.js';
import type { Machine } from './machine/types.js';
import { DEFAULT_PROFILE, getProfile, profileForVersion } from './profiles/index.js';
import type { ArchSetup, KernelState } from './kernel/state.js';
import { archSetup } from './arch/index.js';
import { memblockHints } from './sim/memblock-hints.js';
import { bootShortcuts } from './sim/vmemmap-runs.js';

/** How to boot: the kernel generation by name or as a profile (the default profile when absent), and the boot's options. */
export interface BootOptions extends Omit<KernelBootOptions, 'profile' | 'arch' | 'shortcuts'> {
  profile?: string | KernelProfile;
}

/** The profile a name stands for, the profile itself, or the default: the one place a generation's name becomes its profile. */
export function resolveProfile(p: string | KernelProfile | undefined): KernelProfile {
  if (p === undefined) return DEFAULT_PROFILE;
  if (typeof p !== 'string') return p;
  const found = getProfile(p);
  if (!found) throw new Error(`unknown kernel profile ${JSON.stringify(p)}`);
  return found;
}

/** What a --kernel value stands for: the profile, whether it is the asked release's own, and what the answer is worth. */
export interface KernelChoice {
  /** The value as given: a profile's name or a kernel version. */
  asked: string;
  profile: KernelProfile;
  /** A profile named, or a version whose release the profile stands for (its `releases`). */
  exact: boolean;
  /** Said wherever the answer is shown when the version has no profile of its own (profileForVersion()). */
  note?: string;
}

/** A profile's name, else a kernel version ("7.2", "6.18.3": profileForVersion()), else undefined. */
export function resolveKernel(asked: string): KernelChoice | undefined {
  const named = getProfile(asked);
  if (named) return { asked, profile: named, exact: true };
  const v = profileForVersion(asked);
  return v && { asked, profile: v.profile, exact: v.exact, ...(v.note ? { note: v.note } : {}) };
}

/** The boot code of the machine's architecture (src/arch). */
function machineArch(machine: Machine): ArchSetup {
  const a = archSetup(machine.arch);
  if (!a) throw new Error(`architecture ${JSON.stringify(machine.arch)} is not modelled (x86_64 is)`);
  return a;
}

/**
 * Boot a machine with a kernel generation: src/kernel/boot.ts runs its steps with the machine's
 * architecture, taking hvosim's shortcuts (src/sim) unless the boot is stepwise.
 */
export function boot(machine: Machine, opts: BootOptions = {}): KernelState {
  const shortcuts = opts.stepwise ? null : { boot: bootShortcuts(), memblock: memblockHints() };
  return kernelBoot(machine, { ...opts, profile: resolveProfile(opts.profile), arch: machineArch(machine), shortcuts });
}

// Booting.
export { modelledSteps } from './kernel/boot.js';
export type { KernelState, OtherSubsystems, OtherPoint, BootStep, KernLevel } from './kernel/state.js';
export type { KernelBuild, KernelConfig } from './kernel/config.js';
export type { MemblockFaults } from './kernel/memblock.js';
export { estimatedOthers } from './kernel/others.js';
export { setMaxHugePages } from './kernel/hugetlb.js';
export { bootCpuNode, zoneFreePages } from './kernel/page-alloc.js';
export { predictOutOfMemory } from './model/out-of-memory.js';

// The command line as the kernel splits and keeps it.
export { bootCommandLine, COMMAND_LINE_SIZE, keptCommandLine, parseArgs } from './kernel/params.js';

// Kernel generations.
export {
  DEBIAN_GENERATIONS,
  DEFAULT_PROFILE,
  getProfile,
  KERNEL_PROFILES,
  kernelRelease,
  PROFILE_NAMES,
  profileForVersion,
  REFERENCE_PROFILE,
  validatedAgainst,
} from './profiles/index.js';
export type { DebianKernel, KernelFeatures, KernelProfile, ProfileName, VersionProfile } from './profiles/index.js';
export {
  BUILD_FACTS,
  type BuildDescription,
  factNames,
  kconfigText,
  parseKconfig,
  profileWithBuild,
  profileWithConfig,
  profileWithImage,
  type ReadKconfig,
} from './profiles/kconfig.js';

// Views of memblock.
export { memblockDbgLine } from './kernel/memblock.js';
export { forEachFreeMemRange } from './kernel/memblock-search.js';
export type { MemblockCall } from './kernel/memblock.js';
export type { MemblockCallLog } from './kernel/memblock-call-log.js';

// An architecture's facts (page sizes, MAX_PHYSMEM_BITS, ...), by the machine's arch name.
export { getArch } from './asm/index.js';

// Views of nodes, sections, hstates and struct pages.
export { numaNodeSpans } from './arch/x86_64/numa.js';
export { presentSections } from './kernel/sparse.js';
export { sectionMapSize } from './kernel/sparse-buffer.js';
export { hstateNrHugePages } from './kernel/hugetlb.js';
export { hashdistHashBytes } from './kernel/hash.js';
export { hstateIsGigantic, hstateName, hstateSize } from './kernel/hugetlb-alloc.js';
export { hugeBootPages } from './kernel/hugetlb-bootmem.js';
export { hugetlbVmemmapOptimizableSize } from './kernel/hugetlb-vmemmap.js';
export type { Hstate, HugePage } from './kernel/hugetlb.js';
export { nidOfPhys } from './kernel/page-alloc.js';
export { cmaFreePages, zoneCmaPages } from './kernel/cma.js';
export type { Cma } from './kernel/cma.js';
export { compoundHead, folioOf, structPageAddress, structPageAt, zoneSpanning } from './kernel/page.js';

// Views of the vmemmap page tables.
export { PMD_ENTRY_SPAN, PMD_TABLE_SPAN, PTE_SPAN, PUD_TABLE_SPAN, pmdLeafRuns, pmdSlices, pteLookup, runsIn } from './kernel/pgtable.js';
export type { PteRun } from './kernel/pgtable.js';
export { firstUnmappedStructPage } from './kernel/sparse-vmemmap.js';
