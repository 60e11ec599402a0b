// The facts of Debian's cloud builds of the newer generations (x86_64), each read
// off the real boots recorded under test/fixtures/linux-<version>/ (n02 unless
// said): the image from /proc/iomem "Kernel code" to the end of "Kernel bss", the
// brk from the first memblock_reserve by setup_arch, the real-mode trampoline from
// reserve_real_mode, pg_data_t from "NODE_DATA(0) allocated", the printk arrays
// from setup_log_buf's three allocations with log_buf_len=4M (descriptors and
// infos over 131072 records), the usemap from sparse_init_nid's first allocation
// over the node's sections (n13 node 0: 11 sections), the per-cpu unit from
// "percpu: Embedded N pages/cpu", and the late frees from the "Freeing ..." lines
// (the same in every fixture of a kernel).
import { DEBIAN_6_1_CLOUD, type KernelBuild } from '../kernel/config.js';

const IMAGE_START = 0x1000000;

/** Debian linux-image-6.12.118+deb12-cloud-amd64 (test/fixtures/linux-6.12). */
export const DEBIAN_6_12_CLOUD: KernelBuild = {
  imageStart: IMAGE_START,
  imageSize: 0x2c00000,
  brkSize: 0x11000,
  pgdatSize: 0x2a980,
  realModeSize: 28672,
  prbDescSize: 24,
  printkInfoSize: 88,
  imageFrees: [
    { what: 'SMP alternatives', kb: 40, early: true },
    { what: 'unused decrypted', kb: 2028 },
    { what: 'unused kernel image (initmem)', kb: 4024 },
    { what: 'unused kernel image (rodata/data gap)', kb: 1372 },
  ],
  memSectionUsageSize: 56,
  pcpuUnitPages: 66,
  // The out-of-memory edge was measured on 6.1 only (test/fixtures/oom-edge): its figures stand in for every later build.
  bootNeedAfterHugetlbInit: DEBIAN_6_1_CLOUD.bootNeedAfterHugetlbInit,
  bootNeedPerRepeatedZoneKb: DEBIAN_6_1_CLOUD.bootNeedPerRepeatedZoneKb,
  bootNeedUncertaintyKb: DEBIAN_6_1_CLOUD.bootNeedUncertaintyKb,
  kernelUseAtHugetlbInitKb: DEBIAN_6_1_CLOUD.kernelUseAtHugetlbInitKb,
};

/** Debian linux-image-6.16.12+deb13-cloud-amd64 (test/fixtures/linux-6.16). */
export const DEBIAN_6_16_CLOUD: KernelBuild = {
  ...DEBIAN_6_12_CLOUD,
  pgdatSize: 0x2ab00,
  imageFrees: [
    { what: 'SMP alternatives', kb: 44, early: true },
    { what: 'unused decrypted', kb: 2028 },
    { what: 'unused kernel image (initmem)', kb: 4116 },
    { what: 'unused kernel image (text/rodata gap)', kb: 4 },
    { what: 'unused kernel image (rodata/data gap)', kb: 832 },
  ],
  pcpuUnitPages: 61,
};

/** Debian linux-binary-7.0.13+deb13-cloud-amd64 (test/fixtures/linux-7.0): struct printk_info 112 bytes, mem_section_usage 88 (968 bytes for 11 sections, n13). */
export const DEBIAN_7_0_CLOUD: KernelBuild = {
  ...DEBIAN_6_16_CLOUD,
  imageSize: 0x3200000,
  printkInfoSize: 112,
  imageFrees: [
    { what: 'SMP alternatives', kb: 48, early: true },
    { what: 'unused decrypted', kb: 2028 },
    { what: 'unused kernel image (initmem)', kb: 4232 },
    { what: 'unused kernel image (text/rodata gap)', kb: 1088 },
    { what: 'unused kernel image (rodata/data gap)', kb: 1484 },
  ],
  memSectionUsageSize: 88,
  pcpuUnitPages: 62,
};

/** Debian linux-binary-7.1.13+deb13-cloud-amd64 (test/fixtures/linux-7.1). */
export const DEBIAN_7_1_CLOUD: KernelBuild = {
  ...DEBIAN_7_0_CLOUD,
  pgdatSize: 0x2ae00,
  imageFrees: [
    { what: 'SMP alternatives', kb: 48, early: true },
    { what: 'unused decrypted', kb: 2028 },
    { what: 'unused kernel image (initmem)', kb: 4312 },
    { what: 'unused kernel image (text/rodata gap)', kb: 1016 },
    { what: 'unused kernel image (rodata/data gap)', kb: 920 },
  ],
};

/** Debian linux-binary-7.3.4+deb13-cloud-amd64 (test/fixtures/linux-7.3): no "Freeing SMP alternatives" line. */
export const DEBIAN_7_3_CLOUD: KernelBuild = {
  ...DEBIAN_7_1_CLOUD,
  pgdatSize: 0x2b0c0,
  imageFrees: [
    { what: 'unused decrypted', kb: 2028 },
    { what: 'unused kernel image (initmem)', kb: 4412 },
    { what: 'unused kernel image (text/rodata gap)', kb: 576 },
    { what: 'unused kernel image (rodata/data gap)', kb: 608 },
  ],
  pcpuUnitPages: 63,
};
