// Where each behaviour of KernelFeatures comes from: for every feature, the values it took in mainline
// Linux, oldest first, each with the change that made it and where it was read. The profiles are data
// about releases; this is the history they are checked against (test/profiles/feature-matrix.test.ts)
// and that docs/features.md shows (src/profiles/feature-matrix.ts writes it).
//
// Read in: Debian's linux-source packages 6.1.192, 6.12.118, 7.2.13 and 7.3.4 (their mm/, include/linux/,
// arch/x86/); the recorded boots of test/fixtures/linux-*; the patch mails and the merge mails of the
// public mailing lists. A commit id is given only where a mail gives the mainline one: a "Fixes:" tag or a
// "Commit <id> (...)" in a later patch, a stable "commit ... upstream" line, a patchwork-bot "applied" mail,
// or the one id a commit keeps in every linux-next list (mm-stable's); elsewhere the change says so.
import type { KernelFeatures } from '../kernel/profile.js';

/** A mainline release as major.minor ("6.16"). */
export type Release = `${number}.${number}`;

/** One value a feature took, and the change that gave it. */
export interface FeatureStep<V> {
  /**
   * The first mainline release with this value. For the first step of a feature: the oldest release
   * hvosim models (6.1), whatever made that value. null: only in the hvo-v7 series, in no release.
   */
  readonly since: Release | null;
  readonly value: V;
  /** The commit subject or patch title that made it, with the mainline commit id when one was found; else says why not. */
  readonly change: string;
  /** Where it was read: the release (or patch) and the file and function. */
  readonly source: string;
  /** The patch ("09/18") of "mm: Eliminate fake head pages from vmemmap optimization" v7, the hvo-v7 profile, that makes this change too. */
  readonly series?: string;
}

/** A feature's history: what it is, and its values in mainline, oldest first (at least the oldest one). */
export interface FeatureChange<V> {
  /** One line: what the feature is. */
  readonly what: string;
  readonly steps: readonly [FeatureStep<V>, ...FeatureStep<V>[]];
}

/** Every feature, each with its history: TypeScript wants a row for each key of KernelFeatures. */
export type FeatureHistory = { readonly [K in keyof KernelFeatures]: FeatureChange<KernelFeatures[K]> };

const txt = (...parts: string[]): string => parts.join(' ');

/** The series hvo-v7 stands for, merged for 7.1 (each patch's mainline id from the patchwork bot's "applied" mail). */
export const HVO_SERIES = 'mm: Eliminate fake head pages from vmemmap optimization';
/** Frank van der Linden's 27 patches, "MM updates for 6.15-rc1". */
const CMA_SERIES = 'hugetlb/CMA improvements for large systems';

