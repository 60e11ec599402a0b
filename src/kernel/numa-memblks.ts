// The firmware's NUMA blocks as the kernel keeps them (struct numa_meminfo, include/linux/numa_memblks.h):
// filled by the architecture's SRAT parsing, cleaned and registered by its numa code.

export interface NumaMemblk {
  start: number;
  end: number;
  nid: number;
  hotplug?: boolean;
}

export interface NumaMeminfo {
  blks: NumaMemblk[];
}
