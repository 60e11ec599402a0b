// One simulated boot: everything the steps read and write. No global state, so boots can run side by side.
import { cmdlineWords } from './params.js';
import type { Arch } from '../arch/index.js';
import type { E820Entry } from '../machine/e820.js';
import type { Machine } from '../machine/types.js';
import type { KernelBuild } from './config.js';
import type { Memblock } from './memblock.js';
import { memblockCreate } from './memblock.js';
import type { HvoStats } from './hugetlb-vmemmap.js';
import { createHvoStats } from './hugetlb-vmemmap.js';
import type { HugetlbState } from './hugetlb.js';
import { createHugetlbState } from './hugetlb.js';
import type { ZoneLayout } from './mm-init.js';
import type { PageAllocState } from './page-alloc.js';
import { createPageAllocState } from './page-alloc.js';
import type { NumaMeminfo } from './numa.js';
import type { VmemmapPageTables } from './pgtable.js';
import { createVmemmapPageTables } from './pgtable.js';
import type { SparseState } from './sparse.js';
import { createSparseState } from './sparse.js';

export type Profile = '6.1' | '6.15' | 'hvo-v7';
export const PROFILES: Profile[] = ['6.1', '6.15', 'hvo-v7'];

export interface BootStep {
  /** The kernel function the step models. */
  fn: string;
  /** Index of the first memblock call the step made. */
  firstCall: number;
  /** Index of the first dmesg line it printed. */
  firstLine: number;
}

/** Points in the boot where subsystems we do not model make their memblock calls. */
export type OtherPoint = 'start' | 'init_mem_mapping' | 'setup_arch_end' | 'start_kernel' | 'mm_init' | 'end';

/**
 * The memblock calls of the subsystems hvosim does not model (page tables of
 * the direct map, per-cpu areas, swiotlb, ...): replayed from a log, or estimated.
 */
export interface OtherSubsystems {
  name: string;
  at(s: KernelState, point: OtherPoint): void;
}

export interface KernelState {
  arch: Arch;
  build: KernelBuild;
  profile: Profile;
  machine: Machine;
  /** Parsed command line words. */
  cmdline: string[];
  memblock: Memblock;
  /** The kernel's e820 table after its own early updates. */
  e820: E820Entry[];
  maxPfn: number;
  maxLowPfn: number;
  numa: NumaMeminfo;
  /** pg_data_t of each node. */
  nodeData: Map<number, number>;
  sparse: SparseState;
  vmemmap: VmemmapPageTables;
  /** Zones after free_area_init(). */
  zones: ZoneLayout | null;
  pageAlloc: PageAllocState;
  hugetlb: HugetlbState;
  hvo: HvoStats;
  others: OtherSubsystems | null;
  /** nr_memmap_boot_pages and nr_memmap_pages (/proc/vmstat, 6.15 and later). */
  memmap: { bootPages: number; pages: number };
  /** memmap_init() has written the struct pages of every zone. */
  memmapInitDone: boolean;
  /** Why the boot died (a panic, or an oops this early), or null while it lives. */
  panic: string | null;
  dmesg: string[];
  steps: BootStep[];
  /** Called when a step ends (before the next begins, and at the end of the boot): invariant checks hook in here. */
  afterStep?: (s: KernelState, step: BootStep) => void;
  /**
   * Take none of the shortcuts that make many of the kernel's steps at once
   * (gigantic pages' vmemmap in runs, runs of memblock or page allocations,
   * frees gathered into one): each step the general way, one at a time. Tests
   * hold the shortcuts to this.
   */
  stepwise: boolean;
}

export function createKernelState(machine: Machine, arch: Arch, build: KernelBuild, profile: Profile): KernelState {
  return {
    arch,
    build,
    profile,
    machine,
    cmdline: cmdlineWords(machine.cmdline),
    memblock: memblockCreate({ debug: true }),
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
    hvo: createHvoStats(),
    others: null,
    memmap: { bootPages: 0, pages: 0 },
    memmapInitDone: false,
    panic: null,
    dmesg: [],
    steps: [],
    stepwise: false,
  };
}

export function printk(s: KernelState, ...lines: string[]): void {
  s.dmesg.push(...lines);
}

/** Mark the start of a boot step (for timelines and explanations). */
export function beginStep(s: KernelState, fn: string): void {
  endStep(s);
  s.memblock.step = fn;
  s.steps.push({ fn, firstCall: s.memblock.calls.length, firstLine: s.dmesg.length });
}

/** The current step is over: let the afterStep hook look at the state. */
export function endStep(s: KernelState): void {
  const last = s.steps.at(-1);
  if (last && s.afterStep) s.afterStep(s, last);
}

/** Thrown to stop a boot the kernel would not survive; boot() catches it. */
export class KernelPanic extends Error {}

/**
 * The boot dies here: print the kernel's lines (an hvosim line, prefixed
 * "hvosim:", where the kernel would oops with text we cannot know) and stop.
 */
export function kernelPanic(s: KernelState, ...lines: string[]): never {
  printk(s, ...lines);
  s.panic = lines.join(' / ');
  throw new KernelPanic(s.panic);
}
