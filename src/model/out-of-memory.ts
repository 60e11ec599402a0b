// hvosim's model, not a kernel function: whether the rest of the boot has memory after hugetlb_init()
// (the page allocator's watermarks of mm/page_alloc.c and mm/khugepaged.c, against a need fitted to real boots).
//
// hugetlb_init() (subsys_initcall) takes its 2 MiB pages down to each zone's
// boot-time min watermark. Right after it in the same initcall level,
// hugepage_init() starts khugepaged, which raises min_free_kbytes
// (set_recommended_min_free_kbytes()) and recomputes every zone's watermarks.
// From then on a GFP_KERNEL allocation gets a page from a zone only while the
// zone keeps more than its min watermark plus its lowmem reserve for
// ZONE_NORMAL; below that nothing is reclaimable this early (no page cache,
// no swap), the OOM killer finds no process to kill, and the kernel panics
// ("System is deadlocked on memory") or hangs, or cannot unpack the
// initramfs ("VFS: Unable to mount root fs"). What the rest of the boot needs
// beyond the watermarks is a build fact measured on real boots
// (KernelBuild.bootNeedAfterHugetlbInit), interpolated here.
//
// src/model/ reads the kernel mirror (src/kernel/); the mirror never reads it.
import type { KernelBuild } from '../kernel/config.js';
import { hashdistHashBytes } from '../kernel/hash.js';
import { khugepagedWmarks } from '../kernel/page-alloc-runtime.js';
import { lowmemReserve, normalIdx, reserveManaged } from '../kernel/page-alloc-wmark.js';
import type { KernelState } from '../kernel/state.js';

/**
 * Where the memory-sized part of the boot's need stops growing: alloc_large_system_hash() caps the
 * networking tables (TCP established: 512K entries) at about this much RAM. An assumption: no boot
 * above 8 GiB was measured.
 */
export const NEED_GROWS_UP_TO_KB = 64 * 1024 * 1024;

/**
 * The build's need after hugetlb_init() for a machine of this MemTotal: interpolated between its measured points,
 * the end segments carried on (flat above NEED_GROWS_UP_TO_KB).
 */
export function bootNeedAfterHugetlbInitKb(build: KernelBuild, memTotalKb: number): number {
  const pts = build.bootNeedAfterHugetlbInit;
  if (pts.length === 1) return pts[0]![1];
  const x = Math.min(memTotalKb, NEED_GROWS_UP_TO_KB);
  let i = 0;
  while (i < pts.length - 2 && x > pts[i + 1]![0]) i++;
  const [x0, y0] = pts[i]!;
  const [x1, y1] = pts[i + 1]!;
  return Math.max(0, Math.round(y0 + ((y1 - y0) * (x - x0)) / (x1 - x0)));
}

export interface OutOfMemory {
  /** The rest of the boot would not get the memory it needs (hvosim's prediction), by more than the build's uncertainty. */
  dies: boolean;
  /** Within the build's uncertainty of the edge either way: real boots this close went both ways. */
  edge: boolean;
  /** Pages GFP_KERNEL allocations can still get once khugepaged raised the watermarks, over all zones. */
  usablePages: number;
  /** Pages the rest of the boot needs (the build fact). */
  needPages: number;
  /** min_free_kbytes at hugetlb_init() and after khugepaged raised it. */
  minFreeKbytesBoot: number;
  minFreeKbytes: number;
}

/**
 * After hugetlb_init(): can the rest of the boot get the memory it needs? Per
 * zone up to Normal, the free pages above the (raised) min watermark and the
 * lowmem reserve a GFP_KERNEL allocation must leave, summed over the nodes
 * (the zonelists fall back to every node), against the build's need. Null
 * when the boot did not get as far as hugetlb_init().
 */
export function predictOutOfMemory(s: KernelState): OutOfMemory | null {
  const at = s.pageAlloc.afterHugetlbInit;
  const zones = s.zones?.zones;
  if (!at?.free.length || !zones) return null;
  // init_per_zone_wmark_min() and the lowmem reserves ran at postcore_initcall: the zones as hugetlb_init() found them.
  const { postcore, wm, minFreeKbytesBoot, minFreeKbytes } = khugepagedWmarks(s);
  const reserve = reserveManaged(s, postcore, at.managed);
  let usable = 0;
  zones.forEach((z, i) => {
    if (z.idx > normalIdx(s)) return;
    // setup_per_zone_lowmem_reserve() ran at postcore_initcall, before the gigantic pages were managed.
    usable += Math.max(0, at.free[i]! - wm[i]!.min - lowmemReserve(s, reserve, i, normalIdx(s)));
  });
  const memTotalKb = at.managed.reduce((a, b) => a + b, 0) * (s.arch.pageSize / 1024);
  // The build's need, and on a NUMA machine the hashes vmalloc'd before hugetlb_init() (not in the zones' counts).
  // Zones up to Normal that repeat a zone type another node has (a NUMA machine's split zones).
  const populated = zones.filter((z, i) => z.idx <= normalIdx(s) && at.managed[i]! > 0);
  const repeated = populated.length - new Set(populated.map((z) => z.idx)).size;
  const needKb = bootNeedAfterHugetlbInitKb(s.build, memTotalKb) + repeated * s.build.bootNeedPerRepeatedZoneKb;
  const needPages = Math.ceil((needKb * 1024 + hashdistHashBytes(s)) / s.arch.pageSize);
  const band = Math.ceil((s.build.bootNeedUncertaintyKb * 1024) / s.arch.pageSize);
  return {
    dies: usable < needPages - band,
    edge: Math.abs(usable - needPages) <= band,
    usablePages: usable,
    needPages,
    minFreeKbytesBoot,
    minFreeKbytes,
  };
}
