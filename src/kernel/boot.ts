// The boot runner: start_kernel() -> setup_arch() on x86_64, as the steps a
// profile lists (src/profiles). Every generation runs the same step functions
// (BOOT_STEPS); what differs is which steps it lists and the features the
// subsystems read. The memblock calls of other subsystems come from an
// OtherSubsystems: replayed from a log, or estimated. A boot the kernel would
// not survive stops at a KernelPanic.
import type { Machine } from '../machine/types.js';
import type { KernelBuild } from './config.js';
import type { KernelProfile } from './profile.js';
import { cmaInitReservedAreas, createCmaState } from './cma.js';
import { hugetlbCmaReserve } from './hugetlb-cma.js';
import {
  createHugetlbState,
  giganticPagesInit,
  hugetlbBootmemAlloc,
  hugetlbBootmemStructPageInit,
  hugetlbInit,
  setMaxHugePages,
} from './hugetlb.js';
import { cpuHasGbpages } from './hugetlb-alloc.js';
import { hugetlbParseArgs } from './hugetlb-params.js';
import { createHvoStats, hugetlbVmemmapInit } from './hugetlb-vmemmap.js';
import type { MemblockFaults, MemblockShortcuts } from './memblock.js';
import { cmdlineWords, keptCommandLine, setupCommandLine } from './params.js';
import { memblockCreate } from './memblock.js';
import { calcNrKernelPages, freeAreaInit, freeAreaInitMemmap, freeAreaInitZones } from './mm-init.js';
import {
  buildAllZonelists,
  createPageAllocState,
  freeReservedPages,
  memblockFreeAll,
  recordAfterHugetlbInit,
  recordBeforeHugetlbInit,
} from './page-alloc.js';
import { createVmemmapPageTables } from './pgtable.js';
import { createSparseState, sparseInit } from './sparse.js';
import type { BootStepName } from './steps.js';
import type { ArchSetup, BootShortcuts, BootStep, KernelState, OtherPoint, OtherSubsystems } from './state.js';
import { beginStep, endStep, KernelPanic, printk, prWarn } from './state.js';

/** free_reserved_area() for a part of the kernel image (alternatives, initmem, the section gaps). */
function freeImagePart(s: KernelState, part: KernelBuild['imageFrees'][number]): void {
  beginStep(s, `free ${part.what}`);
  freeReservedPages(s, s.archSetup.kernelImage(s).start / s.arch.pageSize, (part.kb * 1024) / s.arch.pageSize);
  printk(s, `Freeing ${part.what} memory: ${part.kb}K`);
}

/** free_initrd_mem(): the initramfs pages go to the allocator once unpacked. */
function freeInitrdMem(s: KernelState): void {
  const initrd = s.machine.loader?.initrd;
  if (!initrd) return;
  beginStep(s, 'free_initrd_mem');
  const ps = s.arch.pageSize;
  const start = Math.floor(initrd.start / ps);
  const pages = Math.ceil((initrd.start + initrd.size) / ps) - start;
  freeReservedPages(s, start, pages);
  printk(s, `Freeing initrd memory: ${(pages * ps) / 1024}K`);
}

/** One boot step: what it runs, and what it models (said by `hvosim boot --json` and the docs). */
interface StepDef {
  run(s: KernelState): void;
  models: string;
}

const others = (s: KernelState, p: OtherPoint) => s.others?.at(s, p);

