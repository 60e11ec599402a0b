// mm/hugetlb.c: the hugepagesz=/hugepages=/default_hugepagesz= handlers,
// hstates, gigantic pages from memblock, hugetlb_init() (boot-time pages of the
// smaller sizes, gather_bootmem_prealloc() with HVO, report_hugepages()), and
// growing a pool after boot.
//
// 6.1 allocates a gigantic page as soon as its hugepages= is parsed (after
// zones exist). 6.15 and hvo-v7 collect the parameters early and allocate
// in hugetlb_bootmem_alloc() from setup_arch(), before sparse_init(), onto
// per-node lists; pages that turn out to span zones are given back.
import { memparse, pow2, stringGetSize2 } from '../util/units.js';
import { sscanfLu } from './params.js';
import {
  hugetlbFolioInitVmemmap,
  hugetlbVmemmapOptimize,
  hugetlbVmemmapOptimizableSize,
  hugetlbVmemmapRestore,
  hugetlbVmemmapSize,
  vmemmapReserveSize,
} from './hugetlb-vmemmap.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, memblockAllocExactNidRaw, memblockAllocTryNidRaw, memblockPhysFree, NUMA_NO_NODE } from './memblock.js';
import {
  adjustManagedPageCount,
  allocPagesNode,
  freedAlikeUpTo,
  freeReservedPages,
  freeRuntimePages,
  memoryNodes,
  nidOfPhys,
  zoneOfPfn,
} from './page-alloc.js';
import { vmemmapWrprotectHvo } from './sparse-vmemmap.js';
import {
  hugeBootPageAdd,
  hugeBootPageDel,
  hugeBootPages,
  hugetlbBootmemPageInOneZone,
  hugetlbBootmemPageZonesValid,
} from './hugetlb-bootmem.js';
import type { KernelState } from './state.js';
import { beginStep, printk } from './state.js';

/** MAX_ORDER (11): a huge page of this order or more is gigantic (allocated from memblock at boot). */
const MAX_ORDER = 11;

export interface Hstate {
  order: number;
  maxHugePages: number;
  maxHugePagesNode: Map<number, number>;
  /** Pages in the pool per node (all free: nothing runs). */
  nrHugePagesNode: Map<number, number>;
  nextNidToAlloc: number;
  nextNidToFree: number;
  /** What the command line asked before allocation (hvosim's record for the planner; the kernel overwrites max_huge_pages). */
  asked?: { total: number; perNode: Map<number, number> };
}

export interface HugePage {
  pfn: number;
  order: number;
  nid: number;
  zone: string;
  vmemmapOptimized: boolean;
  /** Gathered with HUGE_BOOTMEM_HVO (6.15, hvo-v7): hugetlb wrote only the struct pages of the head's vmemmap page. */
  bootHvo?: boolean;
  /** A surplus page: it could not be freed when the pool shrank. */
  surplus?: boolean;
}

/** struct huge_bootmem_page: a gigantic page taken from memblock, waiting for gather_bootmem_prealloc(). */
export interface HugeBootmemPage {
  addr: number;
  order: number;
  /** The node list it is on (6.15, hvo-v7: the node it really landed on). */
  nid: number;
  /** HUGE_BOOTMEM_HVO: its vmemmap is (to be) set up by hugetlb with HVO. */
  hvo: boolean;
  /** HUGE_BOOTMEM_ZONES_VALID: found to lie in one zone. */
  zonesValid: boolean;
}

export interface HugetlbState {
  hstates: Hstate[];
  defaultIdx: number;
  parsedHstate: number;
  parsedValidHugepagesz: boolean;
  parsedDefaultHugepagesz: boolean;
  defaultHstateMaxHugePages: number;
  defaultHugepagesInNode: Map<number, number>;
  /** Which counter the last hugepages= wrote ('default' or an hstate index). */
  lastMhp: string | null;
  /** huge_boot_pages, oldest first (hugeBootPages() gives the kernel's list order). */
  bootPages: HugeBootmemPage[];
  /** hugetlb_bootmem_allocated() (6.15, hvo-v7). */
  bootmemAllocated: boolean;
  /** hstate_boot_nrinvalid[]: boot pages found to span zones, by order. */
  nrInvalid: Map<number, number>;
  /** Every huge page in a pool. */
  pages: HugePage[];
  /** Changes so far to `pages` and `bootPages` (added, removed, a boot page's flags set): readers that derive data from them compare it. */
  gen: number;
  /** hugetlb_free_vmemmap= (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON is off in the Debian build). */
  vmemmapOptimizeEnabled: boolean;
}

