// arch/x86/mm/numa.c: from firmware NUMA blocks (SRAT) to node ids on memblock regions.
import type { Memblock } from '../../kernel/memblock.js';
import {
  memblockEndOfDram,
  memblockPfnRanges,
  memblockStartOfDram,
  memblockPhysAllocTryNid,
  memblockSetNode,
  memblockSetclrFlag,
} from '../../kernel/memblock.js';
import { MAX_NUMNODES, MEMBLOCK_HOTPLUG, PHYS_ADDR_MAX } from '../../kernel/memblock-flags.js';
import type { NumaMeminfo } from '../../kernel/numa-memblks.js';
import type { KernLevel } from '../../kernel/state.js';
import { hex010 } from '../../util/format.js';

/** numa_add_memblk(): record one firmware block; empty blocks are ignored. */
export function numaAddMemblk(mi: NumaMeminfo, nid: number, start: number, end: number, hotplug = false): void {
  if (start === end) return;
  mi.blks.push({ start, end, nid, hotplug });
}

/** memblock_overlaps_region() on memory */
function overlapsMemory(mb: Memblock, start: number, end: number): boolean {
  return mb.memory.regions.some((r) => r.base < end && start < r.base + r.size);
}

export interface CleanupResult {
  ok: boolean;
  /** Lines the kernel prints while cleaning up ("NUMA: Node 0 [mem ...] + [mem ...] -> [mem ...]"). */
  log: string[];
  /** The level of the lines printed above KERN_INFO, by index in `log` (an overlap: pr_warn with itself, pr_err with another node). */
  levels: Map<number, KernLevel>;
}

/**
 * numa_cleanup_meminfo(): drop blocks without memory, trim to [0, max_pfn) (the
 * x86 one, up to 6.11) or, with `numaMemblks` (mm/numa_memblks.c, 6.12 on), to
 * [memblock_start_of_DRAM(), memblock_end_of_DRAM()), then join blocks of one
 * node when no other node's block lies in between.
 */
export function numaCleanupMeminfo(mb: Memblock, mi: NumaMeminfo, maxPfnPhys: number, numaMemblks = false): CleanupResult {
  const log: string[] = [];
  const levels = new Map<number, KernLevel>();
  const low = numaMemblks ? memblockStartOfDram(mb) : 0;
  const high = numaMemblks ? memblockEndOfDram(mb) : maxPfnPhys;
  for (let i = 0; i < mi.blks.length; i++) {
    const bi = mi.blks[i]!;
    if (!overlapsMemory(mb, bi.start, bi.end)) {
      mi.blks.splice(i--, 1); // kept by the kernel as numa_reserved_meminfo; no memory here
      continue;
    }
    bi.start = Math.max(bi.start, low);
    if (bi.end > high) bi.end = high;
    if (bi.start >= bi.end) mi.blks.splice(i--, 1);
  }
  for (let i = 0; i < mi.blks.length; i++) {
    const bi = mi.blks[i]!;
    for (let j = i + 1; j < mi.blks.length; j++) {
      const bj = mi.blks[j]!;
      if (bi.end > bj.start && bi.start < bj.end) {
        if (bi.nid !== bj.nid) {
          levels.set(log.length, 'err');
          log.push(
            `NUMA: node ${bi.nid} [mem ${hex010(bi.start)}-${hex010(bi.end - 1)}] overlaps with node ${bj.nid} [mem ${hex010(bj.start)}-${hex010(bj.end - 1)}]`,
          );
          return { ok: false, log, levels };
        }
        levels.set(log.length, 'warn');
        log.push(
          `NUMA: Warning: node ${bi.nid} [mem ${hex010(bi.start)}-${hex010(bi.end - 1)}] overlaps with itself [mem ${hex010(bj.start)}-${hex010(bj.end - 1)}]`,
        );
      }
      if (bi.nid !== bj.nid) continue;
      const start = Math.min(bi.start, bj.start);
      const end = Math.max(bi.end, bj.end);
      const blocked = mi.blks.some((bk) => bk.nid !== bi.nid && start < bk.end && end > bk.start);
      if (blocked) continue;
      log.push(
        `NUMA: Node ${bi.nid} [mem ${hex010(bi.start)}-${hex010(bi.end - 1)}] + ` +
          `[mem ${hex010(bj.start)}-${hex010(bj.end - 1)}] -> [mem ${hex010(start)}-${hex010(end - 1)}]`,
      );
      bi.start = start;
      bi.end = end;
      mi.blks.splice(j--, 1);
    }
  }
  return { ok: true, log, levels };
}

