// mm/page_alloc.c for huge pages: what each zone keeps back from one allocated at
// hugetlb_init() and at run time (alloc_pool_huge_folio() from set_max_huge_pages()),
// as zone_watermark_ok() decides it, where the kernel's own pages sit, and what the
// running system already holds beyond what hvosim's boot counts (an estimate
// unless a log says it); the per-cpu lists' high mark.
import { hashdistHashBytes } from './hash.js';
import {
  calculateMinFreeKbytes,
  lowmemReserve,
  normalIdx,
  recommendedMinFreeKbytes,
  reserveManaged,
  setupPerZoneWmarks,
  type ZoneWmarks,
} from './page-alloc-wmark.js';
import type { KernelState } from './state.js';

/**
 * Pages the kernel took from each node (`kernelPages(nid)`) placed in its zones
 * (s.zones.zones order) as GFP_KERNEL allocations go: the node's highest zone
 * up to Normal as far as its free pages (`free`, per zone) go, then the zones
 * below it; `user` pages of the boot CPU's node go to its ZONE_MOVABLE when it
 * has one and they can move, else with the kernel's.
 */
export function placeHeldPages(
  s: KernelState,
  free: readonly number[],
  kernelPages: (nid: number) => number,
  user: { nid: number; pages: number; movable: boolean } | null = null,
): number[] {
  const zones = s.zones?.zones ?? [];
  const hold = zones.map(() => 0);
  for (const nid of new Set(zones.map((z) => z.nid))) {
    // The node's zones up to Normal, highest first: where its GFP_KERNEL pages go, and fall back to.
    const kernel = zones
      .map((z, i) => ({ z, i }))
      .filter(({ z }) => z.nid === nid && z.managed > 0 && z.idx <= normalIdx(s))
      .sort((a, b) => b.z.idx - a.z.idx);
    if (!kernel.length) continue;
    let want = kernelPages(nid);
    if (user?.nid === nid) {
      const movable = zones.findIndex((z) => z.nid === nid && z.idx === s.zones!.movableIdx && z.managed > 0);
      if (movable >= 0 && user.movable) hold[movable]! += user.pages;
      else want += user.pages;
    }
    for (const [k, { i }] of kernel.entries()) {
      const take = k === kernel.length - 1 ? want : Math.min(want, Math.max(0, free[i]! - hold[i]!));
      hold[i]! += take;
      want -= take;
    }
  }
  return hold;
}

/** Each node's share of the dentry and inode hashes vmalloc'd over the nodes (hashdist), in pages: taken as even. */
function hashShare(s: KernelState): number {
  const nodes = s.zones?.nodeSpan.size ?? 1;
  return Math.ceil(hashdistHashBytes(s) / Math.max(nodes, 1) / s.arch.pageSize);
}

/**
 * What the running system holds in each zone beyond the boot's own count
 * (s.zones.zones order), in pages: hvosim's estimate from the build's facts
 * (placeHeldPages()). Every node holds its share of the hashes and, on nodes
 * other than the boot CPU's, what the kernel spread over the nodes while the
 * boot task's interleave policy held (KernelBuild.runtimeUseKb.otherNode);
 * the boot CPU's node holds the kernel's own use and init's, the latter able
 * to move when the initramfs is in a tmpfs (TMPFS; ramfs's pages cannot).
 */
export function runtimeHoldEstimate(s: KernelState, bootNode: number, free: readonly number[]): number[] {
  const pages = (kb: number) => Math.ceil((kb * 1024) / s.arch.pageSize);
  const use = s.build.runtimeUseKb;
  const hash = hashShare(s);
  return placeHeldPages(s, free, (nid) => hash + pages(nid === bootNode ? use.bootNodeKernel : use.otherNode), {
    nid: bootNode,
    pages: pages(use.bootNodeUser),
    movable: s.build.config.TMPFS,
  });
}

