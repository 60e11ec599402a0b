// The facts of a kernel build that the boot depends on; the builds themselves (Debian's cloud
// kernels, each fact read off a real boot and saying where) are data in src/profiles/builds.ts.

/**
 * The configuration options (CONFIG_*) of a build that change what the boot does, each read where the
 * kernel reads it. Named as Kconfig names them; a build's .config gives them (src/profiles/kconfig.ts).
 */
export interface KernelConfig {
  /** A DMA zone below 16 MiB (x86_64); without it DMA32 starts at the first page of RAM. */
  ZONE_DMA: boolean;
  /** A DMA32 zone below 4 GiB; without it Normal starts there. */
  ZONE_DMA32: boolean;
  /** ZONE_DEVICE: every node has an empty Device zone ("Device empty" in the zone ranges, /proc/zoneinfo). */
  ZONE_DEVICE: boolean;
  /**
   * CONTIG_ALLOC (compaction with memory isolation, or CMA): gigantic pages can be had at run time, so x86's
   * gigantic_pages_init() registers the 1 GiB size even when no hugepagesz=1G asked for it.
   */
  CONTIG_ALLOC: boolean;
  /**
   * MEMORY_HOTREMOVE: sparse_init_nid() puts a node's usemaps in the section of its pg_data_t (so the section can
   * be removed last). Without it they come from memblock_alloc_node() for pgdat->node_id, which is still 0 on
   * every node while sparse_init() runs before free_area_init() sets it (6.12's tinyconfig boots: nid=0, from=0).
   */
  MEMORY_HOTREMOVE: boolean;
  /**
   * HUGETLB_PAGE_OPTIMIZE_VMEMMAP: HVO is built. Without it hugetlb_vmemmap_optimizable_size() is 0 ("HugeTLB: 0 KiB
   * vmemmap can be freed"), and hugetlb_free_vmemmap= is no parameter of the kernel's (handed to init unparsed).
   */
  HUGETLB_PAGE_OPTIMIZE_VMEMMAP: boolean;
  /** HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON: HVO is on unless hugetlb_free_vmemmap=off. */
  HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON: boolean;
  /**
   * CPUMASK_OFFSTACK (set by MAXSMP and large NR_CPUS): cpumask_var_t is a pointer, so start_kernel's early cpumasks
   * (alloc_bootmem_cpumask_var(), one per node among them) come from memblock; without it they take no memory.
   */
  CPUMASK_OFFSTACK: boolean;
  /** FIRMWARE_MEMMAP: e820__reserve_resources() copies the firmware's map for /sys/firmware/memmap, 104 bytes an entry. */
  FIRMWARE_MEMMAP: boolean;
  /** HIBERNATION: setup_arch() registers the e820 holes below max_pfn as nosave regions, 32 bytes each. */
  HIBERNATION: boolean;
  /**
   * CMA (the contiguous memory allocator): hugetlb_cma= (and hugetlb_cma_only=) are parameters of the kernel's, whose
   * areas are reserved from memblock at boot and given to the page allocator as MIGRATE_CMA pageblocks, and
   * /proc/meminfo has CmaTotal and CmaFree. Without it hugetlb_cma= is no parameter (handed to init unparsed).
   */
  CMA: boolean;
  /**
   * TRANSPARENT_HUGEPAGE (and a default other than "never"): hugepage_init() starts khugepaged, which raises
   * min_free_kbytes (set_recommended_min_free_kbytes()) and with it every zone's watermarks once the system runs.
   */
  TRANSPARENT_HUGEPAGE: boolean;
  /**
   * TMPFS (with SHMEM): the initramfs is unpacked into a tmpfs, whose pages can move (GFP_HIGHUSER_MOVABLE: ZONE_MOVABLE
   * first); without it into ramfs, whose pages cannot (GFP_HIGHUSER: the zones up to Normal).
   */
  TMPFS: boolean;
}

