// What is known of kernel releases that have no profile of their own: how each differs from the
// profile that answers for it (the nearest earlier code, profileForVersion() in index.ts), and what
// it keeps of that profile, each fact with where it was read. Said wherever such a release is asked for.

/** One fact about a release, and where it was read. */
export interface ReleaseFact {
  /** What the release does, in words that follow "known to differ:" or "as PROFILE does:". */
  what: string;
  /** The profile that models this behaviour, when one does. */
  modelledBy?: string;
  /** Where it was read: the source file and function, the package and version. */
  source: string;
}

/** A release without a profile of its own (major.minor), what differs from the profile that answers for it, and what does not. */
export interface ReleaseFacts {
  release: string;
  differs: readonly ReleaseFact[];
  same: readonly ReleaseFact[];
}

/** Debian's source of 7.2 read for the facts below (trixie-backports). */
const LINUX_SOURCE_7_2 = "Debian's linux-source-7.2 7.2.12-1~bpo13+1";

export const RELEASE_FACTS: readonly ReleaseFacts[] = [
  {
    release: '7.2',
    differs: [
      {
        what: 'no sparse buffer: sparse_init_nid() allocates each 2 MiB block of memmap itself',
        modelledBy: '7.3',
        // Upstream: "mm/sparse: remove sparse buffer pre-allocation mechanism" (in -mm for 7.2, May 2026).
        source:
          `${LINUX_SOURCE_7_2}, mm/sparse.c: sparse_init_nid() (line 298) calls sparse_usage_init(), then ` +
          '__populate_section_memmap() per section, with no sparse_buffer_init()/sparse_buffer_fini() anywhere in mm/; ' +
          'mm/sparse-vmemmap.c: vmemmap_alloc_block_buf() -> vmemmap_alloc_block() -> __earlyonly_bootmem_alloc() (lines 51-94)',
      },
      {
        what: "every tail PTE of a boot page's vmemmap is write-protected at gather, the series' range fixed",
        modelledBy: '7.3',
        source: `${LINUX_SOURCE_7_2}, mm/hugetlb_vmemmap.c: __hugetlb_vmemmap_optimize_folios(): epfn = spfn + hugetlb_vmemmap_size(h) (line 638)`,
      },
      {
        what: "the boot's gigantic pages are gathered in page_alloc_init_late() before the Memory: line, not in hugetlb_init()",
        source:
          `${LINUX_SOURCE_7_2}, mm/mm_init.c: page_alloc_init_late() calls hugetlb_bootmem_struct_page_init() ` +
          '(line 2343; mm/hugetlb.c:3367) before mem_init_print_info() (line 2346)',
      },
    ],
    same: [
      {
        what: 'its Zone ranges are printed after sparse_init() (7.3 prints them before)',
        source:
          `${LINUX_SOURCE_7_2}, mm/mm_init.c: mm_core_init_early() (line 2706) calls hugetlb_bootmem_alloc(), then ` +
          'free_area_init(), which calls sparse_init() (line 1831) before pr_info("Zone ranges:\\n") (line 1857)',
      },
    ],
  },
];

/** The facts of a release (major.minor), if any are known. */
export function releaseFacts(release: string): ReleaseFacts | undefined {
  return RELEASE_FACTS.find((f) => f.release === release);
}
