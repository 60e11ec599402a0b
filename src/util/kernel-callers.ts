// The kernel functions whose memblock calls our boot makes, by the caller name memblock=debug prints (%pS): one table
// that the log reader (trace/foreign.ts), the invariant checks (check/carry.ts) and the pictures (report/picture.ts) read.
//
// Each entry says whether a step hvosim models makes the call (or only others.ts's estimate of another subsystem),
// whether a logged call of it counts as ours, what the pictures draw it as, and whether memblock-nothing-lost holds
// its allocations to staying in use. Callers not listed (other subsystems, read from a log) are classified by name
// (ownerByName(), keptInUseByName()). A caller the kernel renamed, inlined or suffixed is first brought to the name
// our boot gives it (baseCaller()).
//
// The fields keep the answers each reader gave before the table (entries marked DISAGREES are where two of them part).
// This file sits in src/util, below every layer: check/ and report/ may not import src/kernel (src/simulator.ts is
// their door), and trace/ imports report/.

/** The owner groups the memory-map pictures draw reservations in. */
export const OWNERS = ['hugetlb', 'memmap', 'page tables', 'kernel & firmware', 'node data', 'per-cpu', 'other'] as const;
export type Owner = (typeof OWNERS)[number];

/** The caller memblock=debug prints for the reservation an allocation makes for itself (memblock_alloc_range_nid()). */
export const ALLOC_OUTCOME_CALLER = 'memblock_alloc_range_nid';

export interface KernelCaller {
  /** A step hvosim models makes calls with this caller (src/kernel, src/arch); false: only others.ts's estimate of another subsystem. */
  modelled: boolean;
  /**
   * trace/foreign.ts counts a logged call of it as ours (our boot makes it, so the log's copy is not replayed): always,
   * or only when the next logged call's caller is `before`.
   */
  oursInLog: boolean | { before: string };
  /** The group report/picture.ts draws its ranges in. */
  owner: Owner;
  /**
   * check/carry.ts (memblock-nothing-lost) holds its allocations to staying in use, as the vmemmap's or hugetlb's: all
   * of them, or only those made with memblock_alloc_exact_nid_raw() (sparse_init_nid()'s memmap buffer).
   */
  keptInUse?: true | 'memblock_alloc_exact_nid_raw';
  /** Names later kernels print for the same call (renamed, or the caller inlined where it is called): baseCaller() maps them here. */
  aliases?: readonly string[];
}

export const KERNEL_CALLERS = {
  // setup_arch() and the x86 code before the generic memory code (src/arch/x86_64).
  setup_arch: { modelled: true, oursInLog: true, owner: 'kernel & firmware' },
  // DISAGREES: made by our boot, not counted as ours in a log. Harmless: the kernel makes these three before
  // memblock=debug is parsed, so no log prints them.
  early_reserve_memory: { modelled: true, oursInLog: false, owner: 'kernel & firmware' },
  reserve_bios_regions: { modelled: true, oursInLog: false, owner: 'kernel & firmware' },
  early_reserve_initrd: { modelled: true, oursInLog: false, owner: 'kernel & firmware' },
  e820__memblock_setup: { modelled: true, oursInLog: true, owner: 'kernel & firmware' },
  reserve_real_mode: { modelled: true, oursInLog: true, owner: 'kernel & firmware' },
  init_mem_mapping: { modelled: true, oursInLog: true, owner: 'page tables' },
  setup_log_buf: { modelled: true, oursInLog: true, owner: 'other' },
  acpi_reserve_initial_tables: { modelled: true, oursInLog: true, owner: 'kernel & firmware' },
  // sparse_init() and the memmap (mm/sparse.c, mm/sparse-vmemmap.c).
  sparse_init: { modelled: true, oursInLog: true, owner: 'memmap' },
  // memblock_alloc_or_panic() (6.16 on), called by many subsystems; the one call of it that is ours is memblocks_present()'s
  // mem_section root, which the first sparse_index_alloc() follows at once. DISAGREES: the pictures draw even that one as
  // 'other', where up to 6.15 the same root (caller sparse_init) is 'memmap'.
  __memblock_alloc_or_panic: { modelled: true, oursInLog: { before: 'sparse_index_alloc' }, owner: 'other' },
  sparse_index_alloc: { modelled: true, oursInLog: true, owner: 'memmap' },
  sparse_init_nid: { modelled: true, oursInLog: true, owner: 'memmap', keptInUse: 'memblock_alloc_exact_nid_raw' },
  sparse_buffer_alloc: { modelled: true, oursInLog: true, owner: 'memmap' },
  sparse_buffer_fini: { modelled: true, oursInLog: true, owner: 'memmap' },
  vmemmap_alloc_block_zero: { modelled: true, oursInLog: true, owner: 'memmap', keptInUse: true },
  vmemmap_alloc_block_buf: {
    modelled: true,
    oursInLog: true,
    owner: 'memmap',
    keptInUse: true,
    // vmemmap_alloc_block_buf() inlined where it is called (Debian's 6.16+ builds): a vmemmap page under a PTE
    // (vmemmap_pte_populate) or a 2 MiB block (vmemmap_populate_hugepages) taken from memblock when no sparse buffer
    // is left (7.1 n13/n14 HVO head pages, n23; 6.16/7.0 n23). 7.3: the HVO head page (n13, n14), every 2 MiB block
    // being vmemmap_populate_hugepages (no sparse buffer).
    aliases: ['vmemmap_pte_populate', 'vmemmap_populate_hugepages', 'vmemmap_populate_address'],
  },
  // Its memblock_phys_free() of the HVO head pages; keptInUse as the vmemmap_ prefix gave it (it makes no allocations).
  vmemmap_undo_hvo: { modelled: true, oursInLog: true, owner: 'memmap', keptInUse: true },
  // hugetlb (mm/hugetlb.c, mm/hugetlb_vmemmap.c).
  __alloc_bootmem_huge_page: {
    modelled: true,
    oursInLog: true,
    owner: 'hugetlb',
    keptInUse: true,
    // The gigantic page comes from __alloc_bootmem_huge_page() up to 6.14, from hugetlb's alloc_bootmem() (called by
    // hugetlb_bootmem_alloc() before sparse_init()) from 6.15, and from alloc_bootmem_huge_page() in 7.3.
    aliases: ['alloc_bootmem', 'alloc_bootmem_huge_page'],
  },
  // 7.3: a boot-time gigantic page spanning two zones, given back at once.
  hugetlb_free_cross_zone_pages: { modelled: true, oursInLog: true, owner: 'hugetlb' },
  // Its memblock_phys_free() of a boot page that spans two zones.
  hugetlb_vmemmap_init_late: { modelled: true, oursInLog: true, owner: 'hugetlb' },
  // memblock itself: the reservation every allocation makes. Logged calls fold it into their allocation before asking
  // whether they are ours; the pictures give it the allocation's owner (or the step's), not this one.
  [ALLOC_OUTCOME_CALLER]: { modelled: true, oursInLog: false, owner: 'other' },
  // Other subsystems as src/kernel/others.ts estimates them when there is no log.
  acpi_parse_hpet: { modelled: false, oursInLog: false, owner: 'kernel & firmware' },
  io_apic_init_mappings: { modelled: false, oursInLog: false, owner: 'other' },
  e820__reserve_resources: { modelled: false, oursInLog: false, owner: 'kernel & firmware' },
  firmware_map_add_early: { modelled: false, oursInLog: false, owner: 'other' },
  register_nosave_region: { modelled: false, oursInLog: false, owner: 'other' },
  start_kernel: { modelled: false, oursInLog: false, owner: 'kernel & firmware' },
  pcpu_build_alloc_info: { modelled: false, oursInLog: false, owner: 'per-cpu' },
  pcpu_embed_first_chunk: { modelled: false, oursInLog: false, owner: 'per-cpu' },
  pcpu_fc_alloc: { modelled: false, oursInLog: false, owner: 'per-cpu' },
  pcpu_setup_first_chunk: { modelled: false, oursInLog: false, owner: 'per-cpu' },
  pcpu_alloc_first_chunk: { modelled: false, oursInLog: false, owner: 'per-cpu' },
  alloc_bootmem_cpumask_var: { modelled: false, oursInLog: false, owner: 'other' },
  alloc_large_system_hash: { modelled: false, oursInLog: false, owner: 'other' },
  spp_getpage: { modelled: false, oursInLog: false, owner: 'page tables' },
  swiotlb_init_remap: { modelled: false, oursInLog: false, owner: 'other' },
  alloc_low_pages: { modelled: false, oursInLog: false, owner: 'page tables' },
} as const satisfies Readonly<Record<string, KernelCaller>>;