export interface KernelBuild {
  /** The configuration options that change the boot. */
  config: KernelConfig;
  /**
   * Where `config` came from when a user gave it (--config): the file, and the options it sets that change the
   * boot but that hvosim does not model (their effect stays the profile's build's). Absent: the profile's own build.
   */
  configFrom?: { file: string; notModelled: readonly string[]; facts?: readonly string[] };
  /** Where facts came from when a user gave the build's image (--kernel-image): the file and the facts it gave. */
  imageFrom?: { file: string; facts: readonly string[] };
  /** The kernel log the build's facts were read off (boot --from-dmesg): the log and the facts. Absent: none. */
  factsFrom?: { file: string; facts: readonly string[] };
  /** Physical start of the kernel image without KASLR (CONFIG_PHYSICAL_START): /proc/iomem "Kernel code". */
  imageStart: number;
  /** __end_of_kernel_reserve - _text: "Kernel code" start to the end of "Kernel bss", page aligned. */
  imageSize: number;
  /** Size of the brk area reserve_brk() reserves right after the image (the first memblock_reserve logged). */
  brkSize: number;
  /** roundup(sizeof(pg_data_t), PAGE_SIZE): the size of every "NODE_DATA(N) allocated" range. */
  pgdatSize: number;
  /** The real-mode trampoline (reserve_real_mode()'s memblock_phys_alloc_range size). */
  realModeSize: number;
  /** sizeof(struct prb_desc) and sizeof(struct printk_info): setup_log_buf()'s two extra allocations. */
  prbDescSize: number;
  printkInfoSize: number;
  /**
   * Parts of the kernel image given back late in boot, in KiB, in the order
   * the kernel prints them ("Freeing SMP alternatives memory: 36K", ...).
   * Those marked `early` (SMP alternatives, where the build prints it) are
   * freed before hugetlb_init(), the rest after.
   */
  imageFrees: { what: string; kb: number; early?: boolean }[];
  /** sizeof(struct mem_section_usage): the usemap of one section (sparse_init_nid()'s first allocation over the node's sections). */
  memSectionUsageSize: number;
  /** Pages of the boot CPU's per-cpu unit in use ("percpu: Embedded N pages/cpu"); the rest of its 2 MiB chunk is given back. */
  pcpuUnitPages: number;
  /** CONFIG_LOG_BUF_SHIFT: the static log buffer holds 2^shift bytes; log_buf_len= makes a new one only when asking more. */
  logBufShift: number;
  /**
   * The small allocations of pcpu_setup_first_chunk() (its first five) and pcpu_alloc_first_chunk() (the rest: a
   * struct pcpu_chunk with its bitmaps, for the reserved chunk and the dynamic one), in bytes, in order.
   */
  pcpuFirstChunkAllocs: readonly number[];
  /**
   * The cpumasks of start_kernel() alloc_bootmem_cpumask_var() takes besides one per node (CPUMASK_OFFSTACK builds;
   * the number of the build's users of early cpumasks).
   */
  bootCpumasks: number;
  /**
   * What the boot needs from the end of hugetlb_init() until init runs, beyond
   * the zones' min watermarks and lowmem reserves once khugepaged raised them
   * (predictOutOfMemory() in src/model/out-of-memory.ts): the kernel's own allocations
   * before hugetlb_init() that the model does not count, the rest of the
   * initcalls (hash tables sized by memory among them), unpacking the
   * initramfs and starting init. A boot whose zones hold less dies. Points
   * [MemTotal kB, need kB], ascending: the need is interpolated between them,
   * the last segment's slope carried on up to NEED_GROWS_UP_TO_KB (in that model), flat above.
   */
  bootNeedAfterHugetlbInit: [number, number][];
  /**
   * What the boot needs on top, in KiB, for each populated zone (up to Normal) that repeats a zone
   * type another node already has (a NUMA machine splits one DMA32 or Normal zone into several).
   */
  bootNeedPerRepeatedZoneKb: number;
  /** How far, in KiB, real boots strayed from that need either way: a boot this close may go either way. */
  bootNeedUncertaintyKb: number;
  /**
   * What the kernel has allocated on the boot CPU's node between
   * memblock_free_all() and hugetlb_init(), in KiB: what an over-asked 2 MiB
   * pool leaves on top of the zones' min watermarks and lowmem reserves (in
   * the node's kernel zone, hugetlbInitZoneKeep()). An image scales it by its size.
   */
  kernelUseAtHugetlbInitKb: number;
  /**
   * What the running system holds after boot, in KiB, beyond what hvosim's
   * boot counts (runtimeHoldEstimate()): on the boot CPU's node the kernel's
   * own allocations (`bootNodeKernel`) and init's (`bootNodeUser`); on each
   * other node what the kernel spread over the nodes as it started
   * (`otherNode`), the vmalloc'd hashes aside.
   */
  runtimeUseKb: { bootNodeKernel: number; bootNodeUser: number; otherNode: number };
}
