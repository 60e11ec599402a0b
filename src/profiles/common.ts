// What the profiles share: the end of the boot every generation runs alike, and
// what no generation models yet.
import { LATE_BOOT_STEP_NAMES, type BootStepName } from '../kernel/steps.js';

/**
 * From mem_init() to the last late frees, where gather_bootmem_prealloc() runs in page_alloc_init_late()
 * (hugetlb_bootmem_struct_page_init(), before the initcalls and so before hugetlb_init() takes its 2 MiB
 * pages): "mm/hugetlb: Initialize gigantic bootmem hugepage struct pages earlier" (Cc: stable), read in
 * 7.2.13's, 7.3.4's and the 6.12.118 stable kernel's mm/mm_init.c. Named in kernel/steps.ts.
 */
export const LATE_BOOT_STEPS: readonly BootStepName[] = LATE_BOOT_STEP_NAMES;

/** The same before that change (6.1 to 7.1 as modelled): hugetlb_init() gathers, after hugetlb_init_hstates() took the 2 MiB pages. */
export const LATE_BOOT_STEPS_GATHER_IN_HUGETLB_INIT: readonly BootStepName[] = LATE_BOOT_STEP_NAMES.filter(
  (n) => n !== 'page_alloc_init_late',
);

/** Said by a profile whose build facts are 6.1's stand-ins. */
export const GUESSED_BUILD =
  'this generation is modelled from source and mails, not yet held to its real kernel: it reuses the Debian 6.1 ' +
  "build facts and other subsystems' calls, so its numbers are a guess";

export const COMMON_NOT_MODELLED: readonly string[] = [
  'deferred struct page init: memmap_init() is taken to write every struct page',
  "other subsystems' memblock calls without a log are an estimate (per-cpu chunk, setup_arch tables, hashes, swiotlb, alloc_low_pages)",
  'the buddy allocator: where 2 MiB pages and HVO page tables land is an estimate (counts per node are exact while memory lasts)',
  'growing a gigantic pool at run time (alloc_contig_pages)',
  'MemFree (an estimate)',
  "ACPI tables of generated q35 machines (SeaBIOS puts them outside RAM; the kernel's reservations of them are left out of call-for-call comparisons)",
  'KASLR: without nokaslr the kernel image lands at a random place each boot; hvosim puts it where nokaslr does (a log gives its real place)',
];
