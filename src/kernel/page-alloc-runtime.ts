// mm/page_alloc.c once the system runs: what each zone keeps back from a huge
// page allocated at run time (alloc_pool_huge_folio() from set_max_huge_pages()),
// as zone_watermark_ok() decides it, and what the running system already holds
// there beyond what hvosim's boot counts (an estimate unless a log says it).
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
 * What the running system holds in each zone beyond the boot's own count
 * (s.zones.zones order), in pages: hvosim's estimate from the build's facts.
 * Every node holds its share of the dentry and inode hashes when they were
 * vmalloc'd (hashdist, more than one node) and, on nodes other than the boot
 * CPU's, what the kernel spread over the nodes while the boot task's
 * interleave policy held (KernelBuild.runtimeUseKb.otherNode); the boot
 * CPU's node holds the kernel's own use and init's, the latter in ZONE_MOVABLE
 * when the node has one and the initramfs is in a tmpfs (TMPFS: its pages can
 * move; ramfs's cannot). Kernel pages sit in the
 * node's highest zone up to Normal as far as its free pages (`free`, per zone)
 * go, then in the zones below it.
 */
export function runtimeHoldEstimate(s: KernelState, bootNode: number, free: readonly number[]): number[] {
  const zones = s.zones?.zones ?? [];
  const hold = zones.map(() => 0);
  const pages = (kb: number) => Math.ceil((kb * 1024) / s.arch.pageSize);
  const use = s.build.runtimeUseKb;
  const nodes = [...new Set(zones.map((z) => z.nid))];
  const hash = Math.ceil(hashdistHashBytes(s) / Math.max(nodes.length, 1) / s.arch.pageSize);
  for (const nid of nodes) {
    // The node's zones up to Normal, highest first: where its GFP_KERNEL pages go, and fall back to.
    const kernel = zones
      .map((z, i) => ({ z, i }))
      .filter(({ z }) => z.nid === nid && z.managed > 0 && z.idx <= normalIdx(s))
      .sort((a, b) => b.z.idx - a.z.idx);
    if (!kernel.length) continue;
    let want = hash + (nid === bootNode ? pages(use.bootNodeKernel) : pages(use.otherNode));
    const movable = zones.findIndex((z) => z.nid === nid && z.idx === s.zones!.movableIdx && z.managed > 0);
    if (nid === bootNode && movable >= 0 && s.build.config.TMPFS) hold[movable]! += pages(use.bootNodeUser);
    else if (nid === bootNode) want += pages(use.bootNodeUser);
    for (const [k, { i }] of kernel.entries()) {
      const take = k === kernel.length - 1 ? want : Math.min(want, Math.max(0, free[i]! - hold[i]!));
      hold[i]! += take;
      want -= take;
    }
  }
  return hold;
}

/**
 * pcp->high of each zone's one per-cpu list at run time: its low watermark
 * (once khugepaged raised min_free_kbytes) with pcpHigh 'low-wmark'; with
 * 'auto-tuned' the most it can grow to, high_max (an eighth of the zone).
 */
export function runtimePcpHigh(s: KernelState): number[] {
  const zones = s.zones?.zones ?? [];
  if (s.kernel.pcpHigh === 'auto-tuned') return zones.map((z) => Math.floor(z.managed / 8));
  const { khugepaged, wm } = runtimeWmarks(s);
  return khugepaged.map((_, i) => wm[i]!.low);
}

/** The zones' watermarks once khugepaged raised min_free_kbytes, and the managed pages they were taken over. */
function runtimeWmarks(s: KernelState): { postcore: number[]; khugepaged: number[]; wm: ZoneWmarks[] } {
  const managed = (s.zones?.zones ?? []).map((z) => z.managed);
  const at = s.pageAlloc.afterHugetlbInit;
  const postcore = at?.managedBefore.length ? at.managedBefore : managed;
  const khugepaged = at?.managed.length ? at.managed : managed;
  const wm = setupPerZoneWmarks(s, recommendedMinFreeKbytes(s, calculateMinFreeKbytes(s, postcore), khugepaged), khugepaged);
  return { postcore, khugepaged, wm };
}

/**
 * What each zone keeps from a 2 MiB page allocated at run time
 * (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL: down to the min watermark,
 * classzone ZONE_MOVABLE): its min watermark once khugepaged raised
 * min_free_kbytes (in a build with THP), its lowmem reserve against
 * ZONE_MOVABLE as the postcore initcalls set it, and what the running system
 * holds there (`held`, per zone). A zone gives a page while its free pages,
 * less the page, stay at or above this.
 */
export function runtimeZoneKeep(s: KernelState, held: readonly number[]): number[] {
  const zones = s.zones?.zones ?? [];
  const managed = zones.map((z) => z.managed);
  const { postcore, wm } = runtimeWmarks(s);
  const reserve = reserveManaged(s, postcore, managed);
  const movable = s.zones?.movableIdx ?? normalIdx(s) + 1;
  return zones.map((_, i) => wm[i]!.min + lowmemReserve(s, reserve, i, movable) + (held[i] ?? 0));
}
