// mm/page_alloc.c (6.1) and arch/x86/mm/init.c: zone limits, kernelcore= and
// movablecore=, the size of every zone of every node, and the holes memmap_init() reports.
//
// Zones are kept as plain numbers per node and zone (start, spanned, present,
// managed); nothing here is per page.
import { hex018 } from '../util/format.js';
import { memparse } from '../util/units.js';
import { memblockPfnRanges, memblockStartOfDram } from './memblock.js';
import { MAX_NUMNODES, MEMBLOCK_HOTPLUG, MEMBLOCK_MIRROR, MEMBLOCK_NONE, NUMA_NO_NODE } from './memblock-flags.js';
import { roundUp } from './memblock-regions.js';
import { clamp, forEachFreeMemRange } from './memblock-search.js';
import { dmaZones, zoneNames } from './mmzone.js';
import type { KernelState } from './state.js';
import { beginStep, kernelPanic, printk, prWarn } from './state.js';
import { firstUnmappedStructPage } from './sparse-vmemmap.js';
import { sparseVmemmapInitNidLate } from './sparse-vmemmap-init.js';
import { sectionPresent, subsectionMapInit } from './sparse.js';
import { structPageAddress } from './page.js';

/** MAX_ORDER_NR_PAGES (MAX_ORDER 11): ZONE_MOVABLE starts on a 4 MiB boundary. */
const MAX_ORDER_NR_PAGES = 1024;
/** pageblock_nr_pages: the granule memmap_init() checks holes in. */
const PAGEBLOCK_NR_PAGES = 512;

export interface Zone {
  nid: number;
  /** Index in the node's zone array (ZONE_DMA = 0, ...). */
  idx: number;
  name: string;
  startPfn: number;
  spanned: number;
  present: number;
  /** Pages the buddy allocator manages (set by the page allocator model). */
  managed: number;
  /** zone->vmemmap_tails[] (hvo-v7): the shared tail page per folio order, physical address. */
  vmemmapTails: Map<number, number>;
}

/** The command-line knobs of find_zone_movable_pfns_for_nodes(). */
export interface CoreParams {
  requiredKernelcore: number;
  requiredKernelcorePercent: number;
  requiredMovablecore: number;
  requiredMovablecorePercent: number;
  mirroredKernelcore: boolean;
  movableNode: boolean;
}

export interface ZoneLayout {
  /** Zone names by index: the DMA zones, Normal, Movable, Device. */
  names: string[];
  movableIdx: number;
  /** arch_zone_lowest/highest_possible_pfn per zone index. */
  lowest: number[];
  highest: number[];
  /** Per node: the PFN ZONE_MOVABLE starts at (0: none). */
  zoneMovablePfn: Map<number, number>;
  /** Node PFN spans (get_pfn_range_for_nid). */
  nodeSpan: Map<number, { start: number; end: number }>;
  zones: Zone[];
  /** nr_kernel_pages (= nr_all_pages without highmem), what alloc_large_system_hash() sizes its tables from; set by calcNrKernelPages(). */
  nrKernelPages?: number;
}

/** cmdline_parse_core(): a size, or a percentage with '%'; null when the value is missing. */
function cmdlineParseCore(v: string | undefined, pageSize: number): { pages: number; percent: number } | null {
  if (v === undefined || v === '') return null;
  const pct = /^(0x[0-9a-f]+|\d+)%/i.exec(v);
  if (pct) return { pages: 0, percent: Number(pct[1]) };
  return { pages: Math.floor(memparse(v).value / pageSize), percent: 0 };
}

/** early_param("kernelcore"/"movablecore"/"movable_node"): every occurrence is applied in order; the last wins. */
export function parseCoreParams(s: KernelState): CoreParams {
  const p: CoreParams = {
    requiredKernelcore: 0,
    requiredKernelcorePercent: 0,
    requiredMovablecore: 0,
    requiredMovablecorePercent: 0,
    mirroredKernelcore: false,
    movableNode: false,
  };
  for (const w of s.cmdline) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    const val = eq < 0 ? undefined : w.slice(eq + 1);
    if (name === 'movable_node') p.movableNode = true;
    if (name !== 'kernelcore' && name !== 'movablecore') continue;
    if (name === 'kernelcore' && val !== undefined && val.split(',').includes('mirror')) {
      p.mirroredKernelcore = true;
      continue;
    }
    const c = cmdlineParseCore(val, s.arch.pageSize);
    if (!c) {
      prWarn(s, `Malformed early option '${name}'`);
      continue;
    }
    if (c.percent > 100) prWarn(s, `WARNING: ${name}=${val}: a percentage above 100`);
    if (name === 'kernelcore') {
      p.requiredKernelcore = c.pages;
      p.requiredKernelcorePercent = c.percent;
    } else {
      p.requiredMovablecore = c.pages;
      p.requiredMovablecorePercent = c.percent;
    }
  }
  return p;
}

