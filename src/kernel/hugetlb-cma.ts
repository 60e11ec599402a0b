// mm/hugetlb_cma.c: hugetlb_cma= (a total spread over the nodes, a size per node, or a percentage of
// memory) and hugetlb_cma_only=, the per-node CMA areas hugetlb_cma_reserve() declares for gigantic
// pages, and the gigantic boot pages taken out of them (hugetlb_cma_alloc_bootmem()).
import { cmaDeclareContiguousMulti, cmaReserveEarly, cmaValidateZones } from './cma.js';
import type { Hstate } from './hugetlb.js';
import { MAX_NUMNODES } from './memblock-flags.js';
import { memblockPhysMemSize } from './memblock.js';
import { sscanfLu } from './params.js';
import { memparse, pow2 } from '../util/units.js';
import type { KernelState } from './state.js';
import { beginStep, printk, prWarn } from './state.js';

const SZ_1M = 2 ** 20;
/** MAX_PAGE_ORDER: an hstate of a higher order is gigantic (hstate_is_gigantic()). */
const MAX_PAGE_ORDER = 10;
/** HUGETLB_PAGE_ORDER on x86_64: the order per bit of the areas (a 2 MiB page is the smallest a demotion gives back). */
const HUGETLB_PAGE_ORDER = 9;

/** The values of the parameter's words, in command-line order (early_param() calls the handler for each). */
function paramValues(s: KernelState, name: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (const w of s.cmdline) {
    if (w === name) out.push(null);
    else if (w.startsWith(`${name}=`)) out.push(w.slice(name.length + 1));
  }
  return out;
}

/** cmdline_parse_hugetlb_cma(): "SIZE", "N%", or "NODE:SIZE,NODE:N%,..."; a bad entry stops the parse where it is. */
export function cmdlineParseHugetlbCma(s: KernelState, p: string): void {
  const c = s.cma.hugetlb;
  const clearNodes = () => {
    c.sizeInNode.clear();
    c.percentInNode.clear();
  };
  let rest = p;
  while (rest) {
    const m = sscanfLu(rest);
    if (!m) break;
    if (rest[m.count] === ':') {
      if (m.value >= MAX_NUMNODES) break;
      const nid = m.value;
      c.size = 0;
      c.percent = 0;
      const { value, rest: next } = memparse(rest.slice(m.count + 1));
      if (next[0] === '%') {
        if (value > 100) {
          prWarn(s, `hugetlb_cma: invalid percentage ${value} for node ${nid}`);
          break;
        }
        c.percentInNode.set(nid, value);
        c.sizeInNode.delete(nid);
        rest = next.slice(1);
      } else {
        c.sizeInNode.set(nid, value);
        c.percentInNode.delete(nid);
        rest = next;
      }
      if (rest[0] !== ',') break;
      rest = rest.slice(1);
    } else {
      // The kernel parses the whole value here, not where the loop got to.
      const { value, rest: next } = memparse(p);
      if (next[0] === '%') {
        if (value > 100) prWarn(s, `hugetlb_cma: invalid percentage ${value}`);
        else {
          c.percent = value;
          c.size = 0;
          clearNodes();
        }
      } else {
        c.size = value;
        c.percent = 0;
        clearNodes();
      }
      break;
    }
  }
}

/** kstrtobool(): e/y/t/1 and "on" are true, d/n/f/0 and "off" false (the first letters, any case); null when none. */
function kstrtobool(v: string | null): boolean | null {
  if (!v) return null;
  const c = v[0]!.toLowerCase();
  if ('eyt1'.includes(c)) return true;
  if ('dnf0'.includes(c)) return false;
  if (c === 'o' && v[1]?.toLowerCase() === 'n') return true;
  if (c === 'o' && v[1]?.toLowerCase() === 'f') return false;
  return null;
}