export function createHugetlbState(): HugetlbState {
  return {
    hstates: [],
    defaultIdx: 0,
    parsedHstate: -1,
    parsedValidHugepagesz: true,
    parsedDefaultHugepagesz: false,
    defaultHstateMaxHugePages: 0,
    defaultHugepagesInNode: new Map(),
    lastMhp: null,
    bootPages: [],
    bootmemAllocated: false,
    nrInvalid: new Map(),
    pages: [],
    gen: 0,
    vmemmapOptimizeEnabled: false,
  };
}

export function hstateSize(s: KernelState, h: Hstate): number {
  return pow2(h.order) * s.arch.pageSize;
}

/** hstate->name: "hugepages-1048576kB". */
export function hstateName(s: KernelState, h: Hstate): string {
  return `hugepages-${hstateSize(s, h) / 1024}kB`;
}

/** hstate_is_gigantic() */
export function hstateIsGigantic(h: Hstate): boolean {
  return h.order >= MAX_ORDER;
}

const onlineCache = new WeakMap<Map<number, number>, number[]>();

/** Online nodes (node_states[N_ONLINE]): those numa_init() gave a pg_data_t, ascending. */
function onlineNodes(s: KernelState): number[] {
  let v = onlineCache.get(s.nodeData);
  if (!v || v.length !== s.nodeData.size) {
    v = [...s.nodeData.keys()].sort((a, b) => a - b);
    onlineCache.set(s.nodeData, v);
  }
  return v;
}

/** The nodes round robin allocation walks: N_MEMORY in 6.1, N_ONLINE for the early allocation of 6.15 and hvo-v7. */
function allocNodes(s: KernelState): number[] {
  return s.kernel.bootmemExactNid ? onlineNodes(s) : memoryNodes(s);
}

function sizeToHstate(s: KernelState, size: number): number {
  return s.hugetlb.hstates.findIndex((h) => hstateSize(s, h) === size);
}

/** arch_hugetlb_valid_size() on x86: 2 MiB always, 1 GiB with the CPU's gbpages. */
function archHugetlbValidSize(s: KernelState, size: number): boolean {
  return s.arch.hugePageSizes.some((p) => p.size === size && (p.needs === null || s.machine.cpu.features.includes(p.needs)));
}

/** boot_cpu_has(X86_FEATURE_GBPAGES): the CPU maps 1 GiB pages. */
export function cpuHasGbpages(s: KernelState): boolean {
  const giga = s.arch.hugePageSizes.find((p) => p.needs !== null);
  return !!giga && s.machine.cpu.features.includes(giga.needs!);
}

/** The order of a huge page size (ilog2(size) - PAGE_SHIFT). */
function hugePageOrder(s: KernelState, size: number): number {
  return Math.log2(size) - s.arch.pageShift;
}

/** hugetlb_add_hstate() */
function hugetlbAddHstate(s: KernelState, order: number): void {
  const ht = s.hugetlb;
  if (sizeToHstate(s, pow2(order) * s.arch.pageSize) >= 0) return;
  ht.hstates.push({
    order,
    maxHugePages: 0,
    maxHugePagesNode: new Map(),
    nrHugePagesNode: new Map(),
    nextNidToAlloc: allocNodes(s)[0] ?? 0,
    nextNidToFree: allocNodes(s)[0] ?? 0,
  });
  ht.parsedHstate = ht.hstates.length - 1;
}

/** The next node of a round robin over `nodes` (ascending), starting at `cursor` (or the node after it); the cursor moves on. */
function roundRobin(nodes: number[], cursor: number): { nid: number; next: number } {
  let i = nodes.indexOf(cursor);
  if (i < 0) {
    // The first node after the cursor, wrapping round.
    i = 0;
    while (i < nodes.length && nodes[i]! <= cursor) i++;
    if (i === nodes.length) i = 0;
  }
  return { nid: nodes[i]!, next: nodes[i + 1] ?? nodes[0]! };
}

/** hstate_next_node_to_alloc(): round robin over `nodes`, with the hstate's cursor or one a caller keeps of its own. */
function hstateNextNodeToAlloc(cursor: { nextNidToAlloc: number }, nodes: number[]): number {
  const r = roundRobin(nodes, cursor.nextNidToAlloc);
  cursor.nextNidToAlloc = r.next;
  return r.nid;
}

/** hstate_next_node_to_free(): the same round robin, for shrinking a pool. */
function hstateNextNodeToFree(h: Hstate, nodes: number[]): number {
  const r = roundRobin(nodes, h.nextNidToFree);
  h.nextNidToFree = r.next;
  return r.nid;
}

