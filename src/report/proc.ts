// What the booted kernel would show in /proc and /sys, in the kernel's formats.
// Reports only read the state.
import { cmaFreePages, hstateName, hstateNrHugePages, hstateSize, type KernelState, zoneCmaPages } from '../simulator.js';

/** What the running system holds that hvosim does not model (slab, page cache, the initramfs files): an estimate, from the fixtures' idle boots. */
export const RUNTIME_USE_KB = 62 * 1024;

function totalramPages(s: KernelState): number {
  return (s.zones?.zones ?? []).reduce((a, z) => a + z.managed, 0);
}

function freePages(s: KernelState): number {
  let free = 0;
  for (const v of s.pageAlloc.nodeFree.values()) free += v;
  return free;
}

export interface MeminfoField {
  name: string;
  value: number;
  unit: 'kB' | '';
  /** True when the value depends on what hvosim only estimates. */
  estimate?: boolean;
}

/** /proc/meminfo: the fields this model knows (MemFree is an estimate). */
export function meminfo(s: KernelState): MeminfoField[] {
  const kb = s.arch.pageSize / 1024;
  const ht = s.hugetlb;
  const def = ht.hstates[ht.defaultIdx];
  const total = def ? hstateNrHugePages(def) : 0;
  let hugetlbKb = 0;
  for (const h of ht.hstates) hugetlbKb += (hstateNrHugePages(h) * hstateSize(s, h)) / 1024;
  return [
    { name: 'MemTotal', value: totalramPages(s) * kb, unit: 'kB' },
    { name: 'MemFree', value: Math.max(0, freePages(s) * kb - RUNTIME_USE_KB), unit: 'kB', estimate: true },
    // CONFIG_CMA: the CMA areas (totalcma_pages) and what of them is free (nothing runs that would take from them).
    ...(s.build.config.CMA
      ? [
          { name: 'CmaTotal', value: s.cma.totalcmaPages * kb, unit: 'kB' as const },
          { name: 'CmaFree', value: cmaFreePages(s) * kb, unit: 'kB' as const },
        ]
      : []),
    { name: 'HugePages_Total', value: total, unit: '' },
    { name: 'HugePages_Free', value: total, unit: '' },
    { name: 'HugePages_Rsvd', value: 0, unit: '' },
    { name: 'HugePages_Surp', value: 0, unit: '' },
    { name: 'Hugepagesize', value: def ? hstateSize(s, def) / 1024 : 0, unit: 'kB' },
    { name: 'Hugetlb', value: hugetlbKb, unit: 'kB' },
  ];
}

export function meminfoText(s: KernelState): string[] {
  return meminfo(s).map((f) => `${(`${f.name}:`).padEnd(16)}${String(f.value).padStart(8)}${f.unit ? ' kB' : ''}`);
}

export function meminfoObject(s: KernelState): Record<string, number> {
  return Object.fromEntries(meminfo(s).map((f) => [f.name, f.value]));
}

/** /proc/vmstat: the counters this model knows (nr_free_pages is an estimate, as MemFree). */
export function vmstat(s: KernelState): Record<string, number> {
  const out: Record<string, number> = { nr_free_pages: Math.max(0, freePages(s) - (RUNTIME_USE_KB * 1024) / s.arch.pageSize) };
  // The memmap counters exist from 6.11 on (after nr_dirty_background_threshold).
  if (s.kernel.memmapCounters) Object.assign(out, { nr_memmap_pages: s.memmap.pages, nr_memmap_boot_pages: s.memmap.bootPages });
  return out;
}

export function vmstatText(s: KernelState): string[] {
  return Object.entries(vmstat(s)).map(([k, v]) => `${k} ${v}`);
}

export interface ZoneReport {
  node: number;
  zone: string;
  start: number;
  spanned: number;
  present: number;
  managed: number;
  /** zone->cma_pages (0 without CONFIG_CMA: /proc/zoneinfo prints it in every build). */
  cma: number;
}

export function zones(s: KernelState): ZoneReport[] {
  return (s.zones?.zones ?? []).map((z) => ({
    node: z.nid,
    zone: z.name,
    start: z.startPfn,
    spanned: z.spanned,
    present: z.present,
    managed: z.managed,
    cma: zoneCmaPages(s, z.nid, z.name),
  }));
}

/** /proc/zoneinfo: the sizes of each zone (the counters of a running system are left out). */
export function zoneinfoText(s: KernelState): string[] {
  const out: string[] = [];
  for (const z of zones(s)) {
    out.push(`Node ${z.node}, zone ${z.zone.padStart(8)}`);
    out.push(`        spanned  ${z.spanned}`, `        present  ${z.present}`, `        managed  ${z.managed}`);
    out.push(`        cma      ${z.cma}`);
    out.push(`  start_pfn:           ${z.start}`);
  }
  return out;
}

/** /sys/devices/system/node/nodeN/hugepages/hugepages-SIZE/nr_hugepages by node and size, as the kernel names them. */
export function hugepagesByNode(s: KernelState): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const nodes = [...(s.zones?.nodeSpan.keys() ?? [])].sort((a, b) => a - b);
  for (const nid of nodes) {
    const row: Record<string, number> = {};
    const hs = [...s.hugetlb.hstates].sort((a, b) => b.order - a.order);
    for (const h of hs) row[hstateName(s, h).replace('hugepages-', '')] = h.nrHugePagesNode.get(nid) ?? 0;
    out[`node${nid}`] = row;
  }
  return out;
}

export function sysfsHugepagesText(s: KernelState): string[] {
  const out: string[] = [];
  const surplus = new Map<string, number>();
  for (const p of s.hugetlb.pages) {
    if (!p.surplus) continue;
    const k = `node${p.nid} ${(2 ** p.order * s.arch.pageSize) / 1024}kB`;
    surplus.set(k, (surplus.get(k) ?? 0) + 1);
  }
  for (const [node, sizes] of Object.entries(hugepagesByNode(s))) {
    for (const [size, n] of Object.entries(sizes)) {
      const dir = `/sys/devices/system/node/${node}/hugepages/hugepages-${size}`;
      out.push(`${dir}/free_hugepages ${n}`, `${dir}/nr_hugepages ${n}`, `${dir}/surplus_hugepages ${surplus.get(`${node} ${size}`) ?? 0}`);
    }
  }
  return out;
}