/** numa_init()'s first step: forget node ids on memblock (set again from the firmware tables). */
export function numaResetMemblockNodes(mb: Memblock): void {
  memblockSetNode(mb, 0, PHYS_ADDR_MAX, mb.memory, MAX_NUMNODES);
  memblockSetNode(mb, 0, PHYS_ADDR_MAX, mb.reserved, MAX_NUMNODES);
}

/**
 * numa_register_memblks() up to the node data: node ids on memory, then
 * numa_clear_kernel_node_hotplug() puts them on the reservations made so far.
 */
export function numaRegisterMemblks(mb: Memblock, mi: NumaMeminfo): void {
  for (const b of mi.blks) memblockSetNode(mb, b.start, b.end - b.start, mb.memory, b.nid);
  numaClearKernelNodeHotplug(mb, mi);
}

/** Pages of memory (memblock.memory, node `nid` or any with MAX_NUMNODES) in [startPfn, endPfn): what __absent_pages_in_range() leaves out. */
function presentPagesInRange(mb: Memblock, nid: number, startPfn: number, endPfn: number, pageSize: number): number {
  let n = 0;
  for (const r of memblockPfnRanges(mb, nid, pageSize)) n += Math.max(0, Math.min(r.end, endPfn) - Math.max(r.start, startPfn));
  return n;
}

/**
 * numa_meminfo_cover_memory(): after the node ids are set, the nodes' blocks must hold all RAM
 * below max_pfn but 1 MiB; else the firmware's NUMA description is not used (the caller falls
 * back to one node) and the kernel says how much the nodes covered.
 */
export function numaMeminfoCoverMemory(mb: Memblock, mi: NumaMeminfo, maxPfn: number, pageSize: number): { ok: boolean; log: string[] } {
  let numaram = 0;
  for (const b of mi.blks) {
    const s = Math.floor(b.start / pageSize);
    const e = Math.floor(b.end / pageSize);
    numaram += presentPagesInRange(mb, b.nid, s, e, pageSize);
  }
  const e820ram = presentPagesInRange(mb, MAX_NUMNODES, 0, maxPfn, pageSize);
  if (e820ram - numaram >= (1 << 20) / pageSize) {
    const mbytes = (pages: number) => Math.floor((pages * pageSize) / 2 ** 20);
    return { ok: false, log: [`NUMA: nodes only cover ${mbytes(numaram)}MB of your ${mbytes(e820ram)}MB e820 RAM. Not used.`] };
  }
  return { ok: true, log: [] };
}

/** numa_clear_kernel_node_hotplug(): nodes holding early reservations must not be hot-removable. */
export function numaClearKernelNodeHotplug(mb: Memblock, mi: NumaMeminfo): void {
  for (const b of mi.blks) memblockSetNode(mb, b.start, b.end - b.start, mb.reserved, b.nid);
  const kernelNodes = new Set<number>();
  for (const r of mb.reserved.regions) if (r.nid >= 0 && r.nid !== MAX_NUMNODES) kernelNodes.add(r.nid);
  for (const r of mb.memory.regions.slice()) {
    if (kernelNodes.has(r.nid) && r.flags & MEMBLOCK_HOTPLUG) memblockSetclrFlag(mb, r.base, r.size, false, MEMBLOCK_HOTPLUG);
  }
}

/** The node ranges after cleanup: one [start, end) per node, as for_each_node_mask sees them. */
export function numaNodeSpans(mi: NumaMeminfo): Map<number, { start: number; end: number }> {
  const spans = new Map<number, { start: number; end: number }>();
  for (const b of mi.blks) {
    const s = spans.get(b.nid);
    if (!s) spans.set(b.nid, { start: b.start, end: b.end });
    else {
      s.start = Math.min(s.start, b.start);
      s.end = Math.max(s.end, b.end);
    }
  }
  return new Map([...spans.entries()].sort((a, b) => a[0] - b[0]));
}

/** alloc_node_data(): pg_data_t for a node, node-local if possible; returns its address (0 on failure) and the log lines. */
export function allocNodeData(
  mb: Memblock,
  nid: number,
  ndSize: number,
  smpCacheBytes: number,
  pageSize: number,
  nidOfPfn: (pfn: number) => number,
): { addr: number; log: string[] } {
  const addr = memblockPhysAllocTryNid(mb, ndSize, smpCacheBytes, nid);
  if (!addr) return { addr, log: [`Cannot find ${ndSize} bytes in any node (initial node: ${nid})`] };
  const log = [`NODE_DATA(${nid}) allocated [mem ${hex010(addr)}-${hex010(addr + ndSize - 1)}]`];
  const tnid = nidOfPfn(Math.floor(addr / pageSize));
  if (tnid !== nid) log.push(`    NODE_DATA(${nid}) on node ${tnid}`);
  return { addr, log };
}
