// The names of the boot steps a profile can list, in the kernel's own terms.
// boot.ts says what each one runs; a profile (src/profiles) says which run, in order.

/**
 * From mem_init() to the last late frees. 'page_alloc_init_late' (gather_bootmem_prealloc()
 * before the initcalls) is in the generations that moved it there; the others gather in
 * hugetlb_init() and leave it out (src/profiles/common.ts).
 */
export const LATE_BOOT_STEP_NAMES = [
  'mem_init',
  'free_initmem:alternatives',
  'page_alloc_init_late',
  'cma_init_reserved_areas',
  'gigantic_pages_init',
  'hugetlb_init',
  'free_initrd_mem',
  'hugetlb_vmemmap_init',
  'free_initmem:rest',
  'end',
] as const;

export const BOOT_STEP_NAMES = [
  'start_kernel',
  'setup_arch:memory',
  'free_area_init:zones',
  'hugetlb_cma_reserve',
  'hugetlb_bootmem_alloc:setup_arch',
  'hugetlb_bootmem_alloc:mm_core_init_early',
  'sparse_init',
  'free_area_init',
  'free_area_init:memmap',
  'setup_arch:end',
  'setup_command_line',
  'parse_args',
  'setup_per_cpu_areas',
  'hugetlb_bootmem_alloc:mm_core_init',
  ...LATE_BOOT_STEP_NAMES,
] as const;

export type BootStepName = (typeof BOOT_STEP_NAMES)[number];
