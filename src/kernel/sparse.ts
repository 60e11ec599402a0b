// mm/sparse.c: memory sections, the section root array, usemaps and the memmap buffer.
//
// Present sections are runs (one entry per run of sections of a node), and
// sparse_init_nid() walks those runs rather than a list of section numbers.
// Sections hugetlb took over (SECTION_IS_VMEMMAP_PREINIT; 520,000 of them on
// a 64 TiB machine full of 1 GiB pages) are flags in a byte array indexed by
// section number (SectionSet), not entries of a Set.
import { firstEndingAbove } from '../util/search.js';
import type { KernelState } from './state.js';
import { beginStep, kernelPanic, prErr, prWarn } from './state.js';
import { cmdlineValue } from './cmdline.js';
import { memblockAllocTryNid } from './memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_LOW_LIMIT, NUMA_NO_NODE } from './memblock-flags.js';
import { sectionMapSize, sparseBufferFini, sparseBufferInit } from './sparse-buffer.js';
import { vmemmapPopulateSections } from './sparse-vmemmap.js';
import { sparseVmemmapInitNidEarly } from './sparse-vmemmap-init.js';
import { memmapBootPagesAdd } from './vmstat.js';

/** A set of section numbers: one byte per section up to the highest added, grown on demand (reads like a Set). */
export class SectionSet implements Iterable<number> {
  private bits = new Uint8Array(0);
  private n = 0;

  get size(): number {
    return this.n;
  }
  has(nr: number): boolean {
    return nr < this.bits.length && this.bits[nr] === 1;
  }
  add(nr: number): this {
    if (nr >= this.bits.length) {
      let cap = Math.max(1024, this.bits.length);
      while (cap <= nr) cap *= 2;
      const b = new Uint8Array(cap);
      b.set(this.bits);
      this.bits = b;
    }
    if (this.bits[nr] !== 1) {
      this.bits[nr] = 1;
      this.n++;
    }
    return this;
  }
  delete(nr: number): boolean {
    if (!this.has(nr)) return false;
    this.bits[nr] = 0;
    this.n--;
    return true;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let nr = 0; nr < this.bits.length; nr++) if (this.bits[nr] === 1) yield nr;
  }
  /** The first member at or above nr, or Infinity. */
  nextFrom(nr: number): number {
    const i = this.bits.indexOf(1, nr);
    return i < 0 ? Infinity : i;
  }
}

export interface SparseState {
  /** Sections whose memmap hugetlb set up (SECTION_IS_VMEMMAP_PREINIT): sparse_init_nid() skips them. */
  preinit: SectionSet;
  /** Sections left without a memmap because populating failed (section_mem_map = 0). */
  failed: Set<number>;
  /** PFN ranges hugetlb took over and left (partly) unmapped: a failed population after init_early. */
  unmapped: [number, number][];
  /** Present sections as runs [start, end) of section numbers with their node, in order (one entry per run, not per section). */
  present: { start: number; end: number; nid: number }[];
  /** Section root pages allocated (SPARSEMEM_EXTREME), by root index. */
  roots: Map<number, number>;
  /** Per node: the usemap and the memmap buffer. */
  usemap: Map<number, number>;
  buffer: { start: number; end: number; next: number; nid: number } | null;
}

export function createSparseState(): SparseState {
  return {
    preinit: new SectionSet(),
    failed: new Set(),
    unmapped: [],
    present: [],
    roots: new Map(),
    usemap: new Map(),
    buffer: null,
  };
}

function sectionsPerRoot(s: KernelState): number {
  return s.arch.pageSize / 16; // sizeof(struct mem_section)
}

/** NR_MEM_SECTIONS: the sections MAX_PHYSMEM_BITS covers; no struct mem_section exists past them. */
export function nrMemSections(s: KernelState): number {
  return 2 ** (s.arch.maxPhysmemBits - s.arch.sectionSizeBits);
}

function nrSectionRoots(s: KernelState): number {
  return Math.ceil(nrMemSections(s) / sectionsPerRoot(s));
}

/**
 * mminit_validate_memmodel_limits(): a PFN range ending past NR_MEM_SECTIONS is cut there, with
 * WARN_ON_ONCE() (and a mminit::pfnvalidation line under mminit_loglevel=1 or more). Returns the end.
 */