/** prep_new_huge_page(): HVO first (when enabled), then the page joins its node's pool. */
function prepNewHugePage(s: KernelState, h: Hstate, pfn: number): void {
  const nid = nidOfPhys(s, pfn * s.arch.pageSize);
  enqueueHugePage(s, h, pfn, nid, hugetlbVmemmapOptimize(s, h.order, pfn, nid));
}

/** __prep_account_new_huge_page() + enqueue_hugetlb_folio(): the page joins its node's pool. */
function enqueueHugePage(s: KernelState, h: Hstate, pfn: number, nid: number, vmemmapOptimized: boolean, bootHvo = false): void {
  s.hugetlb.pages.push({ pfn, order: h.order, nid, zone: zoneOfPfn(s, pfn)?.name ?? '?', vmemmapOptimized, bootHvo });
  s.hugetlb.gen++;
  h.nrHugePagesNode.set(nid, (h.nrHugePagesNode.get(nid) ?? 0) + 1);
}

/** alloc_fresh_huge_page() on one node (__GFP_THISNODE), for a non-gigantic size: htlb_alloc_mask() allows ZONE_MOVABLE (hugepage_movable_supported()). */
function allocFreshHugePage(s: KernelState, h: Hstate, nid: number): boolean {
  const pfn = allocPagesNode(s, nid, h.order, true, true);
  if (pfn === null) return false;
  prepNewHugePage(s, h, pfn);
  return true;
}

/**
 * __alloc_bootmem_huge_page(): one gigantic page from memblock, on `nid` or
 * (NUMA_NO_NODE) the next node in turn, memblock falling back to any node.
 * 6.15 and hvo-v7 ask a named node exactly (memblock_alloc_exact_nid_raw) and
 * list the page under the node it really landed on.
 */
function allocBootmemHugePage(s: KernelState, h: Hstate, nid: number): boolean {
  const size = hstateSize(s, h);
  const exact = nid !== NUMA_NO_NODE && s.kernel.bootmemExactNid;
  let node = nid;
  if (nid === NUMA_NO_NODE) {
    const nodes = allocNodes(s);
    if (!nodes.length) return false;
    node = hstateNextNodeToAlloc(h, nodes);
  }
  const alloc = exact ? memblockAllocExactNidRaw : memblockAllocTryNidRaw;
  const addr = alloc(s.memblock, size, size, 0, MEMBLOCK_ALLOC_ACCESSIBLE, node, '__alloc_bootmem_huge_page');
  if (!addr) return false;
  const listNode = !s.kernel.bootmemExactNid || exact ? node : nidOfPhys(s, addr);
  // 7.3 (the zones exist): a page in one zone is flagged HUGE_BOOTMEM_ZONES_VALID now; the others wait for hugetlb_free_cross_zone_pages().
  const zonesValid =
    s.kernel.crossZoneFreeAtAlloc &&
    hugetlbBootmemPageInOneZone(s, listNode, { addr, order: h.order, nid: listNode, hvo: false, zonesValid: false });
  hugeBootPageAdd(s, { addr, order: h.order, nid: listNode, hvo: false, zonesValid });
  return true;
}

/** alloc_pool_huge_page() for a non-gigantic size: the next node in turn that has room; `cursor` is the hstate's own unless the caller keeps one. */
function allocPoolHugePage(s: KernelState, h: Hstate, cursor: { nextNidToAlloc: number } = h): boolean {
  const nodes = memoryNodes(s);
  for (let tries = nodes.length; tries > 0; tries--) if (allocFreshHugePage(s, h, hstateNextNodeToAlloc(cursor, nodes))) return true;
  return false;
}

/** The machines hvosim boots have one CPU (QEMU -smp 1): num_possible_cpus() and the default hugepage_allocation_threads. */
const NR_POSSIBLE_CPUS = 1;

/** hugetlb_pages_alloc_boot_node(): `num` pages round robin from the first online node, stopping at the first failure; returns how many it got. */
function hugetlbPagesAllocBootNode(s: KernelState, h: Hstate, num: number): number {
  const cursor = { nextNidToAlloc: onlineNodes(s)[0] ?? 0 };
  let i = 0;
  while (i < num && allocPoolHugePage(s, h, cursor)) i++;
  return i;
}

/**
 * hugetlb_pages_alloc_boot() (6.12 on): the boot's non-gigantic pages, with a
 * cursor of the boot's own. With 'padata' the job goes through
 * padata_do_multithreaded(): a single call when one thread is enough, else
 * chunks of max(size / (nworks * 4), min_chunk, 1) pages, each a call of its
 * own (the helpers run them one after another on one CPU; the counts per node
 * do not depend on the order). Returns the pages allocated.
 */