export const FEATURE_HISTORY: FeatureHistory = {
  bootmemAlloc: {
    what: 'When the boot-time gigantic pages come from memblock',
    steps: [
      {
        since: '6.1',
        value: 'parse-args',
        change: 'hugepages= is a __setup() parameter: hugepages_setup() allocates the gigantic pages while parse_args() runs',
        source: '6.1.192 mm/hugetlb.c: hugepages_setup(), hugetlb_hstate_alloc_pages()',
      },
      {
        since: '6.15',
        value: 'hugetlb-bootmem-alloc',
        change: txt(
          'mm/hugetlb: convert cmdline parameters from setup to early (5b47c02967ab): hugetlb_bootmem_alloc() from mm_core_init();',
          'x86/setup: call hugetlb_bootmem_alloc early (665eaf313314): from setup_arch() with 1 GiB pages',
        ),
        source: `7.2.13 mm/hugetlb.c: hugetlb_bootmem_alloc(); the patches of "${CMA_SERIES}"`,
      },
    ],
  },
  bootmemExactNid: {
    what: 'Node-exact allocation of a gigantic page asked of a node, the page listed under its node, round robin over N_ONLINE',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'memblock_alloc_try_nid_raw() for a named node, the round robin over N_MEMORY, the page listed under the node asked',
        source: '6.1.192 and 6.12.118 mm/hugetlb.c: __alloc_bootmem_huge_page()',
      },
      {
        since: '6.15',
        value: true,
        change: txt(
          `mm/hugetlb: use online nodes for bootmem allocation (de55996d7188), of "${CMA_SERIES}";`,
          'the switch of a named node to memblock_alloc_exact_nid_raw() is in the base of that series v4 (Feb 2025): commit not pinned',
        ),
        source: '7.2.13 mm/hugetlb.c: alloc_bootmem(), __alloc_bootmem_huge_page(); patch v5 06/27',
      },
    ],
  },
  bootVmemmap: {
    what: "How a boot-time gigantic page gets its HVO'd vmemmap",
    steps: [
      {
        since: '6.1',
        value: 'gather',
        change: 'sparse_init() maps the vmemmap normally; gather_bootmem_prealloc() optimizes it (HVO) once the folio exists',
        source: '6.1.192 mm/hugetlb.c: gather_bootmem_prealloc(); mm/hugetlb_vmemmap.c: hugetlb_vmemmap_optimize()',
      },
      {
        since: '6.15',
        value: 'early',
        change: txt(
          'mm/hugetlb: do pre-HVO for bootmem allocated pages, x86/mm: set ARCH_WANT_HUGETLB_VMEMMAP_PREINIT',
          `(of "${CMA_SERIES}"; mainline ids not found)`,
        ),
        source: 'v7 patch 09/18 (its base): hugetlb_vmemmap_init_early(), vmemmap_undo_hvo(); Debian 6.16.12 and 7.0.13 boots',
      },
      {
        since: '7.1',
        value: 'deferred',
        change: 'mm/hugetlb: Defer vmemmap population for bootmem hugepages (209e6d9eb13a)',
        source: '7.2.13 mm/hugetlb_vmemmap.c: hugetlb_vmemmap_init_late(); mm/sparse-vmemmap.c: sparse_vmemmap_init_nid_late()',
        series: '09/18',
      },
      {
        since: '7.3',
        value: 'sparse-init',
        change: txt(
          'between 7.2.13 and 7.3.4 (commit not pinned): hugetlb_vmemmap_init_late() is gone, sparse_init_nid() populates',
          'the HVO mapping with zones already set up (Mike Rapoport: hugetlb reservation moved after the zones)',
        ),
        source: '7.3.4 mm/sparse.c: sparse_init_nid(); mm/sparse-vmemmap.c: sparse_vmemmap_init_nid_early() (no _late())',
      },
    ],
  },
  hvoTails: {
    what: "What an HVO'd folio's tail vmemmap PTEs map",
    steps: [
      {
        since: '6.1',
        value: 'head',
        change: "vmemmap_remap_free() maps the tail vmemmap pages onto the folio's own head vmemmap page (fake heads)",
        source: '6.1.192 mm/hugetlb_vmemmap.c: vmemmap_remap_pte()',
      },
      {
        since: '7.1',
        value: 'zone-shared',
        change: 'mm/hugetlb: Remove fake head pages (622026e87c40): one tail page per zone and order, zone->vmemmap_tails[]',
        source: '7.2.13 mm/hugetlb_vmemmap.c: vmemmap_get_tail(); mm/sparse-vmemmap.c: vmemmap_populate_hvo()',
        series: '12/18',
      },
    ],
  },
  compoundInfo: {
    what: "A tail struct page's link to its head",
    steps: [
      {
        since: '6.1',
        value: 'pointer',
        change: 'page->compound_head holds the head pointer | 1; compound_head() checks for a fake head (page_fixed_fake_head())',
        source: '6.12.118 include/linux/page-flags.h: page_fixed_fake_head(), _compound_head()',
      },
      {
        since: '7.1',
        value: 'mask',
        change: 'mm: Rework compound_head() for power-of-2 sizeof(struct page) (8c846c879e22)',
        source: '7.2.13 include/linux/page-flags.h: compound_info_has_mask(), _compound_head()',
        series: '07/18',
      },
    ],
  },
  hvoHeadPage: {
    what: 'Run-time HVO and the head vmemmap page',
    steps: [
      {
        since: '6.1',
        value: 'keep',
        change: 'the head vmemmap page stays in place (the walk reuses the first PTE it meets)',
        source: '6.1.192 mm/hugetlb_vmemmap.c: vmemmap_remap_free(), vmemmap_pte_range()',
      },
      {
        since: '6.2',
        value: 'copy-or-keep',
        change: 'mm/hugetlb_vmemmap: remap head page to newly allocated page (11aad2631bf7), "MM updates for 6.2-rc1"',
        source: 'the code that v7 patch 10/18 removes: vmemmap_remap_free() "Fallback to the currently mapped head page"',
      },
      {
        since: '7.1',
        value: 'copy-or-give-up',
        change: 'mm/hugetlb: Refactor code around vmemmap_walk (c0b495b91a47): "abandon optimization if memory allocation fails"',
        source: '7.2.13 mm/hugetlb_vmemmap.c: __hugetlb_vmemmap_optimize_folio() (Debian 6.12.118 carries it too: a 6.12.y backport)',
        series: '10/18',
      },
    ],
  },
  gather: {
    what: 'How gather_bootmem_prealloc() walks the boot-time gigantic pages',
    steps: [
      {
        since: '6.1',
        value: 'per-page',
        change: 'one pass over the single huge_boot_pages list',
        source: '6.1.192 mm/hugetlb.c: gather_bootmem_prealloc()',
      },
      {
        since: '6.9',
        value: 'per-node',
        change: 'hugetlb: parallelize 1G hugetlb initialization (b78b27d02930): huge_boot_pages[nid], one padata job per node',
        source: '6.12.118 mm/hugetlb.c: gather_bootmem_prealloc_node(), gather_bootmem_prealloc_parallel()',
      },
    ],
  },
  memmapCounters: {
    what: 'nr_memmap_pages and nr_memmap_boot_pages in /proc/vmstat',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'no memmap counters',
        source: '6.1.192 mm/vmstat.c',
      },
      {
        since: '6.11',
        value: true,
        change: 'mm: report per-page metadata information (15995a352474)',
        source: '6.12.118 mm/vmstat.c: memmap_boot_pages_add(), memmap_pages_add()',
      },
    ],
  },
  usemapAlloc: {
    what: "Where sparse_init_nid() takes a node's mem_section_usage array from",
    steps: [
      {
        since: '6.1',
        value: 'pgdat-section',
        change: "in the section of the node's pg_data_t when it fits (sparse_early_usemaps_alloc_pgdat_section())",
        source: '6.12.118 mm/sparse.c: sparse_init_nid(), sparse_early_usemaps_alloc_pgdat_section()',
      },
      {
        since: '7.1',
        value: 'node',
        change: txt(
          'sparse_usage_init() takes memblock_alloc_node(): in 7.2.13, and Debian 7.1.13 boots show it (from=0) where 7.0.13 does not;',
          'commit not pinned',
        ),
        source: '7.2.13 mm/sparse.c: sparse_usage_init(); test/fixtures/linux-7.1',
      },
    ],
  },
  hvoWrprotectEnd: {
    what: "Where the write protection of a pre-HVO folio's tail vmemmap ends",
    steps: [
      {
        since: '6.1',
        value: 'page-count',
        change: txt(
          'no pre-HVO before 6.15 (never read); mm/hugetlb: add pre-HVO framework (752fe17af693, 6.15)',
          'ends it at spfn + pages_per_huge_page(h)',
        ),
        source: '752fe17af693 as posted (v5 17/27): __hugetlb_vmemmap_optimize_folios()',
      },
      {
        since: '7.2',
        value: 'vmemmap-size',
        change: txt(
          'mm/hugetlb_vmemmap: Fix __hugetlb_vmemmap_optimize_folios() (Muchun Song, Cc: stable, Fixes: 752fe17af693;',
          'mainline id not found): in 7.2.13, not in 7.1.13 (its page tables); 7.2.0 itself not read',
        ),
        source:
          '7.2.13 and 7.3.4 mm/hugetlb_vmemmap.c: __hugetlb_vmemmap_optimize_folios(); test/fixtures/linux-7.1/v01; ' +
          'test/fixtures/linux-7.2/v01 (Debian 7.2.13: every tail PTE read-only)',
      },
    ],
  },
  bootPageListOrder: {
    what: 'The order the boot-time gigantic pages are walked in',
    steps: [
      {
        since: '6.1',
        value: 'newest-first',
        change: 'list_add() of each new page at the head of huge_boot_pages',
        source: '6.1.192 mm/hugetlb.c: __alloc_bootmem_huge_page(); 7.2.13 mm/hugetlb.c: alloc_bootmem()',
      },
      {
        since: '7.3',
        value: 'oldest-first',
        change: 'between 7.2.13 and 7.3.4 (commit not pinned): a page within one zone is list_add_tail()ed, cross-zone ones at the head',
        source: '7.3.4 mm/hugetlb.c: alloc_bootmem(); test/fixtures/linux-7.3/v06',
      },
    ],
  },
  preinitBootVmemmapFree: {
    what: 'What run-time HVO does with a memblock vmemmap page of a pre-initialized section',
    steps: [
      {
        since: '6.1',
        value: 'freed',
        change: 'no pre-initialized sections: every boot vmemmap page has its bootmem type and goes back',
        source: '6.1.192 mm/bootmem_info.c: register_page_bootmem_info_section(), free_bootmem_page()',
      },
      {
        since: '6.15',
        value: 'leaked',
        change: txt(
          `mm/sparse: allow for alternate vmemmap section init at boot (of "${CMA_SERIES}"; mainline id not found):`,
          'register_page_bootmem_info_section() skips SECTION_IS_VMEMMAP_PREINIT sections',
        ),
        source: '7.2.13 mm/bootmem_info.c: register_page_bootmem_info_section(), free_bootmem_page()',
      },
      {
        since: '7.3',
        value: 'freed',
        change: 'between 7.2.13 and 7.3.4 (commit not pinned): mm/bootmem_info.c is gone, a boot page goes back by free_reserved_page()',
        source: '7.3.4 mm/hugetlb_vmemmap.c: free_vmemmap_page()',
      },
    ],
  },
  nrKernelPages: {
    what: "What alloc_large_system_hash() sizes the boot's hash tables from",
    steps: [
      {
        since: '6.1',
        value: 'present-less-memmap',
        change: "nr_kernel_pages summed in free_area_init_core() from each zone's present pages less its memmap",
        source: '6.1.192 mm/page_alloc.c: free_area_init_core()',
      },
      {
        since: '6.10',
        value: 'memblock-free',
        change: "mm/mm_init.c: add new function calc_nr_kernel_pages() (Baoquan He; mainline id not found): memblock's free ranges",
        source: '6.12.118 mm/mm_init.c: calc_nr_kernel_pages()',
      },
    ],
  },
  hugetlbFreeVmemmapParam: {
    what: 'How hugetlb_free_vmemmap= is declared (and a bad value refused)',
    steps: [
      {
        since: '6.1',
        value: 'core-param',
        change: 'core_param(hugetlb_free_vmemmap, ...): Muchun Song replaced the early_param() with it before 6.1 (commit not pinned)',
        source: '6.1.192 and 6.12.118 mm/hugetlb_vmemmap.c',
      },
      {
        since: '6.15',
        value: 'early-param',
        change: 'mm/hugetlb: convert cmdline parameters from setup to early (5b47c02967ab)',
        source: '7.2.13 mm/hugetlb_vmemmap.c: hugetlb_vmemmap_optimize_param(); the patch (v4 07/27)',
      },
    ],
  },
  sparseBuffer: {
    what: "One memblock buffer for a node's whole memmap (sparse_buffer_init())",
    steps: [
      {
        since: '6.1',
        value: true,
        change: 'sparse_buffer_init() / sparse_buffer_fini() around each node',
        source: '6.12.118 mm/sparse.c: sparse_init_nid(), sparse_buffer_init()',
      },
      {
        since: '7.2',
        value: false,
        change: 'between 7.1.13 (sparse_buffer_fini in every boot) and 7.2.13 (no sparse_buffer_* in mm/): commit not pinned',
        source: '7.2.13 mm/sparse.c: sparse_init_nid(); test/fixtures/linux-7.1; test/fixtures/linux-7.2 (a 2 MiB block per call)',
      },
    ],
  },
  crossZoneFreeAtAlloc: {
    what: 'Cross-zone gigantic pages given back right after their allocation (hugetlb_free_cross_zone_pages())',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'no such step',
        source: '7.2.13 mm/hugetlb.c (no hugetlb_free_cross_zone_pages())',
      },
      {
        since: '7.3',
        value: true,
        change: 'between 7.2.13 and 7.3.4: hugetlb_free_cross_zone_pages(); commit not pinned',
        source: '7.3.4 mm/hugetlb.c: hugetlb_free_cross_zone_pages(), alloc_bootmem()',
      },
    ],
  },
  movableWmarkMin: {
    what: "ZONE_MOVABLE's min watermark (__setup_per_zone_wmarks())",
    steps: [
      {
        since: '6.1',
        value: 'proportional',
        change: 'a share of min_free_kbytes by managed pages, as every zone',
        source: '6.1.192 zoneinfo: test/fixtures/linux-6.1/n05-1node-overask-movable.txt (Movable min 2150)',
      },
      {
        since: '6.12',
        value: 'capped',
        change: 'between 6.1.192 and 6.12.118: managed/1024 clamped to 32..128 pages, Movable left out of lowmem_pages; commit not pinned',
        source: '6.12.118 mm/page_alloc.c: __setup_per_zone_wmarks(); test/fixtures/linux-6.12/n05 (Movable min 128)',
      },
    ],
  },
  lowmemReserveFollowsManaged: {
    what: 'The lowmem reserves set again on every change of managed pages (adjust_managed_page_count())',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'set at postcore_initcall (and by sysctl) only',
        source: '6.12.118 mm/page_alloc.c: adjust_managed_page_count(); test/fixtures/linux-6.12 zoneinfo protection',
      },
      {
        since: '6.16',
        value: true,
        change: 'between 6.12.118 and 6.16.12: adjust_managed_page_count() calls setup_per_zone_lowmem_reserve(); commit not pinned',
        source: '7.3.4 mm/page_alloc.c: adjust_managed_page_count(); test/fixtures/linux-6.16 zoneinfo protection (1 GiB pages counted)',
      },
    ],
  },
  pcpHigh: {
    what: "How many freed pages a zone's per-cpu list holds before the buddy lists get them (pcp->high)",
    steps: [
      {
        since: '6.1',
        value: 'low-wmark',
        change: "zone_highsize(): the zone's low watermark over the node's CPUs",
        source: '6.1.192 mm/page_alloc.c: zone_highsize(); conformance-known seed1-c051 (HVO at run time)',
      },
      {
        since: '6.7',
        value: 'auto-tuned',
        change: txt(
          'mm, pcp: reduce lock contention for draining high-order pages (Huang Ying) and its series:',
          'pcp->high tuned between high_min and high_max (an eighth of the zone)',
        ),
        source: '6.12.118 mm/page_alloc.c: nr_pcp_high(), zone_highsize(); custom/6.12-min c003',
      },
    ],
  },
  sparseInitPanics: {
    what: 'sparse_init_nid() panics when a usemap, memmap or HVO mapping cannot be had',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'pr_err() and the sections left without a memmap',
        source: '7.2.13 mm/sparse.c: sparse_init_nid() ("Some memory will not be available")',
      },
      {
        since: '7.3',
        value: true,
        change: 'a linux-next patch "mm/sparse: panic on memmap and usem..." (subject read cut short; mainline id not found)',
        source: '7.3.4 mm/sparse.c: sparse_init_nid() ("Failed to allocate usemap for node %d")',
      },
    ],
  },
  poolGrowFromNode0: {
    what: "The boot's 2 MiB pool allocation keeps a node cursor of its own (growth after boot starts at node 0)",
    steps: [
      {
        since: '6.1',
        value: false,
        change: "the boot walks the hstate's next_nid_to_alloc",
        source: '6.1.192 mm/hugetlb.c: hugetlb_hstate_alloc_pages(), alloc_pool_huge_page()',
      },
      {
        since: '6.9',
        value: true,
        change: txt(
          'hugetlb: parallelize 2M hugetlb allocation and initialization (Gang Li; mainline id not found):',
          'hugetlb_pages_alloc_boot_node() starts its own next_node at first_online_node',
        ),
        source: '6.12.118 mm/hugetlb.c: hugetlb_pages_alloc_boot_node()',
      },
    ],
  },
  numaMemblks: {
    what: "The firmware's NUMA blocks trimmed to [start, end) of DRAM (mm/numa_memblks.c)",
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'numa_cleanup_meminfo() trims to [0, max_pfn)',
        source: '6.1.192 arch/x86/mm/numa.c: numa_cleanup_meminfo()',
      },
      {
        since: '6.12',
        value: true,
        change: txt(
          'Mike Rapoport\'s "mm: introduce numa_memblks" series: numa_cleanup_meminfo() in mm/numa_memblks.c bounded by',
          'memblock_start_of_DRAM()/memblock_end_of_DRAM() (mainline id not found)',
        ),
        source: '6.12.118 mm/numa_memblks.c: numa_cleanup_meminfo()',
      },
    ],
  },
  bootPoolChunks: {
    what: "How the boot's 2 MiB pool is split (padata chunks, each from the first online node)",
    steps: [
      {
        since: '6.1',
        value: 'one-pass',
        change: 'one round robin over all the pages',
        source: '6.1.192 mm/hugetlb.c: hugetlb_hstate_alloc_pages()',
      },
      {
        since: '6.9',
        value: 'padata',
        change: 'hugetlb: parallelize 2M hugetlb allocation and initialization (Gang Li): max_threads = 2 per memory node',
        source: '6.12.118 mm/hugetlb.c: hugetlb_pages_alloc_boot()',
      },
      {
        since: '6.15',
        value: 'one-pass',
        change: txt(
          'Thomas Prescher\'s 3 patches ("mm: hugetlb: improve parallel huge page allocation time", "... add hugetlb_alloc_threads',
          'cmdline option"; ids not found): max_threads = hugepage_allocation_threads, num_online_cpus() / 4 and at least 1,',
          'so one chunk on the one-CPU guests hvosim models',
        ),
        source: '7.2.13 mm/hugetlb.c: hugetlb_pages_alloc_boot(); "allocation took ... threads=1" in every 6.16 to 7.3 boot',
      },
    ],
  },
  lowMemReservedBy: {
    what: 'The caller memblock=debug names for the reservation of [0, 1 MiB) on x86',
    steps: [
      {
        since: '6.1',
        value: 'setup_arch',
        change: "memblock_reserve(0, SZ_1M) is reserve_real_mode()'s tail call, so the caller printed is setup_arch",
        source: '6.1.192 arch/x86/realmode/init.c: reserve_real_mode(); test/fixtures/linux-6.1 and linux-6.12',
      },
      {
        since: '6.16',
        value: 'reserve_real_mode',
        change: txt(
          'memblock: add MEMBLOCK_RSRV_KERN flag (memblock_reserve() inlined around __memblock_reserve()) and',
          'x86/e820: temporarily enable KHO scratch for memory below 1M, of the KHO series in "MM updates for 6.16-rc1"; ids not found',
        ),
        source: '7.2.13 include/linux/memblock.h: memblock_reserve(); arch/x86/realmode/init.c: reserve_real_mode()',
      },
    ],
  },
  memblockKhoFlags: {
    what: 'Reservations carry a node and flags (MEMBLOCK_RSRV_KERN), and x86 marks memory below 1 MiB MEMBLOCK_KHO_SCRATCH for a while',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'memblock_reserve() adds MAX_NUMNODES with no flags; memblock_alloc_range_nid() reserves through it',
        source: '6.12.118 mm/memblock.c: memblock_reserve(), memblock_alloc_range_nid(); the dumps of test/fixtures/linux-6.1, 6.12',
      },
      {
        since: '6.16',
        value: true,
        change: txt(
          'memblock: add MEMBLOCK_RSRV_KERN flag and x86/e820: temporarily enable KHO scratch for memory below 1M,',
          'of the KHO series in "MM updates for 6.16-rc1"; ids not found',
        ),
        source: txt(
          '7.2.13 include/linux/memblock.h: memblock_reserve(), memblock_reserve_kern(); mm/memblock.c: memblock_alloc_range_nid();',
          'arch/x86/kernel/e820.c: e820__memblock_setup(); the "flags: 0x20" and "0x40" of the dumps of test/fixtures/linux-6.16 to 7.3',
        ),
      },
    ],
  },
  memSectionRootCaller: {
    what: "The caller memblock=debug names for the mem_section root array's allocation",
    steps: [
      {
        since: '6.1',
        value: 'sparse_init',
        change: 'memblocks_present() calls memblock_alloc() and panics itself, inlined into sparse_init()',
        source: '6.12.118 mm/sparse.c: memblocks_present()',
      },
      {
        since: '6.14',
        value: '__memblock_alloc_or_panic',
        change: txt(
          'mm/memblock: add memblock_alloc_or_panic interface (c6f239796b55): 6.14 merge window',
          '(in next-20250128 beside the 6.14-rc1 merges; not in the MM pull for 6.15-rc1)',
        ),
        source: '7.2.13 mm/sparse.c: memblocks_present(); mm/memblock.c: __memblock_alloc_or_panic()',
      },
    ],
  },
  memblockAllocNoLeakTrace: {
    what: 'memmap_alloc() and the early vmemmap blocks pass MEMBLOCK_ALLOC_NOLEAKTRACE (max_addr 0x1)',
    steps: [
      {
        since: '6.1',
        value: false,
        change: 'MEMBLOCK_ALLOC_ACCESSIBLE (max_addr 0x0)',
        source: '6.12.118 mm/mm_init.c: memmap_alloc(); mm/sparse-vmemmap.c: __earlyonly_bootmem_alloc()',
      },
      {
        since: '6.14',
        value: true,
        change: txt(
          'mm/memmap: prevent double scanning of memmap by kmemleak (b2aad24b5333): 6.14 merge window',
          '(in next-20250128 beside the 6.14-rc1 merges; not in the MM pull for 6.15-rc1)',
        ),
        source: '7.2.13 mm/mm_init.c: memmap_alloc(); mm/sparse-vmemmap.c: __earlyonly_bootmem_alloc()',
      },
    ],
  },
  hugetlbAllocTookLine: {
    what: 'Which boot-time pools print "HugeTLB: allocation took Nms with hugepage_allocation_threads=N"',
    steps: [
      {
        since: '6.1',
        value: 'none',
        change: 'no such line',
        source: '6.12.118 mm/hugetlb.c: hugetlb_pages_alloc_boot()',
      },
      {
        since: '6.15',
        value: 'every-small-pool',
        change: 'mm: hugetlb: log time needed to allocate hugepages (Thomas Prescher, "MM updates for 6.15-rc1"; mainline id not found)',
        source: '7.2.13 mm/hugetlb.c: hugetlb_pages_alloc_boot(); test/fixtures/linux-6.16/n02 (an empty 2 MiB pool prints it)',
      },
      {
        since: '6.18',
        value: 'small-pools-asked',
        change: txt(
          'mm/hugetlb: early exit from hugetlb_pages_alloc_boot() when max_huge_pages=0 (b322e88b3d55):',
          'backported to 6.17.y (Oct 2025), so in mainline from 6.18; Debian 6.16.12 does not carry it',
        ),
        source: '7.2.13 mm/hugetlb.c: hugetlb_hstate_alloc_pages(); test/fixtures/linux-7.0/n02',
      },
    ],
  },
  hugetlbParamSlots: {
    what: 'At most 2 * HUGE_MAX_HSTATE + 1 hugepages=/hugepagesz=/default_hugepagesz= kept',
    steps: [
      {
        since: '6.1',
        value: false,
        change: '__setup() parameters, unbounded',
        source: '6.12.118 mm/hugetlb.c: hugepages_setup()',
      },
      {
        since: '6.15',
        value: true,
        change: 'mm/hugetlb: convert cmdline parameters from setup to early (5b47c02967ab): hugetlb_add_param(), HUGE_MAX_CMDLINE_ARGS',
        source: '7.2.13 mm/hugetlb.c: hugetlb_add_param(); test/fixtures/linux-6.16/n16',
      },
    ],
  },
};
