// The simulator's one door for the layers around it (cli, web, report, check,
// conformance): boot a machine with a kernel generation, then read the result
// through the views below. Nothing here changes a finished boot except
// setMaxHugePages(), which is what writing /proc/sys/vm/nr_hugepages does.
// trace/replay.ts and trace/foreign.ts are runners of their own (they drive
// memblock call by call from a log) and reach src/kernel directly.

// Booting.
export { boot, modelledSteps, type BootOptions } from './kernel/boot.js';
export type { KernelState, OtherSubsystems, OtherPoint, BootStep } from './kernel/state.js';
export type { MemblockFaults } from './kernel/memblock.js';
export { estimatedOthers } from './kernel/others.js';
export { setMaxHugePages } from './kernel/hugetlb.js';
export { predictOutOfMemory } from './model/out-of-memory.js';

// The command line as the kernel splits and keeps it.
export { bootCommandLine, COMMAND_LINE_SIZE, keptCommandLine, parseArgs } from './kernel/params.js';

// Kernel generations.
export { DEFAULT_PROFILE, getProfile, KERNEL_PROFILES, PROFILE_NAMES, profileForRelease, REFERENCE_PROFILE } from './profiles/index.js';
export type { KernelFeatures, KernelProfile, ProfileName } from './profiles/index.js';

// Views of memblock.
export { forEachFreeMemRange, memblockDbgLine } from './kernel/memblock.js';
export type { MemblockCall } from './kernel/memblock.js';
export type { MemblockCallLog } from './sim/memblock-call-log.js';

// Views of nodes, sections, hstates and struct pages.
export { numaNodeSpans } from './arch/x86_64/numa.js';
export { presentSections } from './kernel/sparse.js';
export { sectionMapSize } from './kernel/sparse-buffer.js';
export { hstateIsGigantic, hstateName, hstateNrHugePages, hstateSize } from './kernel/hugetlb.js';
export { hugeBootPages } from './kernel/hugetlb-bootmem.js';
export { hugetlbVmemmapOptimizableSize } from './kernel/hugetlb-vmemmap.js';
export type { Hstate, HugePage } from './kernel/hugetlb.js';
export { nidOfPhys } from './kernel/page-alloc.js';
export { compoundHead, folioOf, structPageAddress, structPageAt, zoneSpanning } from './kernel/page.js';

// Views of the vmemmap page tables.
export { PMD_ENTRY_SPAN, PMD_TABLE_SPAN, PTE_SPAN, PUD_TABLE_SPAN, pmdSlices, pteLookup, runsIn } from './kernel/pgtable.js';
export type { PteRun } from './kernel/pgtable.js';
export { firstUnmappedStructPage } from './kernel/sparse-vmemmap.js';
