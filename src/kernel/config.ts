// Facts about the kernel build that the boot depends on (Debian's 6.1 cloud kernel, x86_64).
// Each is read off a real boot of that kernel (../shared/fixtures/linux-6.1) and says where.

export interface KernelBuild {
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
}

export const DEBIAN_6_1_CLOUD: KernelBuild = {
  imageStart: 0x1000000,
  imageSize: 0x2800000,
  brkSize: 0x11000,
  pgdatSize: 0x2b000,
  realModeSize: 28672,
  prbDescSize: 24,
  printkInfoSize: 88,
  // Every fixture prints the same five lines.
  imageFrees: [
    { what: 'SMP alternatives', kb: 36, early: true },
    { what: 'unused decrypted', kb: 2036 },
    { what: 'unused kernel image (initmem)', kb: 2612 },
    { what: 'unused kernel image (text/rodata gap)', kb: 2040 },
    { what: 'unused kernel image (rodata/data gap)', kb: 1892 },
  ],
  // sizeof(struct mem_section_usage) in Debian's 6.1.192: an rcu_head (16, from the stable backport of
  // "fix race in accessing memory_section->usage"), the subsection bitmap (8) and the pageblock flags
  // of one section (32). The usemap allocation of a node is this times its sections: 1792 bytes for
  // 32 sections in p01.
  memSectionUsageSize: 56,
  // "percpu: Embedded 61 pages/cpu" in every fixture.
  pcpuUnitPages: 61,
};
