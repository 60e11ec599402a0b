// The /proc and /sys dumps of an oracle fixture: zoneinfo, meminfo, vmstat and
// the per-node hugepage counts, each read into plain data.
import type { LogLine } from './log.js';

export interface ZoneinfoEntry {
  node: number;
  zone: string;
  spanned: number;
  present: number;
  managed: number;
  /** zone->cma_pages, where the kernel prints it (CONFIG_CMA). */
  cma?: number;
  /** "pages free": the zone's free pages when the dump was taken (the running system's, not the boot's). */
  free?: number;
}

/** /proc/zoneinfo: one entry per "Node N, zone NAME" block. */
export function parseZoneinfo(lines: LogLine[]): ZoneinfoEntry[] {
  const out: ZoneinfoEntry[] = [];
  let cur: ZoneinfoEntry | null = null;
  for (const { text } of lines) {
    const head = /^Node (\d+), zone\s+(\S+)/.exec(text);
    if (head) {
      cur = { node: +head[1]!, zone: head[2]!, spanned: 0, present: 0, managed: 0 };
      out.push(cur);
      continue;
    }
    const kv = /^\s+(spanned|present|managed|cma)\s+(\d+)$/.exec(text);
    if (kv && cur) cur[kv[1] as 'spanned' | 'present' | 'managed' | 'cma'] = +kv[2]!;
    const free = /^\s+pages free\s+(\d+)$/.exec(text);
    if (free && cur) cur.free = +free[1]!;
  }
  return out;
}

/** /proc/meminfo: field -> value (kB for sizes, a count for HugePages_*). */
export function parseMeminfo(lines: LogLine[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const { text } of lines) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?: kB)?$/.exec(text);
    if (m) out.set(m[1]!, +m[2]!);
  }
  return out;
}

/** /proc/vmstat: counter -> value. */
export function parseVmstat(lines: LogLine[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const { text } of lines) {
    const m = /^([a-z0-9_]+) (-?\d+)$/.exec(text);
    if (m) out.set(m[1]!, +m[2]!);
  }
  return out;
}

/** Per node and page size: nr_hugepages, as in /sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/. */
export type HugepagesByNode = Record<string, Record<string, number>>;

export function parseHugepages(lines: LogLine[]): HugepagesByNode {
  const out: HugepagesByNode = {};
  for (const { text } of lines) {
    const m = /\/node(\d+)\/hugepages\/hugepages-(\d+kB)\/nr_hugepages (\d+)$/.exec(text);
    if (!m) continue;
    (out[`node${m[1]}`] ??= {})[m[2]!] = +m[3]!;
  }
  return out;
}