/** Every step a profile can list, by name (src/kernel/steps.ts). */
const BOOT_STEPS: Record<BootStepName, StepDef> = {
  start_kernel: {
    run: (s) => {
      others(s, 'start');
      printk(s, `Command line: ${keptCommandLine(s.machine.cmdline)}`);
    },
    models: 'start_kernel() up to setup_arch()',
  },
  'setup_arch:memory': {
    run: (s) => s.archSetup.setupArchMemory(s),
    models:
      'setup_arch up to the generic memory code (src/arch/x86_64/setup.ts): e820__memory_setup and the e820 fix-ups, ' +
      'max_pfn, early_reserve_memory, reserve_brk, e820__memblock_setup, reserve_real_mode, init_mem_mapping ' +
      '(top-of-RAM probe), setup_log_buf, acpi_reserve_initial_tables (when the machine lists its ACPI tables), ' +
      'numa_init / alloc_node_data',
  },
  'hugetlb_bootmem_alloc:setup_arch': {
    run: (s) => {
      if (cpuHasGbpages(s)) hugetlbBootmemAlloc(s);
    },
    models:
      'hugetlb_bootmem_alloc from setup_arch when the CPU has 1 GiB pages (the hugetlb parameters, gigantic pages from memblock before sparse_init)',
  },
  hugetlb_cma_reserve: {
    run: hugetlbCmaReserve,
    models:
      'hugetlb_cma_reserve from mm_core_init_early once the zones exist (CMA builds): hugetlb_cma= and hugetlb_cma_only=, ' +
      'a CMA area per node from memblock (bottom-up from 4 GiB first, else top-down; several ranges above 4 GiB at worst)',
  },
  'hugetlb_bootmem_alloc:mm_core_init_early': {
    run: hugetlbBootmemAlloc,
    models:
      'hugetlb_bootmem_alloc from mm_core_init_early, whatever the CPU (7.2 on: before free_area_init and its sparse_init; ' +
      '7.3: between the zones and sparse_init): the hugetlb parameters, gigantic pages from memblock, cross-zone pages freed at once where the kernel does',
  },
  sparse_init: {
    run: sparseInit,
    models:
      'sparse_init (section roots, usemaps, memmap buffers, vmemmap page tables and 2 MiB blocks; ' +
      'hugetlb_vmemmap_init_early from sparse_init_nid where the kernel has it)',
  },
  free_area_init: {
    run: (s) => {
      s.zones = freeAreaInit(s);
    },
    models:
      'free_area_init (zone ranges, kernelcore=/movablecore=, spanned and present pages, unavailable ranges; ' +
      'hugetlb_vmemmap_init_late before memmap_init where the kernel has it)',
  },
  'free_area_init:zones': {
    run: (s) => {
      s.zones = freeAreaInitZones(s);
      calcNrKernelPages(s);
    },
    models:
      'the zones of free_area_init set up before the gigantic pages and sparse_init (7.3): zone ranges, kernelcore=/movablecore=, spanned and present pages',
  },
  'free_area_init:memmap': {
    run: (s) => {
      beginStep(s, 'memmap_init');
      freeAreaInitMemmap(s);
    },
    models: 'the rest of free_area_init once sparse_init has run (7.3): memmap_init, unavailable ranges',
  },
  'setup_arch:end': {
    run: (s) => others(s, 'setup_arch_end'),
    models: 'the rest of setup_arch (other subsystems)',
  },
  setup_command_line: {
    run: (s) => {
      others(s, 'setup_command_line');
      setupCommandLine(s);
      printk(s, `Kernel command line: ${keptCommandLine(s.machine.cmdline)}`);
    },
    models: 'setup_command_line and the first per-cpu chunk (other subsystems), the command line printed',
  },
  parse_args: {
    run: hugetlbParseArgs,
    models: 'parse_args: hugepagesz=, hugepages=, default_hugepagesz=, hugetlb_free_vmemmap= (gigantic pages from memblock)',
  },
  setup_per_cpu_areas: {
    run: (s) => {
      others(s, 'start_kernel');
      buildAllZonelists(s);
    },
    models: "setup_command_line, setup_per_cpu_areas (other subsystems), build_all_zonelists (each node's fallback order)",
  },
  'hugetlb_bootmem_alloc:mm_core_init': {
    run: hugetlbBootmemAlloc,
    models: 'hugetlb_bootmem_alloc from mm_core_init, if setup_arch did not run it',
  },
  mem_init: {
    run: (s) => {
      others(s, 'mm_init');
      memblockFreeAll(s);
    },
    models: 'mem_init: swiotlb, memblock_free_all (managed pages per zone)',
  },
  'free_initmem:alternatives': {
    run: (s) => {
      for (const part of s.build.imageFrees) if (part.early) freeImagePart(s, part);
    },
    models: 'the first free of the kernel image (SMP alternatives)',
  },
  page_alloc_init_late: {
    run: hugetlbBootmemStructPageInit,
    models: 'page_alloc_init_late: hugetlb_bootmem_struct_page_init (gather_bootmem_prealloc, with HVO, before the initcalls)',
  },
  cma_init_reserved_areas: {
    run: cmaInitReservedAreas,
    models: 'cma_init_reserved_areas (core_initcall): the CMA areas join the page allocator as MIGRATE_CMA pageblocks',
  },
  gigantic_pages_init: { run: giganticPagesInit, models: 'gigantic_pages_init (arch_initcall)' },
  hugetlb_init: {
    run: (s) => {
      // What the zones hold on either side of hugetlb_init(), for predictOutOfMemory().
      recordBeforeHugetlbInit(s);
      hugetlbInit(s);
      recordAfterHugetlbInit(s);
    },
    models: 'hugetlb_init (2 MiB pages; gather_bootmem_prealloc with HVO unless page_alloc_init_late ran it; report_hugepages)',
  },
  free_initrd_mem: { run: freeInitrdMem, models: 'free_initrd_mem' },
  hugetlb_vmemmap_init: {
    run: (s) => {
      beginStep(s, 'hugetlb_vmemmap_init (late_initcall)');
      hugetlbVmemmapInit(s);
    },
    models: 'hugetlb_vmemmap_init (late_initcall; initializes the shared tail pages where the kernel has them)',
  },
  'free_initmem:rest': {
    run: (s) => {
      for (const part of s.build.imageFrees) if (!part.early) freeImagePart(s, part);
    },
    models: 'the late frees of the kernel image',
  },
  end: { run: (s) => others(s, 'end'), models: "the end of the boot (other subsystems' last calls)" },
};

