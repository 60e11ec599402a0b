// include/linux/memblock.h (enum memblock_flags, the MEMBLOCK_ALLOC_* limits) and include/linux/numa.h (NUMA_NO_NODE, MAX_NUMNODES).

export const NUMA_NO_NODE = -1;
/** MAX_NUMNODES with Debian's CONFIG_NODES_SHIFT=10: "no node assigned yet". */
export const MAX_NUMNODES = 1024;
export const PHYS_ADDR_MAX = 2 ** 64;
/** MEMBLOCK_ALLOC_ANYWHERE: (phys_addr_t)~0, no upper limit. */
export const MEMBLOCK_ALLOC_ANYWHERE = PHYS_ADDR_MAX;
/** MEMBLOCK_ALLOC_ACCESSIBLE: up to memblock.current_limit. */
export const MEMBLOCK_ALLOC_ACCESSIBLE = 0;
/** MEMBLOCK_ALLOC_NOLEAKTRACE: like ACCESSIBLE, without kmemleak. */
export const MEMBLOCK_ALLOC_NOLEAKTRACE = 1;
/** MEMBLOCK_LOW_LIMIT on x86_64 is 0. */
export const MEMBLOCK_LOW_LIMIT = 0;

/** enum memblock_flags */
export const MEMBLOCK_NONE = 0x0;
export const MEMBLOCK_HOTPLUG = 0x1;
export const MEMBLOCK_MIRROR = 0x2;
export const MEMBLOCK_NOMAP = 0x4;
export const MEMBLOCK_DRIVER_MANAGED = 0x8;
export const MEMBLOCK_RSRV_NOINIT = 0x10;
export const MEMBLOCK_RSRV_KERN = 0x20;
export const MEMBLOCK_KHO_SCRATCH = 0x40;
