// Facts about the kernel build that the boot depends on (Debian's 6.1 cloud kernel, x86_64).
// Each is read off a real boot of that kernel (test/fixtures/linux-6.1) and says where.

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
   * pool leaves on top of the zones' min watermarks and lowmem reserves.
   */
  kernelUseAtHugetlbInitKb: number;
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
  // Bisected on real boots of one-node q35 machines (oracle/boot.sh, busybox initramfs of 1008 KiB),
  // hugepages=N of 2 MiB: 2 GiB boots with 934, dies with 935 ("VFS: Unable to mount root fs": the
  // initramfs could not be unpacked); 4 GiB boots with 1903, dies with 1904 ("System is deadlocked on
  // memory"); 8 GiB boots with 3909, hangs with 3910. The need at each size is the middle of what the
  // model's zones hold after the boot that lived and the one that died (within 2 MiB of the truth);
  // the boots are test/fixtures/linux-6.1/n25-n28 (*-oom-edge) and test/fixtures/oom-edge/.
  bootNeedAfterHugetlbInit: [
    [2000264, 33604],
    [3995264, 37460],
    [8117884, 52652],
  ],
  // Fitted to two NUMA machines of 4 GiB: "2G 2G" (DMA, DMA32, Normal: no zone repeated) boots with
  // 1906, dies with 1907, as the one-node curve and the vmalloc'd hashes say; "1G 1G 1G 1G" (DMA32 and
  // Normal twice each) boots with 1894, dies with 1895: 2.5 to 3.5 MiB more per repeated zone.
  bootNeedPerRepeatedZoneKb: 2560,
  // "1G 1G 2G" (out of sample) booted with 1903 pages, 4.2 MiB short of the need above (and the same
  // boot once did not finish); it died with 1904 and 1905. The edge is not sharp: 5 MiB either way.
  bootNeedUncertaintyKb: 5120,
  // Fitted to where over-asked 2 MiB pools stop on the same boots: 964 pages on 2 GiB, 1930 on 4 GiB
  // (hvosim 1930), 3932 on 8 GiB (hvosim 3934): between 9.4 and 14.5 MiB on top of the watermarks and reserves.
  kernelUseAtHugetlbInitKb: 11264,
};