function hugetlbPagesAllocBoot(s: KernelState, h: Hstate): number {
  const size = h.maxHugePages;
  if (s.kernel.bootPoolChunks === 'one-pass') return hugetlbPagesAllocBootNode(s, h, size);
  const nrMemory = Math.max(memoryNodes(s).length, 1);
  const minChunk = Math.floor(Math.floor(size / nrMemory) / 2);
  const maxThreads = nrMemory * 2;
  // padata_do_multithreaded()
  const wanted = Math.min(Math.max(Math.floor(size / Math.max(minChunk, 1)), 1), maxThreads);
  if (wanted === 1) return hugetlbPagesAllocBootNode(s, h, size);
  // padata_work_alloc_mt(): the calling task plus one work per possible CPU at most.
  const nworks = Math.min(wanted, NR_POSSIBLE_CPUS + 1);
  const chunk = Math.max(Math.floor(size / (nworks * 4)), minChunk, 1);
  let got = 0;
  for (let start = 0; start < size; start += chunk) got += hugetlbPagesAllocBootNode(s, h, Math.min(chunk, size - start));
  return got;
}

/** hugetlb_hstate_alloc_pages_onenode(): the per-node form of hugepages=. */
function hugetlbHstateAllocPagesOnenode(s: KernelState, h: Hstate, nid: number): void {
  const want = h.maxHugePagesNode.get(nid) ?? 0;
  let i = 0;
  for (; i < want; i++) {
    const ok = hstateIsGigantic(h) ? allocBootmemHugePage(s, h, nid) : allocFreshHugePage(s, h, nid);
    if (!ok) break;
  }
  i -= hugetlbFreeCrossZonePages(s, h, nid);
  if (i === want) return;
  printk(
    s,
    `HugeTLB: allocating ${want} of page size ${stringGetSize2(hstateSize(s, h))} failed node${nid}.  Only allocated ${i} hugepages.`,
  );
  h.maxHugePages -= want - i;
  h.maxHugePagesNode.set(nid, i);
}

/**
 * hugetlb_free_cross_zone_pages() (7.3, the zones set up already): the boot
 * pages of `h` on node `nid` that span two zones go back to memblock, with one
 * line if there were any. Returns how many.
 */
function hugetlbFreeCrossZonePages(s: KernelState, h: Hstate, nid: number): number {
  if (!s.kernel.crossZoneFreeAtAlloc || !hstateIsGigantic(h)) return 0;
  const size = hstateSize(s, h);
  let n = 0;
  // alloc_bootmem_huge_page() put the cross-zone pages at the front of the node's list, newest first.
  for (const m of hugeBootPages(s, nid)) {
    if (m.order !== h.order || m.zonesValid) continue;
    hugeBootPageDel(s, m);
    memblockPhysFree(s.memblock, m.addr, size, 'hugetlb_free_cross_zone_pages');
    n++;
  }
  if (n) printk(s, `HugeTLB: freed ${n} cross-zone hugepages of size ${stringGetSize2(size)} on node ${nid}.`);
  return n;
}

/**
 * hugetlb_pages_alloc_boot()'s closing line (6.16 on). The kernel prints the jiffies the allocation
 * took; hvosim has no clock and prints 0 (replay compares the line with the number left out). The
 * threads are max(num_online_cpus() / 4, 1): 1 for the one CPU hvosim boots (hugepage_alloc_threads=
 * is not modelled).
 */
function hugetlbAllocTook(s: KernelState): void {
  printk(s, 'HugeTLB: allocation took 0ms with hugepage_allocation_threads=1');
}