/** zone_sizes_init() on x86_64: the highest PFN of each zone below ZONE_MOVABLE. */
export function zoneSizesInitMaxPfns(s: KernelState): number[] {
  const names = zoneNames(s);
  const max = names.map(() => 0);
  dmaZones(s).forEach((z, i) => (max[i] = Math.min(z.maxPhys / s.arch.pageSize, s.maxLowPfn)));
  max[names.indexOf('Normal')] = s.maxLowPfn;
  return max;
}

/** get_pfn_range_for_nid() */
function pfnRangeForNid(s: KernelState, nid: number): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const r of memblockPfnRanges(s.memblock, nid)) {
    start = Math.min(start, r.start);
    end = Math.max(end, r.end);
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

/** find_usable_zone_for_movable(): the highest populated zone below ZONE_MOVABLE. */
function findUsableZoneForMovable(lay: ZoneLayout): number {
  for (let i = lay.names.length - 1; i >= 0; i--) {
    if (i === lay.movableIdx) continue;
    if (lay.highest[i]! > lay.lowest[i]!) return i;
  }
  return 0;
}

/** find_zone_movable_pfns_for_nodes(): where ZONE_MOVABLE begins on each node. */
function findZoneMovablePfnsForNodes(s: KernelState, lay: ZoneLayout, core: CoreParams): void {
  const zmp = lay.zoneMovablePfn;
  const mb = s.memblock;
  const all = memblockPfnRanges(mb);
  const totalpages = all.reduce((a, r) => a + r.end - r.start, 0);
  const memoryNodes = [...new Set(all.filter((r) => r.end > r.start).map((r) => r.nid))].sort((a, b) => a - b);
  let usableNodes = memoryNodes.length;
  const movableZone = findUsableZoneForMovable(lay);
  const setMin = (nid: number, pfn: number) => zmp.set(nid, zmp.get(nid) ? Math.min(pfn, zmp.get(nid)!) : pfn);

  if (core.movableNode) {
    for (const r of mb.memory.regions) if (r.flags & MEMBLOCK_HOTPLUG) setMin(r.nid, Math.floor(r.base / s.arch.pageSize));
  } else if (core.mirroredKernelcore) {
    let below4gNotMirrored = false;
    for (const r of mb.memory.regions) {
      if (r.flags & MEMBLOCK_MIRROR) continue;
      const pfn = Math.ceil(r.base / s.arch.pageSize);
      if (pfn < 2 ** 32 / s.arch.pageSize) {
        below4gNotMirrored = true;
        continue;
      }
      setMin(r.nid, pfn);
    }
    if (below4gNotMirrored) prWarn(s, 'This configuration results in unmirrored kernel memory.');
  } else {
    let requiredKernelcore = core.requiredKernelcore;
    let requiredMovablecore = core.requiredMovablecore;
    if (core.requiredKernelcorePercent) requiredKernelcore = Math.floor((totalpages * 100 * core.requiredKernelcorePercent) / 10000);
    if (core.requiredMovablecorePercent) requiredMovablecore = Math.floor((totalpages * 100 * core.requiredMovablecorePercent) / 10000);
    if (requiredMovablecore) {
      requiredMovablecore = Math.min(totalpages, roundUp(requiredMovablecore, MAX_ORDER_NR_PAGES));
      requiredKernelcore = Math.max(requiredKernelcore, totalpages - requiredMovablecore);
    }
    if (!requiredKernelcore || requiredKernelcore >= totalpages) return;
    const usableStartpfn = lay.lowest[movableZone]!;
    for (;;) {
      let kernelcoreNode = Math.floor(requiredKernelcore / usableNodes);
      for (const nid of memoryNodes) {
        if (requiredKernelcore < kernelcoreNode) kernelcoreNode = Math.floor(requiredKernelcore / usableNodes);
        let remaining = kernelcoreNode;
        for (const r of memblockPfnRanges(mb, nid)) {
          let start = Math.max(r.start, zmp.get(nid) ?? 0);
          const end = r.end;
          if (start >= end) continue;
          if (start < usableStartpfn) {
            const kernelPages = Math.min(end, usableStartpfn) - start;
            remaining -= Math.min(kernelPages, remaining);
            requiredKernelcore -= Math.min(kernelPages, requiredKernelcore);
            if (end <= usableStartpfn) {
              zmp.set(nid, end);
              continue;
            }
            start = usableStartpfn;
          }
          const size = Math.min(end - start, remaining);
          zmp.set(nid, start + size);
          requiredKernelcore -= Math.min(requiredKernelcore, size);
          remaining -= size;
          if (!remaining) break;
        }
      }
      usableNodes--;
      if (!(usableNodes && requiredKernelcore > usableNodes)) break;
    }
  }
  // Align to MAX_ORDER_NR_PAGES; a start at or past the node's end means no ZONE_MOVABLE there.
  for (const [nid, pfn] of zmp) {
    const aligned = roundUp(pfn, MAX_ORDER_NR_PAGES);
    zmp.set(nid, aligned >= pfnRangeForNid(s, nid).end ? 0 : aligned);
  }
}

/** adjust_zone_range_for_zone_movable() */
function adjustZoneRangeForZoneMovable(
  lay: ZoneLayout,
  nid: number,
  zoneType: number,
  nodeEnd: number,
  core: CoreParams,
  r: { start: number; end: number },
): void {
  const zmp = lay.zoneMovablePfn.get(nid) ?? 0;
  if (!zmp) return;
  if (zoneType === lay.movableIdx) {
    r.start = zmp;
    r.end = Math.min(nodeEnd, lay.highest[findUsableZoneForMovable(lay)]!);
  } else if (!core.mirroredKernelcore && r.start < zmp && r.end > zmp) {
    r.end = zmp;
  } else if (r.start >= zmp) {
    r.start = r.end;
  }
}

/** __absent_pages_in_range() for one node */
function absentPagesInRange(s: KernelState, nid: number, start: number, end: number): number {
  let absent = end - start;
  for (const r of memblockPfnRanges(s.memblock, nid)) absent -= clamp(r.end, start, end) - clamp(r.start, start, end);
  return absent;
}

/** calculate_node_totalpages(): spanned and present pages of each zone of one node. */
function calculateNodeTotalpages(s: KernelState, lay: ZoneLayout, nid: number, core: CoreParams): Zone[] {
  const { start: nodeStart, end: nodeEnd } = lay.nodeSpan.get(nid)!;
  return lay.names.map((name, i) => {
    let spanned = 0;
    let zoneStart = 0;
    const r = { start: clamp(nodeStart, lay.lowest[i]!, lay.highest[i]!), end: clamp(nodeEnd, lay.lowest[i]!, lay.highest[i]!) };
    if (nodeStart || nodeEnd) {
      adjustZoneRangeForZoneMovable(lay, nid, i, nodeEnd, core, r);
      if (!(r.end < nodeStart || r.start > nodeEnd)) {
        r.end = Math.min(r.end, nodeEnd);
        r.start = Math.max(r.start, nodeStart);
        spanned = r.end - r.start;
        zoneStart = r.start;
      }
    }
    let absent = 0;
    if (spanned) {
      absent = absentPagesInRange(s, nid, zoneStart, zoneStart + spanned);
      if (core.mirroredKernelcore && lay.zoneMovablePfn.get(nid)) {
        for (const reg of s.memblock.memory.regions) {
          const a = clamp(Math.ceil(reg.base / s.arch.pageSize), zoneStart, zoneStart + spanned);
          const b = clamp(Math.floor((reg.base + reg.size) / s.arch.pageSize), zoneStart, zoneStart + spanned);
          const mirror = (reg.flags & MEMBLOCK_MIRROR) !== 0;
          if ((i === lay.movableIdx && mirror) || (name === 'Normal' && !mirror)) absent += b - a;
        }
      }
    }
    return {
      nid,
      idx: i,
      name,
      startPfn: spanned ? zoneStart : 0,
      spanned,
      present: spanned - absent,
      managed: 0,
      vmemmapTails: new Map(),
    };
  });
}

/** pfn_valid() for early sections: the section is present. */
function pfnValid(s: KernelState, pfn: number): boolean {
  return sectionPresent(s, Math.floor((pfn * s.arch.pageSize) / s.arch.sectionSize));
}

/**
 * init_unavailable_range(): the struct pages of a hole that have a memmap (pageblock by pageblock) are
 * written reserved, in the zone and node given; kept in s.memmapHoles. Returns how many.
 */
function initUnavailableRange(s: KernelState, spfn: number, epfn: number, nid: number, zoneIdx: number): number {
  let n = 0;
  const holes = s.memmapHoles;
  for (let pfn = spfn; pfn < epfn; ) {
    const blockStart = Math.floor(pfn / PAGEBLOCK_NR_PAGES) * PAGEBLOCK_NR_PAGES;
    const blockEnd = Math.min(blockStart + PAGEBLOCK_NR_PAGES, epfn);
    if (pfnValid(s, blockStart)) {
      n += blockEnd - pfn;
      const last = holes.at(-1);
      if (last && last.end === pfn && last.nid === nid && last.zoneIdx === zoneIdx) last.end = blockEnd;
      else holes.push({ start: pfn, end: blockEnd, nid, zoneIdx });
    }
    pfn = blockEnd;
  }
  return n;
}

/** memmap_init(): the "pages in unavailable ranges" lines for the holes between and after memory ranges. */
function memmapInit(s: KernelState, lay: ZoneLayout): void {
  // __init_single_page() writes through pfn_to_page() with no pfn_valid() check: an unmapped struct page faults.
  // Only sections sparse could not map, and pages whose population hugetlb took over and failed, can be unmapped.
  const perSection = s.arch.sectionSize / s.arch.pageSize;
  const suspects: [number, number][] = [
    ...[...s.sparse.failed].map((nr): [number, number] => [nr * perSection, (nr + 1) * perSection]),
    ...s.sparse.unmapped,
  ];
  suspects.sort((a, b) => a[0] - b[0]);
  const memory = memblockPfnRanges(s.memblock);
  for (const [a, b] of suspects) {
    let pfn: number | null = null;
    for (const r of memory)
      if (pfn === null && r.start < b && a < r.end) pfn = firstUnmappedStructPage(s, Math.max(a, r.start), Math.min(b, r.end));
    if (pfn === null) continue;
    const vaddr = structPageAddress(s, pfn).toString(16);
    kernelPanic(
      s,
      `BUG: unable to handle page fault for address: ${vaddr}`,
      `hvosim: memmap_init() wrote the struct page of pfn 0x${pfn.toString(16)}, which no page table maps; the boot dies here`,
    );
  }
  // Every struct page of every zone is written now (deferred struct page init is not modelled);
  // the writes go through the vmemmap, so a page that several PFNs' vmemmap alias is overwritten.
  s.memmapInitDone = true;
  const stored = s.vmemmap.stored;
  for (const p of stored.values()) {
    if (p.kind === 'head' && p.state === 'raw') stored.setState(p, 'plain');
    if (p.kind === 'tail' && p.state === 'zero') stored.setState(p, 'plain');
  }
  let hole = 0;
  let lastZone = 0;
  let lastNid = 0;
  for (const r of memblockPfnRanges(s.memblock)) {
    for (const z of lay.zones.filter((z) => z.nid === r.nid && z.present > 0)) {
      const start = clamp(r.start, z.startPfn, z.startPfn + z.spanned);
      const end = clamp(r.end, z.startPfn, z.startPfn + z.spanned);
      lastZone = z.idx;
      if (start >= end) continue;
      if (hole < start) {
        const n = initUnavailableRange(s, hole, start, z.nid, z.idx);
        if (n) printk(s, `On node ${z.nid}, zone ${z.name}: ${n} pages in unavailable ranges`);
      }
      hole = end;
    }
    lastNid = r.nid;
  }
  const end = roundUp(memblockPfnRanges(s.memblock).at(-1)?.end ?? 0, s.arch.sectionSize / s.arch.pageSize);
  if (hole < end) {
    const n = initUnavailableRange(s, hole, end, lastNid, lastZone);
    if (n) printk(s, `On node ${lastNid}, zone ${lay.names[lastZone]}: ${n} pages in unavailable ranges`);
  }
}

/** free_area_init(): zone limits, ZONE_MOVABLE, the three log blocks, every node's zones, then their memmap. */
export function freeAreaInit(s: KernelState): ZoneLayout {
  const lay = freeAreaInitZones(s);
  sparseVmemmapInitLate(s, lay);
  calcNrKernelPages(s);
  memmapInit(s, lay);
  return lay;
}

/**
 * The pages alloc_large_system_hash() sizes the boot's hash tables from
 * (nr_kernel_pages), counted as free_area_init() ends: memblock's free pages
 * at that point (calc_nr_kernel_pages(), 6.10 on), or every zone's present
 * pages less their memmap (free_area_init_core() up to 6.9).
 */
export function calcNrKernelPages(s: KernelState): void {
  const lay = s.zones;
  if (!lay) return;
  let n = 0;
  if (s.kernel.nrKernelPages === 'memblock-free') {
    const ps = s.arch.pageSize;
    forEachFreeMemRange(s.memblock, NUMA_NO_NODE, MEMBLOCK_NONE, (start, end) => {
      n += Math.max(0, Math.floor(end / ps) - Math.ceil(start / ps));
      return false;
    });
  } else {
    for (const z of lay.zones) if (z.present) n += z.present - Math.ceil((z.present * s.arch.structPageSize) / s.arch.pageSize);
  }
  lay.nrKernelPages = n;
}

/** sparse_vmemmap_init_nid_late() for every node with memory: the vmemmap of the boot-time gigantic pages settled. */
function sparseVmemmapInitLate(s: KernelState, lay: ZoneLayout): void {
  const nodes = [...lay.nodeSpan.keys()].sort((a, b) => a - b);
  for (const nid of nodes) if (lay.zones.some((z) => z.nid === nid && z.present > 0)) sparseVmemmapInitNidLate(s, nid);
}

/** The first part of free_area_init(): zone limits, ZONE_MOVABLE, the three log blocks, every node's zones sized. */
export function freeAreaInitZones(s: KernelState): ZoneLayout {
  beginStep(s, 'free_area_init');
  const names = zoneNames(s);
  const maxZonePfn = zoneSizesInitMaxPfns(s);
  const movableIdx = names.indexOf('Movable');
  const lay: ZoneLayout = { names, movableIdx, lowest: [], highest: [], zoneMovablePfn: new Map(), nodeSpan: new Map(), zones: [] };
  let start = Math.floor(memblockStartOfDram(s.memblock) / s.arch.pageSize);
  for (let i = 0; i < names.length; i++) {
    if (i === movableIdx) {
      lay.lowest[i] = 0;
      lay.highest[i] = 0;
      continue;
    }
    const end = Math.max(maxZonePfn[i]!, start);
    lay.lowest[i] = start;
    lay.highest[i] = end;
    start = end;
  }
  const core = parseCoreParams(s);
  findZoneMovablePfnsForNodes(s, lay, core);

  printk(s, 'Zone ranges:');
  const ps = s.arch.pageSize;
  names.forEach((n, i) => {
    if (i === movableIdx) return;
    const range = lay.lowest[i] === lay.highest[i] ? 'empty' : `[mem ${hex018(lay.lowest[i]! * ps)}-${hex018(lay.highest[i]! * ps - 1)}]`;
    printk(s, `  ${n.padEnd(8)} ${range}`);
  });
  printk(s, 'Movable zone start for each node');
  for (const nid of [...lay.zoneMovablePfn.keys()].sort((a, b) => a - b)) {
    const pfn = lay.zoneMovablePfn.get(nid)!;
    if (pfn) printk(s, `  Node ${nid}: ${hex018(pfn * ps)}`);
  }
  printk(s, 'Early memory node ranges');
  for (const r of memblockPfnRanges(s.memblock)) {
    printk(s, `  node ${String(r.nid).padStart(3)}: [mem ${hex018(r.start * ps)}-${hex018(r.end * ps - 1)}]`);
    subsectionMapInit(s, r.start, r.end);
  }

  const nodes = [...new Set(memblockPfnRanges(s.memblock).map((r) => r.nid))].filter((n) => n !== MAX_NUMNODES).sort((a, b) => a - b);
  for (const nid of nodes) {
    if (!s.nodeData.has(nid))
      kernelPanic(s, `hvosim: NODE_DATA(${nid}) was never allocated; free_area_init_node() dereferences it and the boot dies here`);
    const span = pfnRangeForNid(s, nid);
    lay.nodeSpan.set(nid, span);
    printk(s, `Initmem setup node ${nid} [mem ${hex018(span.start * ps)}-${hex018(span.end ? span.end * ps - 1 : 0)}]`);
    lay.zones.push(...calculateNodeTotalpages(s, lay, nid, core));
  }
  s.zones = lay;
  return lay;
}

/** The end of free_area_init(): the vmemmap of boot-time gigantic pages settled, then every struct page written (memmap_init()). */
export function freeAreaInitMemmap(s: KernelState): void {
  const lay = s.zones;
  if (!lay) throw new Error('free_area_init:memmap before the zones were set up');
  sparseVmemmapInitLate(s, lay);
  memmapInit(s, lay);
}