/**
 * What each zone keeps from hugetlb_init()'s huge pages (GFP_HIGHUSER_MOVABLE,
 * __GFP_RETRY_MAYFAIL: down to the min watermark): the boot-time min watermark
 * (init_per_zone_wmark_min(), before khugepaged raises it), the lowmem reserve
 * against ZONE_MOVABLE, and what the kernel took since memblock_free_all(): the
 * hashes on every node, a build fact (kernelUseAtHugetlbInitKb) on the boot
 * CPU's, placed as placeHeldPages() does. `free`: the zones' free pages now.
 */
export function hugetlbInitZoneKeep(s: KernelState, bootNode: number, free: readonly number[]): number[] {
  const zones = s.zones?.zones ?? [];
  const managed = zones.map((z) => z.managed);
  const wm = setupPerZoneWmarks(s, calculateMinFreeKbytes(s, managed), managed);
  const movable = s.zones?.movableIdx ?? normalIdx(s) + 1;
  const hash = hashShare(s);
  const use = Math.ceil((s.build.kernelUseAtHugetlbInitKb * 1024) / s.arch.pageSize);
  const held = placeHeldPages(s, free, (nid) => hash + (nid === bootNode ? use : 0));
  return zones.map((_, i) => wm[i]!.min + lowmemReserve(s, managed, i, movable) + held[i]!);
}

/**
 * pcp->high of each zone's one per-cpu list at run time: its low watermark
 * (once khugepaged raised min_free_kbytes) with pcpHigh 'low-wmark'; with
 * 'auto-tuned' the most it can grow to, high_max (an eighth of the zone).
 */
export function runtimePcpHigh(s: KernelState): number[] {
  const zones = s.zones?.zones ?? [];
  if (s.kernel.pcpHigh === 'auto-tuned') return zones.map((z) => Math.floor(z.managed / 8));
  const { khugepaged, wm } = khugepagedWmarks(s);
  return khugepaged.map((_, i) => wm[i]!.low);
}

/**
 * The zones' watermarks once khugepaged raised min_free_kbytes (setup_per_zone_wmarks() again), with the managed
 * pages they were taken over: the postcore initcalls' (init_per_zone_wmark_min()) and those when hugetlb_init()
 * ended, which khugepaged's start (right after it) saw; min_free_kbytes before and after the raise.
 */
export function khugepagedWmarks(s: KernelState): {
  postcore: number[];
  khugepaged: number[];
  wm: ZoneWmarks[];
  minFreeKbytesBoot: number;
  minFreeKbytes: number;
} {
  const managed = (s.zones?.zones ?? []).map((z) => z.managed);
  const at = s.pageAlloc.afterHugetlbInit;
  const postcore = at?.managedBefore.length ? at.managedBefore : managed;
  const khugepaged = at?.managed.length ? at.managed : managed;
  const minFreeKbytesBoot = calculateMinFreeKbytes(s, postcore);
  const minFreeKbytes = recommendedMinFreeKbytes(s, minFreeKbytesBoot, khugepaged);
  return { postcore, khugepaged, wm: setupPerZoneWmarks(s, minFreeKbytes, khugepaged), minFreeKbytesBoot, minFreeKbytes };
}

/**
 * What each zone keeps from a 2 MiB page allocated at run time
 * (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL: down to the min watermark,
 * classzone ZONE_MOVABLE): its min watermark once khugepaged raised
 * min_free_kbytes (in a build with THP), its lowmem reserve against
 * ZONE_MOVABLE as last set (reserveManaged()), and what the running system
 * holds there (`held`, per zone). A zone gives a page while its free pages,
 * less the page, stay at or above this.
 */
export function runtimeZoneKeep(s: KernelState, held: readonly number[]): number[] {
  const zones = s.zones?.zones ?? [];
  const managed = zones.map((z) => z.managed);
  const { postcore, wm } = khugepagedWmarks(s);
  const reserve = reserveManaged(s, postcore, managed);
  const movable = s.zones?.movableIdx ?? normalIdx(s) + 1;
  return zones.map((_, i) => wm[i]!.min + lowmemReserve(s, reserve, i, movable) + (held[i] ?? 0));
}
