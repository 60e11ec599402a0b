// What a kernel generation is to the boot: named features that the kernel-mirror
// files read, the boot steps it runs in order, and the facts of the build it was
// held to. The generations themselves are data in src/profiles; the functions the
// features pick live here in src/kernel, which never reads a generation's name.
import type { KernelBuild } from './config.js';
import type { BootStepName } from './steps.js';

/** The behaviours that differ between generations, each named after what the kernel does. */
export interface KernelFeatures {
  /**
   * When gigantic pages come from memblock: while parse_args() handles
   * `hugepages=` (up to 6.14), or in hugetlb_bootmem_alloc(), from setup_arch()
   * before sparse_init() when the CPU has 1 GiB pages and from mm_core_init()
   * otherwise (6.15 on).
   */
  bootmemAlloc: 'parse-args' | 'hugetlb-bootmem-alloc';
  /**
   * A gigantic page asked of a named node comes from memblock_alloc_exact_nid_raw()
   * and a page is listed under the node it landed on; the round robin walks
   * N_ONLINE. Otherwise memblock_alloc_try_nid_raw() (falls back to any node), the
   * page listed under the node asked, the round robin over N_MEMORY.
   */
  bootmemExactNid: boolean;
  /**
   * How a boot-time gigantic page gets its HVO vmemmap: normally mapped by
   * sparse_init() and optimized by gather_bootmem_prealloc() ('gather'),
   * pre-optimized by hugetlb_vmemmap_init_early() before zones exist and undone by
   * _late() for a page across zones ('early'), or marked early and populated by
   * hugetlb_vmemmap_init_late() once zones are known ('deferred'), or marked and
   * populated by sparse_init_nid() itself, the zones being set up before
   * sparse_init() (7.3, 'sparse-init').
   */
  bootVmemmap: 'gather' | 'early' | 'deferred' | 'sparse-init';
  /** What an HVO'd folio's tail vmemmap PTEs map: its own head vmemmap page ("fake heads"), or the zone's shared tail page for the order. */
  hvoTails: 'head' | 'zone-shared';
  /** A tail struct page's compound_info: a pointer to the head (with the fake-head check in compound_head()), or a mask. */
  compoundInfo: 'pointer' | 'mask';
  /**
   * Run-time HVO and the head vmemmap page: kept in place ('keep'), copied into a
   * new page and kept in place when none can be had ('copy-or-keep'), or copied,
   * HVO given up when no page can be had ('copy-or-give-up').
   */
  hvoHeadPage: 'keep' | 'copy-or-keep' | 'copy-or-give-up';
  /** gather_bootmem_prealloc(): one pass over the boot pages, or one per node (gather_bootmem_prealloc_node()). */
  gather: 'per-page' | 'per-node';
  /** nr_memmap_pages and nr_memmap_boot_pages exist in /proc/vmstat (memmap_boot_pages_add()). */
  memmapCounters: boolean;
  /**
   * Where sparse_init_nid() takes the node's mem_section_usage array from: the
   * section that holds the node's pg_data_t if it fits there
   * (sparse_early_usemaps_alloc_pgdat_section(), up to 7.0), or anywhere on the
   * node (sparse_usage_init(): memblock_alloc_node(), from 7.1).
   */
  usemapAlloc: 'pgdat-section' | 'node';
  /**
   * Where the write protection of a pre-HVO folio's tails ends (gather, 6.15 on): `page-count`, the
   * start plus pages_per_huge_page() taken as bytes (only [start + 4 KiB, start + 256 KiB) of a 1 GiB
   * page, the bug), or `vmemmap-size`, the start plus hugetlb_vmemmap_size() (the fix, "mm/hugetlb_vmemmap:
   * Fix __hugetlb_vmemmap_optimize_folios()"). Without pre-HVO it is never read.
   */
  hvoWrprotectEnd: 'page-count' | 'vmemmap-size';
  /**
   * The order the boot-time gigantic pages are walked in (their HVO vmemmap built, gathered):
   * `newest-first` as list_add() leaves huge_boot_pages (up to 7.2, read in 7.2.13's source), or
   * `oldest-first`, the order they were allocated in (7.3.4's alloc_bootmem_huge_page() adds a page within
   * one zone at the list's tail; its page tables show the first page allocated getting the first PTE tables).
   */
  bootPageListOrder: 'newest-first' | 'oldest-first';
  /**
   * What becomes of a memblock vmemmap page that run-time HVO frees when the
   * pages it describes lie in a section hugetlb took over at boot
   * (SECTION_IS_VMEMMAP_PREINIT, also kept by the sections of a gigantic page the
   * kernel later discarded): `leaked` (6.15 to 7.2) because
   * register_page_bootmem_info_section() skipped such sections, so the page has
   * no bootmem type and free_bootmem_page() does nothing (nr_memmap_boot_pages
   * still drops); `freed` (7.3, mm/bootmem_info.c gone: free_reserved_page()),
   * and for every generation without preinit sections.
   */
  preinitBootVmemmapFree: 'freed' | 'leaked';
  /**
   * What alloc_large_system_hash() sizes the boot's hash tables (dentry, inode, ...) from:
   * memblock's free pages when free_area_init() ends (`memblock-free`, calc_nr_kernel_pages(),
   * 6.10 on), or every zone's present pages less their memmap (`present-less-memmap`, up to 6.9).
   */
  nrKernelPages: 'present-less-memmap' | 'memblock-free';
  /** How `hugetlb_free_vmemmap=` with a bad value is refused: as a core_param ("invalid for parameter") or an early_param ("Malformed early option"). */
  hugetlbFreeVmemmapParam: 'core-param' | 'early-param';
  /**
   * sparse_init_nid() takes one buffer for the node's whole memmap
   * (sparse_buffer_init(), vmemmap_alloc_block_buf() from it, the rest given
   * back by sparse_buffer_fini()); false (7.3): each 2 MiB block of memmap is
   * its own memblock allocation.
   */
  sparseBuffer: boolean;
  /**
   * hugetlb_free_cross_zone_pages() (7.3): right after the boot-time gigantic
   * pages of an hstate are allocated (the zones exist already), those that span
   * two zones are given back to memblock at once, do not count as allocated,
   * and one line per node says how many; no "invalid page discarded" later.
   */
  crossZoneFreeAtAlloc: boolean;
  /**
   * __setup_per_zone_wmarks()'s min watermark of ZONE_MOVABLE: 'proportional'
   * (6.1: its share of min_free_kbytes by managed pages, as any zone);
   * 'capped' (6.12 on: a managed/1024 share between 32 and 128 pages, and
   * ZONE_MOVABLE left out of the pages the others' shares are taken over).
   */
  movableWmarkMin: 'proportional' | 'capped';
  /**
   * adjust_managed_page_count() sets the lowmem reserves again (6.16 on): they
   * follow every change of the zones' managed pages (gigantic pages and freed
   * vmemmap among them) rather than stay as the postcore initcalls set them.
   */
  lowmemReserveFollowsManaged: boolean;
  /**
   * How many freed pages a zone's per-cpu list may hold before it gives them
   * to the buddy lists (pcp->high, one CPU): 'low-wmark' (6.1: the zone's low
   * watermark); 'auto-tuned' (6.12 on: it grows with frees up to an eighth of
   * the zone's managed pages, high_max).
   */
  pcpHigh: 'low-wmark' | 'auto-tuned';
  /**
   * sparse_init_nid() panics when a node's usemaps, a section's memmap or a
   * boot-time gigantic page's HVO mapping cannot be had (7.3: "Failed to
   * allocate usemap for node N", "... memmap for section N", "... memmap for
   * HugeTLB page"); otherwise it says so and leaves those sections without a
   * memmap (the HVO mapping falling back to a normal one).
   */
  sparseInitPanics: boolean;
  /**
   * The boot's allocation of the non-gigantic pages (hugetlb_pages_alloc_boot(),
   * 6.12 on) walks the nodes with a cursor of its own that starts at the first
   * online node, so the hstate's next_nid_to_alloc is still at its first node
   * when the pool grows after boot. Otherwise (6.1) the boot walks the hstate's
   * cursor and growth carries on where the boot stopped.
   */
  poolGrowFromNode0: boolean;
  /**
   * numa_cleanup_meminfo() of mm/numa_memblks.c (6.12 on): the firmware's blocks
   * are trimmed to [memblock_start_of_DRAM(), memblock_end_of_DRAM()), so the
   * "NUMA: Node ..." lines start at the first page of RAM and the reservations
   * below it get no node; otherwise (6.1's arch/x86/mm/numa.c) to [0, max_pfn).
   */
  numaMemblks: boolean;
  /**
   * How hugetlb_pages_alloc_boot() splits the boot's non-gigantic pages:
   * 'padata' (6.12): padata_do_multithreaded() hands out chunks, and each
   * chunk (hugetlb_pages_alloc_boot_node()) starts its round robin again at the
   * first online node; 'one-pass': one round robin over all the pages.
   * Read only with poolGrowFromNode0.
   */
  bootPoolChunks: 'padata' | 'one-pass';
  /** Who reserves [0, 1 MiB) on x86: setup_arch() itself (up to 6.15), or reserve_real_mode() (6.16 on). */
  lowMemReservedBy: 'setup_arch' | 'reserve_real_mode';
  /**
   * The KHO series' memblock flags (6.16 on): a reservation names its node and flags (memblock_reserve()
   * NUMA_NO_NODE and none; memblock_reserve_kern() for the image and the initrd, and every memblock
   * allocation, MEMBLOCK_RSRV_KERN, the allocations with the node asked), so fewer reservations merge; and
   * x86 marks the memory below 1 MiB MEMBLOCK_KHO_SCRATCH from e820__memblock_setup() to reserve_real_mode().
   */
  memblockKhoFlags: boolean;
  /**
   * The caller memblock=debug names for memblocks_present()'s mem_section root array: 'sparse_init'
   * (memblock_alloc() inlined into it), or '__memblock_alloc_or_panic' (memblock_alloc_or_panic(), 6.16 on).
   */
  memSectionRootCaller: 'sparse_init' | '__memblock_alloc_or_panic';
  /**
   * memmap_alloc() and vmemmap_alloc_block()'s early allocations pass MEMBLOCK_ALLOC_NOLEAKTRACE (max_addr 0x1)
   * rather than MEMBLOCK_ALLOC_ACCESSIBLE (0): the memmap buffer and the vmemmap blocks (6.16 on).
   */
  memblockAllocNoLeakTrace: boolean;
  /**
   * Which boot-time pools print "HugeTLB: allocation took Nms with hugepage_allocation_threads=N" (from
   * hugetlb_pages_alloc_boot(): pools of pages below gigantic, asked as one count, not per node): none (up
   * to 6.15), every such pool even when it asks for 0 pages ('every-small-pool', 6.16), or only one that
   * asks for pages ('small-pools-asked', 7.0 on: hugetlb_hstate_alloc_pages() returns first on 0).
   */
  hugetlbAllocTookLine: 'none' | 'every-small-pool' | 'small-pools-asked';
  /**
   * hugetlb_add_param() keeps at most HUGE_MAX_CMDLINE_ARGS (2 * HUGE_MAX_HSTATE + 1) of `hugepages=`,
   * `hugepagesz=` and `default_hugepagesz=`; a later one is refused as "Malformed early option" (6.16 on:
   * test/fixtures/linux-6.16/n16, whose 6th to 8th are refused). Unbounded before.
   */
  hugetlbParamSlots: boolean;
}