/** The early parameters hugetlb_cma= and hugetlb_cma_only= as parse_early_param() hands them over. */
function parseEarlyHugetlbCma(s: KernelState): void {
  for (const v of paramValues(s, 'hugetlb_cma')) {
    // The kernel's handler reads the value without checking it is there.
    if (v === null) prWarn(s, 'hvosim: "hugetlb_cma" without a value: the kernel reads a NULL value here; not modelled, ignored');
    else cmdlineParseHugetlbCma(s, v);
  }
  for (const v of paramValues(s, 'hugetlb_cma_only')) {
    const b = kstrtobool(v);
    if (b === null) prWarn(s, "Malformed early option 'hugetlb_cma_only'");
    else s.cma.hugetlb.only = b;
  }
}

/** memblock_node_memory_size(): the memory memblock holds on a node. */
function memblockNodeMemorySize(s: KernelState, nid: number): number {
  let size = 0;
  for (const r of s.memblock.memory.regions) if (r.nid === nid) size += r.size;
  return size;
}

/** hugetlb_bootmem_set_nodes(): the nodes memblock has memory on, ascending. */
export function hugetlbBootmemNodes(s: KernelState): number[] {
  return [...new Set(s.memblock.memory.regions.map((r) => r.nid))].sort((a, b) => a - b);
}

/** arch_hugetlb_cma_order() on x86: the 1 GiB order when the CPU maps 1 GiB pages (X86_FEATURE_GBPAGES), else 0 (unsupported). */
function archHugetlbCmaOrder(s: KernelState): number {
  const giga = s.arch.hugePageSizes.find((p) => p.needs !== null);
  return giga && s.machine.cpu.features.includes(giga.needs!) ? Math.log2(giga.size) - s.arch.pageShift : 0;
}

/** mul_u64_u32_div(mem, percent, 100) */
function percentOf(mem: number, percent: number): number {
  return Math.floor((mem * percent) / 100);
}

/**
 * hugetlb_cma_reserve() (from mm_core_init_early() once the zones exist): parse hugetlb_cma= and hugetlb_cma_only=
 * (early parameters: only a CMA build has them), then declare a CMA area on each node asked, or spread the total
 * over the nodes, each a whole number of gigantic pages; hugetlb_cma_validate_params() after it.
 */
export function hugetlbCmaReserve(s: KernelState): void {
  if (!s.build.config.CMA) return;
  parseEarlyHugetlbCma(s);
  hugetlbCmaReserveAreas(s);
  // hugetlb_cma_validate_params() (from hugetlb_parse_params(), right after)
  if (!s.cma.hugetlb.size) s.cma.hugetlb.only = false;
}