/** hugetlb_hstate_alloc_pages(): per node if any node was named, else spread over the nodes. */
function hugetlbHstateAllocPages(s: KernelState, h: Hstate): void {
  if (!h.maxHugePages) {
    // 6.16 had no early return: an empty pool without per-node counts still went through hugetlb_pages_alloc_boot().
    if (
      s.kernel.hugetlbAllocTookLine === 'every-small-pool' &&
      !hstateIsGigantic(h) &&
      ![...h.maxHugePagesNode.values()].some((n) => n > 0)
    )
      hugetlbAllocTook(s);
    return;
  }
  h.asked = { total: h.maxHugePages, perNode: new Map(h.maxHugePagesNode) };
  let nodeSpecific = false;
  for (const nid of [...h.maxHugePagesNode.keys()].sort((a, b) => a - b)) {
    if ((h.maxHugePagesNode.get(nid) ?? 0) > 0) {
      hugetlbHstateAllocPagesOnenode(s, h, nid);
      nodeSpecific = true;
    }
  }
  if (nodeSpecific) return;
  let i = 0;
  if (!hstateIsGigantic(h) && s.kernel.poolGrowFromNode0) i = hugetlbPagesAllocBoot(s, h);
  else {
    for (; i < h.maxHugePages; i++) {
      const ok = hstateIsGigantic(h) ? allocBootmemHugePage(s, h, NUMA_NO_NODE) : allocPoolHugePage(s, h);
      if (!ok) break;
    }
  }
  // hugetlb_gigantic_pages_alloc_boot(): for_each_node()
  for (const nid of onlineNodes(s)) i -= hugetlbFreeCrossZonePages(s, h, nid);
  if (!hstateIsGigantic(h) && s.kernel.hugetlbAllocTookLine !== 'none') hugetlbAllocTook(s);
  if (i < h.maxHugePages) {
    printk(
      s,
      `HugeTLB: allocating ${h.maxHugePages} of page size ${stringGetSize2(hstateSize(s, h))} failed.  Only allocated ${i} hugepages.`,
    );
    h.maxHugePages = i;
  }
}

/** hugepages_clear_pages_in_node() */
function hugepagesClearPagesInNode(s: KernelState): void {
  const ht = s.hugetlb;
  if (!ht.hstates.length) {
    ht.defaultHstateMaxHugePages = 0;
    ht.defaultHugepagesInNode.clear();
  } else {
    const h = ht.hstates[ht.parsedHstate]!;
    h.maxHugePages = 0;
    h.maxHugePagesNode.clear();
  }
}

/** hugepages_setup(): "N" or "node:N,node:N,...". */
function hugepagesSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  if (!ht.parsedValidHugepagesz) {
    printk(s, `HugeTLB: hugepages=${v} does not follow a valid hugepagesz, ignoring`);
    ht.parsedValidHugepagesz = true;
    return;
  }
  const mhp = ht.hstates.length ? String(ht.parsedHstate) : 'default';
  if (mhp === ht.lastMhp) {
    printk(s, `HugeTLB: hugepages= specified twice without interleaving hugepagesz=, ignoring hugepages=${v}`);
    return;
  }
  const h = ht.hstates.length ? ht.hstates[ht.parsedHstate]! : null;
  const add = (n: number) => (h ? (h.maxHugePages += n) : (ht.defaultHstateMaxHugePages += n));
  const set = (n: number) => (h ? (h.maxHugePages = n) : (ht.defaultHstateMaxHugePages = n));
  const online = new Set(onlineNodes(s));
  let p = v;
  const invalid = () => {
    printk(s, `HugeTLB: Invalid hugepages parameter ${p}`);
    hugepagesClearPagesInNode(s);
  };
  while (p) {
    const m = sscanfLu(p);
    if (!m) return invalid();
    const tmp = m.value;
    const count = m.count;
    if (p[count] === ':') {
      if (tmp >= 1024 || !online.has(tmp)) return invalid();
      const node = tmp;
      p = p.slice(count + 1);
      const m2 = sscanfLu(p);
      if (!m2) return invalid();
      const n = m2.value;
      if (h) h.maxHugePagesNode.set(node, n);
      else ht.defaultHugepagesInNode.set(node, n);
      add(n);
      if (p[m2.count] === ',') p = p.slice(m2.count + 1);
      else break;
    } else {
      if (p !== v) return invalid();
      set(tmp);
      break;
    }
  }
  if (h && hstateIsGigantic(h) && s.kernel.bootmemAlloc === 'parse-args') hugetlbHstateAllocPages(s, h);
  ht.lastMhp = mhp;
}

/** hugepagesz_setup() */
function hugepageszSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  ht.parsedValidHugepagesz = false;
  const size = memparse(v).value;
  if (!archHugetlbValidSize(s, size)) {
    printk(s, `HugeTLB: unsupported hugepagesz=${v}`);
    return;
  }
  const idx = sizeToHstate(s, size);
  if (idx >= 0) {
    if (!ht.parsedDefaultHugepagesz || idx !== ht.defaultIdx || ht.hstates[ht.defaultIdx]!.maxHugePages) {
      printk(s, `HugeTLB: hugepagesz=${v} specified twice, ignoring`);
      return;
    }
    ht.parsedHstate = idx;
    ht.parsedValidHugepagesz = true;
    return;
  }
  hugetlbAddHstate(s, hugePageOrder(s, size));
  ht.parsedValidHugepagesz = true;
}