/** The steps a profile models, in boot order, as sentences. */
export function modelledSteps(p: KernelProfile): string[] {
  return [
    ...p.steps.map((n) => BOOT_STEPS[n].models),
    'nr_hugepages after boot (growing or shrinking the default-size pool; surplus pages when HVO cannot be undone)',
  ];
}

export interface BootOptions {
  /** The kernel generation (src/profiles; src/simulator.ts resolves a name to it). */
  profile: KernelProfile;
  /** The architecture's facts and setup_arch() (src/arch; src/simulator.ts picks it from the machine). */
  arch: ArchSetup;
  build?: KernelBuild;
  /** The memblock calls of subsystems we do not model: replayed from a log, or estimated. */
  others?: OtherSubsystems | null;
  /** After boot, write this to /proc/sys/vm/nr_hugepages (grows the default-size pool). */
  nrHugepages?: number;
  /** Allocation failures to inject into memblock. */
  faults?: MemblockFaults;
  /** Called after every step (invariant checks). */
  afterStep?: (s: KernelState, step: BootStep) => void;
  /** No shortcuts: see KernelState.stepwise. */
  stepwise?: boolean;
  /** hvosim's shortcuts (src/sim), taken unless stepwise: src/simulator.ts makes them. */
  shortcuts?: { boot: BootShortcuts; memblock: MemblockShortcuts } | null;
}

/** A fresh state for one boot of `machine` with `profile`. */
function createKernelState(machine: Machine, arch: ArchSetup, build: KernelBuild, profile: KernelProfile): KernelState {
  return {
    arch: arch.facts,
    archSetup: arch,
    build,
    profile,
    kernel: profile.features,
    machine,
    cmdline: cmdlineWords(machine.cmdline),
    memblock: memblockCreate({ debug: true, pageSize: arch.facts.pageSize, rsrvKern: profile.features.memblockKhoFlags }),
    e820: machine.e820.map((e) => ({ ...e })),
    maxPfn: 0,
    maxLowPfn: 0,
    numa: { blks: [] },
    nodeData: new Map(),
    sparse: createSparseState(),
    vmemmap: createVmemmapPageTables(),
    zones: null,
    pageAlloc: createPageAllocState(),
    hugetlb: createHugetlbState(),
    cma: createCmaState(),
    hvo: createHvoStats(),
    others: null,
    memmap: { bootPages: 0, pages: 0 },
    memmapInitDone: false,
    memmapHoles: [],
    panic: null,
    dmesg: [],
    dmesgLevels: new Map(),
    steps: [],
    stepwise: false,
    shortcuts: null,
  };
}

/** Boot a machine through its profile's steps; returns the state after them. */
export function boot(machine: Machine, opts: BootOptions): KernelState {
  const profile = opts.profile;
  const s = createKernelState(machine, opts.arch, opts.build ?? profile.build, profile);
  s.memblock.debug = s.cmdline.includes('memblock=debug');
  // vmemmap_optimize_enabled's initial value (mm/hugetlb_vmemmap.c).
  s.hugetlb.vmemmapOptimizeEnabled =
    s.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP && s.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON;
  s.others = opts.others ?? null;
  if (opts.faults) s.memblock.faults = opts.faults;
  if (opts.afterStep) s.afterStep = opts.afterStep;
  s.stepwise = opts.stepwise ?? false;
  if (!s.stepwise && opts.shortcuts) {
    s.shortcuts = opts.shortcuts.boot;
    s.memblock.shortcuts = opts.shortcuts.memblock;
  }
  // A CMA build of a generation whose steps do not reserve hugetlb's CMA areas: said, not guessed.
  if (s.build.config.CMA && !profile.steps.includes('hugetlb_cma_reserve') && s.cmdline.some((w) => /^hugetlb_cma(_only)?(=|$)/.test(w)))
    prWarn(
      s,
      'hvosim: hugetlb_cma= is not modelled for this kernel generation (its steps do not include hugetlb_cma_reserve): ' +
        'the boot goes on as if it were not given, and its gigantic pages may differ from the kernel',
    );
  try {
    for (const step of profile.steps) BOOT_STEPS[step].run(s);
    if (opts.nrHugepages !== undefined) setMaxHugePages(s, opts.nrHugepages);
  } catch (e) {
    if (!(e instanceof KernelPanic)) throw e;
  }
  endStep(s);
  return s;
}
