// One simulated boot: everything the steps read and write. No global state, so boots can run side by side.
import type { Arch } from '../asm/index.js';
import type { E820Entry } from '../machine/e820.js';
import type { Machine } from '../machine/types.js';
import type { KernelBuild } from './config.js';
import type { KernelFeatures, KernelProfile } from './profile.js';
import type { Memblock } from './memblock.js';
import type { CmaState } from './cma.js';
import type { HvoStats } from './hugetlb-vmemmap.js';
import type { HugeBootmemPage, HugetlbState } from './hugetlb.js';
import type { ZoneLayout } from './mm-init.js';
import type { PageAllocState } from './page-alloc.js';
import type { NumaMeminfo } from './numa-memblks.js';
import type { VmemmapPageTables } from './pgtable.js';
import type { SparseState } from './sparse.js';

export interface BootStep {
  /** The kernel function the step models. */
  fn: string;
  /** Index of the first memblock call the step made. */
  firstCall: number;
  /** Index of the first dmesg line it printed. */
  firstLine: number;
}

/** Points in the boot where subsystems we do not model make their memblock calls. */
export type OtherPoint = 'start' | 'init_mem_mapping' | 'setup_arch_end' | 'setup_command_line' | 'start_kernel' | 'mm_init' | 'end';

/**
 * The memblock calls of the subsystems hvosim does not model (page tables of
 * the direct map, per-cpu areas, swiotlb, ...): replayed from a log, or estimated.
 */
export interface OtherSubsystems {
  name: string;
  at(s: KernelState, point: OtherPoint): void;
}

/**
 * What start_kernel() calls in the architecture (src/arch/<name>/, picked by src/simulator.ts from
 * the machine's architecture): its facts, setup_arch() up to the generic memory code, and where it
 * put the kernel image.
 */
export interface ArchSetup {
  facts: Arch;
  /** setup_arch() up to sparse_init()/free_area_init(): e820, early reservations, memblock, NUMA. */
  setupArchMemory(s: KernelState): void;
  /** Where the kernel image sits (the boot loader's choice when known, else the build's default). */
  kernelImage(s: KernelState): { start: number; size: number };
}

export interface KernelState {
  /** The architecture's facts (page size, section size, zones, ...). */
  arch: Arch;
  /** The architecture's own boot code. */
  archSetup: ArchSetup;
  build: KernelBuild;
  /** The kernel generation this boot runs (resolved once, by src/simulator.ts); the kernel files read `kernel`, never its name. */
  profile: KernelProfile;
  /** What this generation does where generations differ. */
  kernel: KernelFeatures;
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
  /** The CMA areas (mm/cma.c) and hugetlb_cma= (mm/hugetlb_cma.c). */
  cma: CmaState;
  hvo: HvoStats;
  others: OtherSubsystems | null;
  /** nr_memmap_boot_pages and nr_memmap_pages (/proc/vmstat, 6.15 and later). */
  memmap: { bootPages: number; pages: number };
  /** memmap_init() has written the struct pages of every zone. */
  memmapInitDone: boolean;
  /** The holes whose struct pages memmap_init() wrote reserved (init_unavailable_range()), with the zone and node it gave them. */
  memmapHoles: { start: number; end: number; nid: number; zoneIdx: number }[];
  /** Why the boot died (a panic, or an oops this early), or null while it lives. */
  panic: string | null;
  dmesg: string[];
  /** The level of each dmesg line printed above KERN_INFO (pr_warn and worse), by its index in `dmesg`. */
  dmesgLevels: Map<number, KernLevel>;
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
  /**
   * hvosim's shortcuts beside the kernel's steps (src/sim/), installed by the
   * boot runner unless it boots stepwise: each does at once what the kernel's
   * code does step by step, with the same result. Null: every step the kernel's way.
   */
  shortcuts: BootShortcuts | null;
}

/** What the shortcuts of src/sim/vmemmap-runs.ts offer the kernel files; each answers as the kernel's walk would. */
export interface BootShortcuts {
  /** vmemmap_populate_hvo() with a one-page head for a folio whose vmemmap nothing maps yet: its result, or null when that is not the case. */
  populateHvoFresh(s: KernelState, start: number, end: number, nid: number, reuse: number): boolean | null;
  /** The boot pages from pages[i] on that populateHvoRun() can take together (each passing `ok`), with where their vmemmap starts. */
  hvoRunFrom(
    s: KernelState,
    pages: HugeBootmemPage[],
    i: number,
    ok: (m: HugeBootmemPage) => boolean,
  ): { run: HugeBootmemPage[]; starts: number[] };
  /** vmemmap_populate_hvo() for those folios in a row: how many were populated whole, or -1 when they cannot be made at once. */
  populateHvoRun(s: KernelState, starts: number[], entries: number, nid: number, reuse: number): number;
  /** `count` vmemmap_alloc_block_buf() blocks of `size` in a row without a sparse buffer, to `out`: whether all were had. */
  allocBlockBufRun(s: KernelState, count: number, nid: number, out: number[], size: number): boolean;
  /** vmemmap_wrprotect_hvo() in its usual case: true when done, false (nothing done) otherwise. */
  wrprotectHvo(s: KernelState, start: number, end: number, headsize: number): boolean;
}

/** The printk levels above KERN_INFO (include/linux/kern_levels.h), worst first: what the kernel warns with. */
export const KERN_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn'] as const;
export type KernLevel = (typeof KERN_LEVELS)[number];

/** printk() at KERN_INFO (pr_info()): most lines the boot prints. */
export function printk(s: KernelState, ...lines: string[]): void {
  s.dmesg.push(...lines);
}

/** printk() with a level: above KERN_INFO the lines' level is kept for the reports. */
export function printkLevel(s: KernelState, level: KernLevel | 'info', ...lines: string[]): void {
  for (const l of lines) {
    if (level !== 'info') s.dmesgLevels.set(s.dmesg.length, level);
    s.dmesg.push(l);
  }
}

/** pr_warn() */
export function prWarn(s: KernelState, ...lines: string[]): void {
  printkLevel(s, 'warn', ...lines);
}

/** pr_err() */
export function prErr(s: KernelState, ...lines: string[]): void {
  printkLevel(s, 'err', ...lines);
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
  printkLevel(s, 'emerg', ...lines);
  s.panic = lines.join(' / ');
  throw new KernelPanic(s.panic);
}