/** default_hugepagesz_setup() */
function defaultHugepageszSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  ht.parsedValidHugepagesz = false;
  if (ht.parsedDefaultHugepagesz) {
    printk(s, `HugeTLB: default_hugepagesz previously specified, ignoring ${v}`);
    return;
  }
  const size = memparse(v).value;
  if (!archHugetlbValidSize(s, size)) {
    printk(s, `HugeTLB: unsupported default_hugepagesz=${v}`);
    return;
  }
  hugetlbAddHstate(s, hugePageOrder(s, size));
  ht.parsedValidHugepagesz = true;
  ht.parsedDefaultHugepagesz = true;
  ht.defaultIdx = sizeToHstate(s, size);
  if (ht.defaultHstateMaxHugePages) {
    const h = ht.hstates[ht.defaultIdx]!;
    h.maxHugePages = ht.defaultHstateMaxHugePages;
    h.maxHugePagesNode = new Map(ht.defaultHugepagesInNode);
    if (hstateIsGigantic(h) && s.kernel.bootmemAlloc === 'parse-args') hugetlbHstateAllocPages(s, h);
    ht.defaultHstateMaxHugePages = 0;
  }
}

/** kstrtobool() */
function kstrtobool(v: string): boolean | null {
  const c = v[0];
  if (c && 'yYtT1'.includes(c)) return true;
  if (c && 'nNfF0'.includes(c)) return false;
  if (c === 'o' || c === 'O') {
    if (v[1] === 'n' || v[1] === 'N') return true;
    if (v[1] === 'f' || v[1] === 'F') return false;
  }
  return null;
}

/** The handlers parse_args() calls for the hugetlb parameters, in command-line order. */
export function hugetlbParseArgs(s: KernelState): void {
  beginStep(s, 'hugetlb_setup (parse_args)');
  let kept = 0;
  for (const w of s.cmdline) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    const val = eq < 0 ? undefined : w.slice(eq + 1);
    if (name === 'hugetlb_free_vmemmap') {
      // core_param(bool): no value means on.
      const b = kstrtobool(val ?? '1');
      if (b !== null) s.hugetlb.vmemmapOptimizeEnabled = b;
      // A core_param in 6.1, an early_param (whose handler fails on a bad bool) in 6.15 and hvo-v7.
      else if (s.kernel.hugetlbFreeVmemmapParam === 'core-param')
        printk(s, `Booting kernel: \`${val}' invalid for parameter \`hugetlb_free_vmemmap'`);
      else printk(s, `Malformed early option 'hugetlb_free_vmemmap'`);
      continue;
    }
    if (val === undefined) continue;
    if (s.kernel.hugetlbParamSlots && (name === 'hugepages' || name === 'hugepagesz' || name === 'default_hugepagesz')) {
      // hugetlb_add_param(): parse_early_param() keeps at most HUGE_MAX_CMDLINE_ARGS of them (2 * HUGE_MAX_HSTATE + 1,
      // HUGE_MAX_HSTATE being x86's two sizes); a later one fails and parse_early_param() says so.
      if (++kept > 2 * s.arch.hugePageSizes.length + 1) {
        printk(s, `Malformed early option '${name}'`);
        continue;
      }
    }
    if (name === 'hugepages') hugepagesSetup(s, val);
    else if (name === 'hugepagesz') hugepageszSetup(s, val);
    else if (name === 'default_hugepagesz') defaultHugepageszSetup(s, val);
  }
}

/**
 * hugetlb_bootmem_alloc() (6.15, hvo-v7): parse the hugetlb parameters
 * collected by parse_early_param(), then take every gigantic hstate's pages
 * from memblock. Called from setup_arch() before sparse_init() when the CPU
 * has 1 GiB pages, else from mm_core_init(); runs once.
 */
export function hugetlbBootmemAlloc(s: KernelState): void {
  const ht = s.hugetlb;
  if (ht.bootmemAllocated) return;
  hugetlbParseArgs(s);
  beginStep(s, 'hugetlb_bootmem_alloc');
  const first = onlineNodes(s)[0] ?? 0;
  for (const h of ht.hstates) {
    h.nextNidToAlloc = first;
    h.nextNidToFree = first;
    if (hstateIsGigantic(h)) hugetlbHstateAllocPages(s, h);
  }
  ht.bootmemAllocated = true;
}

/** gigantic_pages_init() (arch_initcall on x86): the 1 GiB hstate exists whenever the CPU can map it. */
export function giganticPagesInit(s: KernelState): void {
  const giga = s.arch.hugePageSizes.find((p) => p.needs !== null);
  if (giga && archHugetlbValidSize(s, giga.size)) hugetlbAddHstate(s, hugePageOrder(s, giga.size));
}

