// arch/x86/kernel/e820.c: the kernel's copy of the firmware map and what it does with it early.
import type { E820Entry } from '../../machine/e820.js';
import { formatE820Line } from '../../machine/e820.js';
import type { Memblock } from '../../kernel/memblock.js';
import { memblockAdd, memblockDumpAll, memblockSetclrFlag, memblockTrimMemory } from '../../kernel/memblock.js';
import { MEMBLOCK_KHO_SCRATCH } from '../../kernel/memblock-flags.js';
import { hex010 as pa10 } from '../../util/format.js';

/** e820__print_table("BIOS-e820") */
export function e820PrintTable(table: E820Entry[]): string[] {
  return ['BIOS-provided physical RAM map:', ...table.map(formatE820Line)];
}

/** Split `from` entries at [start, end) and retype the inside part (`to`), or drop it (`to` null). */
function e820Retype(table: E820Entry[], start: number, end: number, from: E820Entry['type'], to: E820Entry['type'] | null): E820Entry[] {
  const out: E820Entry[] = [];
  for (const e of table) {
    if (e.type !== from || e.end <= start || e.start >= end) {
      out.push(e);
      continue;
    }
    if (e.start < start) out.push({ start: e.start, end: start, type: e.type });
    if (to) out.push({ start: Math.max(e.start, start), end: Math.min(e.end, end), type: to });
    if (e.end > end) out.push({ start: end, end: e.end, type: e.type });
  }
  return out;
}

/** e820__range_update(): retype the part of `from` entries inside [start, start+size). Returns the log line. */
export function e820RangeUpdate(
  table: E820Entry[],
  start: number,
  size: number,
  from: E820Entry['type'],
  to: E820Entry['type'],
): { table: E820Entry[]; log: string } {
  return {
    table: e820Retype(table, start, start + size, from, to),
    log: `e820: update [mem ${pa10(start)}-${pa10(start + size - 1)}] ${from} ==> ${to}`,
  };
}

/** e820__range_remove(): drop the part of `type` entries inside [start, start+size). */
export function e820RangeRemove(
  table: E820Entry[],
  start: number,
  size: number,
  type: E820Entry['type'],
): { table: E820Entry[]; log: string } {
  return {
    table: e820Retype(table, start, start + size, type, null),
    log: `e820: remove [mem ${pa10(start)}-${pa10(start + size - 1)}] ${type}`,
  };
}

/** e820__end_of_ram_pfn() / e820__end_of_low_ram_pfn(): the end of usable RAM below a limit, with its log line. */
export function e820EndPfn(table: E820Entry[], limitPfn: number, maxArchPfn: number, pageSize: number): { pfn: number; log: string } {
  let last = 0;
  for (const e of table) {
    if (e.type !== 'usable') continue;
    const s = Math.floor(e.start / pageSize);
    const t = Math.floor(e.end / pageSize);
    if (s >= limitPfn) continue;
    last = Math.max(last, Math.min(t, limitPfn));
  }
  last = Math.min(last, maxArchPfn);
  return { pfn: last, log: `last_pfn = ${`0x${last.toString(16)}`} max_arch_pfn = ${`0x${maxArchPfn.toString(16)}`}` };
}

/**
 * e820__memblock_setup(): usable RAM into memblock.memory, partial pages trimmed, then the dump. With
 * `khoScratchBelow` (the KHO series, 6.16 on) the memory below it (1 MiB) is first marked KHO scratch.
 */
export function e820MemblockSetup(mb: Memblock, table: E820Entry[], pageSize: number, khoScratchBelow = 0): string[] {
  for (const e of table) {
    if (e.type === 'usable' || e.type === 'reserved kern') memblockAdd(mb, e.start, e.end - e.start, 'e820__memblock_setup');
  }
  if (khoScratchBelow) memblockSetclrFlag(mb, 0, khoScratchBelow, true, MEMBLOCK_KHO_SCRATCH);
  memblockTrimMemory(mb, pageSize);
  return memblockDumpAll(mb);
}

/**
 * reserve_bios_regions(): the BIOS keeps [low-memory size rounded down to a page, 1 MiB).
 * The BIOS reports that size as the end of the first e820 entry. Null when there is no such entry.
 */
export function biosRegionStart(table: E820Entry[], pageSize: number, isaEnd: number): number | null {
  const low = table.find((e) => e.start === 0 && e.type === 'usable');
  if (!low || low.end >= isaEnd) return null;
  return Math.floor(low.end / pageSize) * pageSize;
}