function mminitValidateMemmodelLimits(s: KernelState, startPfn: number, endPfn: number, once: { warned: boolean }): number {
  const maxPfn = nrMemSections(s) * (s.arch.sectionSize / s.arch.pageSize);
  if (endPfn <= maxPfn) return endPfn;
  if (Number(cmdlineValue(s, 'mminit_loglevel') ?? 0) > 0) {
    const which = startPfn > maxPfn ? 'Start' : 'End';
    prWarn(s, `mminit::pfnvalidation ${which} of range ${startPfn} -> ${endPfn} exceeds SPARSEMEM max ${maxPfn}`);
  }
  if (!once.warned) {
    once.warned = true;
    prWarn(
      s,
      '------------[ cut here ]------------',
      `hvosim: WARNING at mm/sparse.c in mminit_validate_memmodel_limits() (memory past pfn ${maxPfn}, ` +
        `MAX_PHYSMEM_BITS ${s.arch.maxPhysmemBits}), with a backtrace`,
    );
  }
  return maxPfn;
}

/** memblocks_present() -> memory_present(): mark the sections memory touches, with the node of the first region to touch each. */
export function memblocksPresent(s: KernelState): void {
  const sec = s.sparse;
  const mb = s.memblock;
  if (!sec.present.length && !sec.roots.size) {
    // The root array is allocated on first use; the caller printed is the generation's (memSectionRootCaller).
    const size = 8 * nrSectionRoots(s);
    if (!memblockAllocTryNid(mb, size, 64, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, s.kernel.memSectionRootCaller))
      kernelPanic(s, `Kernel panic - not syncing: memblocks_present: Failed to allocate ${size} bytes align=0x40`);
  }
  const perRoot = sectionsPerRoot(s);
  // WARN_ON_ONCE() state: sparse_init() runs memblocks_present() once a boot.
  const once = { warned: false };
  for (const r of mb.memory.regions) {
    const first = Math.floor(r.base / s.arch.sectionSize);
    const perSection = s.arch.sectionSize / s.arch.pageSize;
    const endPfn = mminitValidateMemmodelLimits(s, first * perSection, Math.floor((r.base + r.size) / s.arch.pageSize), once);
    const last = Math.ceil(endPfn / perSection);
    if (first >= last) continue;
    // sparse_index_init(): a root page for every root the region's sections fall in, on the region's node.
    for (let root = Math.floor(first / perRoot); root * perRoot < last; root++) {
      if (sec.roots.has(root)) continue;
      const p = memblockAllocTryNid(mb, s.arch.pageSize, 64, 0, MEMBLOCK_ALLOC_ACCESSIBLE, r.nid, 'sparse_index_alloc');
      if (!p) kernelPanic(s, `Kernel panic - not syncing: sparse_index_alloc: Failed to allocate ${s.arch.pageSize} bytes nid=${r.nid}`);
      sec.roots.set(root, p);
    }
    // Regions come in address order: a section an earlier region touched keeps that region's node.
    const prev = sec.present.at(-1);
    const from = Math.max(first, prev?.end ?? 0);
    if (from >= last) continue;
    if (prev && prev.end === from && prev.nid === r.nid) prev.end = last;
    else sec.present.push({ start: from, end: last, nid: r.nid });
  }
}

/**
 * subsection_map_init() for a range of memblock.memory: every section of it must have its struct
 * mem_section. Past NR_MEM_SECTIONS there is none (__nr_to_section() gives NULL) and the kernel
 * dereferences it: the boot dies.
 */
export function subsectionMapInit(s: KernelState, startPfn: number, endPfn: number): void {
  const perSection = s.arch.sectionSize / s.arch.pageSize;
  const maxPfn = nrMemSections(s) * perSection;
  if (endPfn <= maxPfn) return;
  const pfn = Math.max(startPfn, maxPfn);
  kernelPanic(
    s,
    `hvosim: subsection_map_init() finds no struct mem_section for pfn 0x${pfn.toString(16)}: RAM past MAX_PHYSMEM_BITS ${s.arch.maxPhysmemBits} ` +
      `(${2 ** (s.arch.maxPhysmemBits - 40)} TiB, x86_64 with 4-level paging) is in memblock.memory but has no section; ` +
      'the kernel dereferences NULL (BUG: kernel NULL pointer dereference) and the boot dies here',
  );
}

/** present_section_nr(): whether memory touches the section (pfn_valid() for early sections). */
export function sectionPresent(s: KernelState, nr: number): boolean {
  const r = s.sparse.present[firstEndingAbove(s.sparse.present, nr, (x) => x.end)];
  return !!r && r.start <= nr;
}

/** How many sections are present. */
export function presentSections(s: KernelState): number {
  return s.sparse.present.reduce((a, r) => a + r.end - r.start, 0);
}