/** gather_bootmem_prealloc(): gigantic pages join their pool (managed again), with HVO when enabled. */
function gatherBootmemPrealloc(s: KernelState): void {
  if (s.kernel.gather === 'per-node') {
    for (const nid of memoryNodes(s)) gatherBootmemPreallocNode(s, nid);
    return;
  }
  for (const m of hugeBootPages(s)) {
    const h = s.hugetlb.hstates.find((x) => x.order === m.order)!;
    const pfn = m.addr / s.arch.pageSize;
    prepNewHugePage(s, h, pfn);
    adjustManagedPageCount(s, pfn, pow2(h.order));
  }
}

/**
 * gather_bootmem_prealloc_node() (6.15, hvo-v7): a page spanning zones is
 * freed page by page; the others get their head struct pages written,
 * become folios (flagged vmemmap-optimized when hugetlb set up their HVO
 * mapping) and, in prep_and_add_bootmem_folios(), have the HVO tails
 * write-protected or, without pre-HVO, their vmemmap optimized now.
 */
function gatherBootmemPreallocNode(s: KernelState, nid: number): void {
  const ht = s.hugetlb;
  const ps = s.arch.pageSize;
  for (const m of hugeBootPages(s, nid)) {
    const h = ht.hstates.find((x) => x.order === m.order)!;
    const pfn = m.addr / ps;
    const n = pow2(m.order);
    if (!hugetlbBootmemPageZonesValid(s, nid, m)) {
      // hugetlb_bootmem_free_invalid_page(): page by page, each to its own zone (the page spans two; 6.16's and
      // 7.1's n12 and n24 give the part cut by movablecore= back to Normal and Movable each).
      hugeBootPageDel(s, m);
      for (let p = pfn; p < pfn + n; ) {
        const next = Math.min(pfn + n, freedAlikeUpTo(s, p));
        freeReservedPages(s, p, next - p);
        p = next;
      }
      continue;
    }
    hugetlbFolioInitVmemmap(s, pfn);
    adjustManagedPageCount(s, pfn, n);
    const pageNid = nidOfPhys(s, m.addr);
    if (m.hvo) {
      // hugetlb_vmemmap_optimize_bootmem_folios(): before the fix the end is start + pages_per_huge_page(h),
      // a page count added to a vmemmap address, so only the first 256 KiB of the folio's vmemmap is covered.
      const start = pfn * s.arch.structPageSize;
      const size = hugetlbVmemmapSize(s, m.order);
      vmemmapWrprotectHvo(
        s,
        start,
        s.kernel.hvoWrprotectEnd === 'page-count' ? Math.min(start + n, start + size) : start + size,
        vmemmapReserveSize(s),
      );
      enqueueHugePage(s, h, pfn, pageNid, true, true);
    } else {
      enqueueHugePage(s, h, pfn, pageNid, hugetlbVmemmapOptimize(s, m.order, pfn, pageNid));
    }
  }
}

/** hugetlb_init() (subsys_initcall). */
export function hugetlbInit(s: KernelState): void {
  beginStep(s, 'hugetlb_init');
  const ht = s.hugetlb;
  const hpage = s.arch.hugePageSizes.find((p) => p.needs === null)!.size;
  hugetlbAddHstate(s, hugePageOrder(s, hpage));
  if (!ht.parsedDefaultHugepagesz) {
    ht.defaultIdx = sizeToHstate(s, hpage);
    const h = ht.hstates[ht.defaultIdx]!;
    if (ht.defaultHstateMaxHugePages) {
      if (h.maxHugePages) {
        const buf = stringGetSize2(hstateSize(s, h));
        printk(s, `HugeTLB: Ignoring hugepages=${h.maxHugePages} associated with ${buf} page size`);
        printk(s, `HugeTLB: Using hugepages=${ht.defaultHstateMaxHugePages} for number of default huge pages`);
      }
      h.maxHugePages = ht.defaultHstateMaxHugePages;
      h.maxHugePagesNode = new Map(ht.defaultHugepagesInNode);
    }
  }
  // hugetlb_init_hstates(): the sizes below gigantic are allocated now, from the page allocator.
  for (const h of ht.hstates) if (!hstateIsGigantic(h)) hugetlbHstateAllocPages(s, h);
  gatherBootmemPrealloc(s);
  // report_hugepages()
  for (const h of ht.hstates) {
    const buf = stringGetSize2(hstateSize(s, h));
    const nrInvalid = ht.nrInvalid.get(h.order) ?? 0;
    h.maxHugePages -= nrInvalid;
    printk(s, `HugeTLB: registered ${buf} page size, pre-allocated ${hstateNrHugePages(h)} pages`);
    if (nrInvalid) printk(s, `HugeTLB: ${buf} page size: ${nrInvalid} invalid page${nrInvalid > 1 ? 's' : ''} discarded`);
    printk(s, `HugeTLB: ${hugetlbVmemmapOptimizableSize(s, h.order) / 1024} KiB vmemmap can be freed for a ${buf} page`);
  }
}