/** The Debian build of a generation that its profile replays in full (booted under QEMU by `hvosim conformance`). */
export interface DebianKernel {
  /** The package whose vmlinuz is booted (from 6.19 on, Debian ships the image in linux-binary-*). */
  package: string;
  /** The Debian suite that has it; one outside the system's own sources goes through a private apt configuration. */
  suite: string;
  /** The kernel release it builds ("6.1.192"). */
  version: string;
  /** Where its recorded boots are kept in the repository. */
  fixtures: string;
}

export interface KernelProfile {
  /** The name users give with --kernel. */
  name: string;
  /** One line: the generation and what distinguishes it. */
  title: string;
  /**
   * The real kernel whose boots this profile replays, or null while it is
   * modelled from source and mails only (its numbers are then a guess and say so).
   */
  validatedOn: DebianKernel | null;
  features: KernelFeatures;
  /** The boot steps, in order (src/kernel/steps.ts says what each one is). */
  steps: readonly BootStepName[];
  /** The generation this one patches, if it is a patch series on top of one (what `hvosim diff` compares it with by default). */
  base?: string;
  /** Kernel releases ("6.1", "7.0": major.minor of `Linux version`) whose code this profile stands for. */
  releases: readonly string[];
  /** The facts of the build the profile stands for (its validated Debian build, or stand-ins), each citing the boot it was read from. */
  build: KernelBuild;
  /** What the boot does not model for this generation, said wherever results are shown. */
  notModelled: readonly string[];
}