/** sparse_early_usemaps_alloc_pgdat_section(): usemaps in the section that holds the node's pg_data_t, if it fits. */
function sparseEarlyUsemapsAllocPgdatSection(s: KernelState, nid: number, size: number): number {
  if (!s.build.config.MEMORY_HOTREMOVE) {
    // memblock_alloc_node() for pgdat->node_id: free_area_init_node() has not set it yet unless the zones came first.
    const nodeId = s.zones ? nid : 0;
    return memblockAllocTryNid(
      s.memblock,
      size,
      s.arch.smpCacheBytes,
      MEMBLOCK_LOW_LIMIT,
      MEMBLOCK_ALLOC_ACCESSIBLE,
      nodeId,
      'sparse_init_nid',
    );
  }
  const pgdat = s.nodeData.get(nid) ?? 0;
  const goal = Math.floor(pgdat / s.arch.sectionSize) * s.arch.sectionSize;
  const limit = goal + s.arch.sectionSize;
  const nodeOfGoal = s.numa.blks.find((b) => b.start <= goal && goal < b.end)?.nid ?? nid;
  let p = memblockAllocTryNid(s.memblock, size, s.arch.smpCacheBytes, goal, limit, nodeOfGoal, 'sparse_init_nid');
  if (!p) p = memblockAllocTryNid(s.memblock, size, s.arch.smpCacheBytes, goal, 0, nodeOfGoal, 'sparse_init_nid');
  return p;
}

/** sparse_usage_init() (7.1): the node's mem_section_usage array from anywhere on the node (memblock_alloc_node()). */
function sparseUsageInit(s: KernelState, nid: number, size: number): number {
  return memblockAllocTryNid(s.memblock, size, s.arch.smpCacheBytes, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, nid, 'sparse_init_nid');
}

/** sparse_init_nid(): usemaps, the memmap buffer, then each section's memmap through the vmemmap. */
function sparseInitNid(s: KernelState, nid: number, runs: { start: number; end: number }[]): void {
  const count = runs.reduce((a, r) => a + r.end - r.start, 0);
  const usageSize = s.build.memSectionUsageSize * count;
  const usemap =
    s.kernel.usemapAlloc === 'node' ? sparseUsageInit(s, nid, usageSize) : sparseEarlyUsemapsAllocPgdatSection(s, nid, usageSize);
  if (!usemap) {
    if (s.kernel.sparseInitPanics) kernelPanic(s, `Kernel panic - not syncing: Failed to allocate usemap for node ${nid}`);
    prErr(s, `sparse_init_nid: node[${nid}] usemap allocation failed`);
    for (const r of runs) for (let nr = r.start; nr < r.end; nr++) s.sparse.failed.add(nr);
    return;
  }
  s.sparse.usemap.set(nid, usemap);
  if (s.kernel.sparseBuffer) sparseBufferInit(s, count * sectionMapSize(s), nid);
  sparseVmemmapInitNidEarly(s, nid);
  const perSection = (s.arch.sectionSize / s.arch.pageSize) * s.arch.structPageSize;
  const pages = Math.ceil(perSection / s.arch.pageSize);
  const preinit = s.sparse.preinit;
  let failed = false;
  for (const r of runs) {
    for (let nr = r.start; nr < r.end; ) {
      if (preinit.has(nr)) {
        nr++;
        continue;
      }
      // The sections up to the next one hugetlb took over are populated in one walk (the same calls as one by one).
      const last = Math.min(r.end, preinit.nextFrom(nr + 1));
      if (!failed) {
        const reached = vmemmapPopulateSections(s, nr * perSection, last * perSection, nid, perSection) / perSection;
        // __populate_section_memmap() counts each section's memmap while the system boots.
        memmapBootPagesAdd(s, pages * (reached - nr));
        nr = reached;
        if (nr === last) continue;
        if (s.kernel.sparseInitPanics) kernelPanic(s, `Kernel panic - not syncing: Failed to allocate memmap for section ${nr}`);
        prErr(s, `sparse_init_nid: node[${nid}] memory map backing failed. Some memory will not be available.`);
        failed = true;
      }
      for (; nr < last; nr++) s.sparse.failed.add(nr);
    }
  }
  if (s.kernel.sparseBuffer) sparseBufferFini(s);
}

/** sparse_init(): present sections, then each run of sections of one node. */
export function sparseInit(s: KernelState): void {
  beginStep(s, 'sparse_init');
  memblocksPresent(s);
  const pres = s.sparse.present;
  let i = 0;
  while (i < pres.length) {
    const nid = pres[i]!.nid;
    const runs: { start: number; end: number }[] = [];
    for (; i < pres.length && pres[i]!.nid === nid; i++) runs.push({ start: pres[i]!.start, end: pres[i]!.end });
    sparseInitNid(s, nid, runs);
  }
}