/** Surplus pages of the hstate (pages that could not be freed when the pool shrank). */
function hstateSurplus(s: KernelState, h: Hstate): number {
  let n = 0;
  for (const p of s.hugetlb.pages) if (p.surplus && p.order === h.order) n++;
  return n;
}

export function hstateNrHugePages(h: Hstate): number {
  return [...h.nrHugePagesNode.values()].reduce((a, b) => a + b, 0);
}

/**
 * remove_pool_huge_page(): the page most recently queued on the next node in
 * turn that has one leaves the pool. `queued`: the pool's pages of this size
 * by node, in the order they were queued (the caller takes them out of
 * s.hugetlb.pages, all at once).
 */
function removePoolHugePage(s: KernelState, h: Hstate, queued: Map<number, HugePage[]>): HugePage | null {
  const nodes = memoryNodes(s);
  for (let tries = nodes.length; tries > 0; tries--) {
    const nid = hstateNextNodeToFree(h, nodes);
    if (!(h.nrHugePagesNode.get(nid) ?? 0)) continue;
    const f = queued.get(nid)?.pop();
    if (!f) continue;
    h.nrHugePagesNode.set(nid, h.nrHugePagesNode.get(nid)! - 1);
    return f;
  }
  return null;
}

/**
 * update_and_free_hugetlb_folio(): the page's vmemmap gets its own pages back
 * (HVO undone), then the page goes to the allocator; if the vmemmap pages
 * cannot be had, the page goes back to the pool as a surplus page.
 */
function updateAndFreeHugePage(s: KernelState, h: Hstate, f: HugePage): void {
  if (f.vmemmapOptimized && !hugetlbVmemmapRestore(s, f.order, f.pfn, f.nid)) {
    s.hugetlb.pages.push({ ...f, surplus: true });
    s.hugetlb.gen++;
    h.nrHugePagesNode.set(f.nid, (h.nrHugePagesNode.get(f.nid) ?? 0) + 1);
    return;
  }
  freeRuntimePages(s, f.pfn, pow2(f.order));
}

/**
 * Writing N to /proc/sys/vm/nr_hugepages(_mempolicy): set_max_huge_pages() on
 * the default size: the pool grows round robin over the nodes, or shrinks
 * round robin from the next node to free. Growing a gigantic pool would need
 * alloc_contig_pages(): not modelled.
 */
export function setMaxHugePages(s: KernelState, count: number): { ok: boolean; reason?: string } {
  beginStep(s, 'set_max_huge_pages');
  const h = s.hugetlb.hstates[s.hugetlb.defaultIdx];
  if (!h) return { ok: false, reason: 'no default huge page size' };
  // Shrinking: the pages leave the pool first, then are freed one by one (update_and_free_pages_bulk()).
  const leaving: HugePage[] = [];
  // Surplus pages only appear once the leaving pages are freed, so their count holds through this loop.
  const surplus = hstateSurplus(s, h);
  const pages = s.hugetlb.pages;
  const queued = new Map<number, HugePage[]>();
  for (const p of pages) {
    if (p.order !== h.order) continue;
    const q = queued.get(p.nid);
    if (q) q.push(p);
    else queued.set(p.nid, [p]);
  }
  while (hstateNrHugePages(h) - surplus > count) {
    const f = removePoolHugePage(s, h, queued);
    if (!f) break;
    leaving.push(f);
  }
  if (leaving.length) {
    // Out of the pool in one pass, the others keeping their order.
    const gone = new Set(leaving);
    let w = 0;
    for (const p of pages) if (!gone.has(p)) pages[w++] = p;
    pages.length = w;
    s.hugetlb.gen++;
  }
  for (const f of leaving) updateAndFreeHugePage(s, h, f);
  if (hstateNrHugePages(h) < count && hstateIsGigantic(h))
    return { ok: false, reason: 'growing a gigantic pool at run time (alloc_contig_pages) is not modelled' };
  while (hstateNrHugePages(h) < count) if (!allocPoolHugePage(s, h)) break;
  h.maxHugePages = hstateNrHugePages(h) - hstateSurplus(s, h);
  return { ok: true };
}