function hugetlbCmaReserveAreas(s: KernelState): void {
  const c = s.cma.hugetlb;
  const nodeSpecific = [...c.sizeInNode.values(), ...c.percentInNode.values()].some((v) => v > 0);
  if (nodeSpecific) {
    c.size = 0;
    for (const nid of nodeKeys(c)) {
      const pct = c.percentInNode.get(nid) ?? 0;
      if (pct) c.sizeInNode.set(nid, percentOf(memblockNodeMemorySize(s, nid), pct));
      c.size += c.sizeInNode.get(nid) ?? 0;
    }
  } else if (c.percent) c.size = percentOf(memblockPhysMemSize(s.memblock), c.percent);
  if (!c.size) return;
  beginStep(s, 'hugetlb_cma_reserve');
  const order = archHugetlbCmaOrder(s);
  if (!order) {
    prWarn(s, "hugetlb_cma: the option isn't supported by current arch");
    return;
  }
  const giga = s.arch.pageSize * 2 ** order;
  const alignDown = (x: number) => Math.floor(x / giga) * giga;
  if (c.percent) {
    const orig = c.size;
    c.size = alignDown(c.size);
    if (orig && !c.size) prWarn(s, `hugetlb_cma: reservation size rounded down to 0 from ${Math.floor(orig / SZ_1M)} MiB (${c.percent}%)`);
  } else if (nodeSpecific) {
    c.size = 0;
    for (const nid of nodeKeys(c)) {
      const pct = c.percentInNode.get(nid) ?? 0;
      if (pct) {
        const orig = c.sizeInNode.get(nid) ?? 0;
        c.sizeInNode.set(nid, alignDown(orig));
        if (orig && !c.sizeInNode.get(nid))
          prWarn(s, `hugetlb_cma: reservation size rounded down to 0 from ${Math.floor(orig / SZ_1M)} MiB (${pct}%) on node ${nid}`);
      }
      c.size += c.sizeInNode.get(nid) ?? 0;
    }
  }
  const nodes = hugetlbBootmemNodes(s);
  let specific = false;
  for (const nid of nodeKeys(c)) {
    const size = c.sizeInNode.get(nid) ?? 0;
    if (!size) continue;
    if (!nodes.includes(nid)) prWarn(s, `hugetlb_cma: invalid node ${nid} specified`);
    else if (size % giga) prWarn(s, `hugetlb_cma: cma area of node ${nid} must be a multiple of ${giga / SZ_1M} MiB`);
    else {
      specific = true;
      continue;
    }
    c.size -= size;
    c.sizeInNode.set(nid, 0);
  }
  if (!c.size) return;
  if (c.size % giga) {
    prWarn(s, `hugetlb_cma: cma area must be a multiple of ${giga / SZ_1M} MiB`);
    c.size = 0;
    return;
  }
  let perNode = 0;
  if (!specific) {
    perNode = Math.ceil(Math.ceil(c.size / nodes.length) / giga) * giga;
    const pct = c.percent ? ` (${c.percent}%)` : '';
    printk(s, `hugetlb_cma: reserve ${c.size / SZ_1M} MiB${pct}, up to ${perNode / SZ_1M} MiB per node`);
  }
  let reserved = 0;
  for (const nid of nodes) {
    let size: number;
    if (specific) {
      size = c.sizeInNode.get(nid) ?? 0;
      if (!size) continue;
    } else size = Math.min(perNode, c.size - reserved);
    const r = cmaDeclareContiguousMulti(s, size, giga, HUGETLB_PAGE_ORDER, `hugetlb${nid}`, nid);
    if (r.err || !cmaValidateZones(s, r.cma!)) {
      prWarn(s, `hugetlb_cma: ${r.err ? 'reservation failed' : 'reserved area spans zones'}: err ${r.err}, node ${nid}`);
      c.cma.delete(nid);
      continue;
    }
    c.cma.set(nid, r.cma!);
    reserved += size;
    const pct = c.percentInNode.get(nid) ? ` (${c.percentInNode.get(nid)}%)` : '';
    printk(s, `hugetlb_cma: reserved ${size / SZ_1M} MiB${pct} on node ${nid}`);
    if (reserved >= c.size) break;
  }
  // hugetlb_cma_size says whether CMA can give pages at all.
  if (!reserved) c.size = 0;
}

/** The nodes hugetlb_cma= named, ascending (the kernel walks every node id). */
function nodeKeys(c: KernelState['cma']['hugetlb']): number[] {
  return [...new Set([...c.sizeInNode.keys(), ...c.percentInNode.keys()])].sort((a, b) => a - b);
}

/** hugetlb_cma_total_size() */
export function hugetlbCmaTotalSize(s: KernelState): number {
  return s.cma.hugetlb.size;
}

/** hugetlb_early_cma(): gigantic boot pages come out of the CMA areas (hugetlb_cma_only= with an area; x86 has no bootmem allocation of its own). */
export function hugetlbEarlyCma(s: KernelState, h: Hstate): boolean {
  return h.order > MAX_PAGE_ORDER && s.cma.hugetlb.only;
}

/** hugetlb_cma_alloc_bootmem(): a gigantic page from the node's area, else (not node_exact) from the other nodes' in turn; 0 if none. */
export function hugetlbCmaAllocBootmem(s: KernelState, h: Hstate, nid: number, nodeExact: boolean): number {
  const size = pow2(h.order) * s.arch.pageSize;
  const c = s.cma.hugetlb;
  const m = cmaReserveEarly(s, c.cma.get(nid), size);
  if (m || nodeExact) return m;
  for (const node of hugetlbBootmemNodes(s)) {
    if (node === nid || !c.cma.get(node)) continue;
    const a = cmaReserveEarly(s, c.cma.get(node), size);
    if (a) return a;
  }
  return 0;
}