export type KernelCallerName = keyof typeof KERNEL_CALLERS;

const BY_NAME: ReadonlyMap<string, KernelCaller> = new Map(Object.entries(KERNEL_CALLERS));

/** The table's entry for a caller (as our boot names it), or undefined for a caller it does not list. */
export function kernelCaller(name: string): KernelCaller | undefined {
  return BY_NAME.get(name);
}

const RENAMED: ReadonlyMap<string, string> = new Map(
  Object.entries(KERNEL_CALLERS).flatMap(([name, c]: [string, KernelCaller]) => (c.aliases ?? []).map((a) => [a, name] as const)),
);

/** The caller without a compiler suffix (".constprop.0", ".isra.0"), by the name our boot gives it. */
export function baseCaller(caller: string): string {
  const base = caller.replace(/\.(constprop|isra|part|cold)\.\d+$/, '');
  return RENAMED.get(base) ?? base;
}

/** The owner group of a caller the table does not list, from its name. */
export function ownerByName(caller: string): Owner {
  // vmemmap_populate_hugepages (7.3's 2 MiB memmap blocks) is the memmap, not hugetlb.
  if (/^vmemmap_/.test(caller)) return 'memmap';
  if (/huge/.test(caller)) return 'hugetlb';
  if (/vmemmap|sparse|memmap|earlyonly|usemap|section/.test(caller)) return 'memmap';
  if (/init_mem_mapping|spp_getpage|alloc_low_page|pgtable|pte|pmd|pud/.test(caller)) return 'page tables';
  if (/pcpu|percpu/.test(caller)) return 'per-cpu';
  if (/numa|node_data|pgdat/.test(caller)) return 'node data';
  if (/early_reserve|setup_arch|bios|real_mode|brk|e820|acpi|initrd|trim|ibft|kernel|crash|setup_data/.test(caller))
    return 'kernel & firmware';
  return 'other';
}

/** The owner group of a caller (or of a step, for reserves no recorded call owns): the table's, else from its name. */
export function callerOwner(caller: string): Owner {
  return kernelCaller(caller)?.owner ?? ownerByName(caller);
}

/** Whether memblock-nothing-lost takes the allocations of a caller the table does not list for the vmemmap's or hugetlb's. */
function keptInUseByName(caller: string): boolean {
  return /^(vmemmap_|__alloc_bootmem_huge_page)/.test(caller);
}

/** KernelCaller.keptInUse of a caller: the table's, else from its name. */
export function keptInUse(caller: string): KernelCaller['keptInUse'] {
  const c = kernelCaller(caller);
  if (c) return c.keptInUse;
  return keptInUseByName(caller) ? true : undefined;
}
