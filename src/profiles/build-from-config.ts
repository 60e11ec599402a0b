// The build facts a .config decides by the kernel's own rules, where no log of the build says them: each is the
// profile's Debian fact moved by what the option changes (the sizes and counts the kernel's headers give), so the
// parts of a fact the option does not touch stay the profile's build's.
import type { KernelBuild, KernelConfig } from '../kernel/config.js';

const PAGE = 4096;

/** The options of Debian's amd64 cloud builds (every generation here) that the facts below depend on. */
export const DEBIAN_CLOUD_VALUES: ReadonlyMap<string, string> = new Map([
  ['NODES_SHIFT', '10'],
  ['ACPI_SLEEP', 'y'],
  ['RANDOMIZE_MEMORY', 'y'],
  ['DMI', 'y'],
  ['MODULES', 'y'],
  ['X86_5LEVEL', 'y'],
]);

/** A .config's value of an option: a full .config writes every visible option, so one left out is off. */
const on = (v: ReadonlyMap<string, string>, k: string) => v.get(k) === 'y';

/** sizeof(struct printk_info) (kernel/printk/printk_ringbuffer.h), with or without PRINTK_EXECUTION_CTX. */
export function printkInfoSize(executionCtx: boolean): number {
  // seq, ts_nsec (8 each), text_len (2), facility and flags/level (1 each), caller_id (4);
  // PRINTK_EXECUTION_CTX adds caller_id2 (4) and comm[TASK_COMM_LEN] (16); then dev_printk_info (16 + 48).
  const bytes = 24 + (executionCtx ? 20 : 0) + 64;
  return Math.ceil(bytes / 8) * 8;
}

/**
 * early_alloc_pgt_buf()'s brk pages (arch/x86/mm/init.c): INIT_PGD_PAGE_TABLES (3 without X86_5LEVEL, 4 with it,
 * and 4 once the option is gone: a .config without the line) times 2, or 4 with RANDOMIZE_MEMORY.
 */
export function earlyPgtBrkPages(v: ReadonlyMap<string, string>): number {
  const tables = !v.has('X86_5LEVEL') || on(v, 'X86_5LEVEL') ? 4 : 3;
  return tables * (on(v, 'RANDOMIZE_MEMORY') ? 4 : 2);
}

/** MAX_NR_ZONES on x86_64: DMA, DMA32 and DEVICE where configured, Normal and Movable always. */
export function maxNrZones(c: Pick<KernelConfig, 'ZONE_DMA' | 'ZONE_DMA32' | 'ZONE_DEVICE'>): number {
  return 2 + Number(c.ZONE_DMA) + Number(c.ZONE_DMA32) + Number(c.ZONE_DEVICE);
}

/**
 * The bytes of pg_data_t's node_zonelists: two lists with NUMA (fallback and no-fallback), each of
 * MAX_NUMNODES * MAX_NR_ZONES struct zoneref (16 bytes) and one more that ends it.
 */
export function zonelistsBytes(nodesShift: number, zones: number): number {
  return 2 * ((1 << nodesShift) * zones + 1) * 16;
}

/**
 * The per-cpu unit pcpu_embed_first_chunk() embeds ("percpu: Embedded N pages/cpu"): the static per-cpu data
 * (the vmlinux's .data..percpu), the module reserve (8 KiB with MODULES) and the dynamic reserve (28 KiB on
 * 64-bit), page aligned.
 */
export function pcpuUnitPages(staticBytes: number, modules: boolean): number {
  return Math.ceil((staticBytes + (modules ? 8 << 10 : 0) + (28 << 10)) / PAGE);
}

/** The per-cpu first chunk's sizes pcpu_embed_first_chunk() settles (mm/percpu.c), from the static size and MODULES. */
export function pcpuFirstChunk(staticBytes: number, modules: boolean): { reserved: number; dyn: number; unitPages: number } {
  const reserved = modules ? 8 << 10 : 0;
  const unitPages = pcpuUnitPages(staticBytes, modules);
  return { reserved, dyn: unitPages * PAGE - staticBytes - reserved, unitPages };
}

/**
 * pcpu_setup_first_chunk()'s memblock allocations: its first five (group and unit maps, the slot lists: the
 * profile's, for one CPU and a 2 MiB unit), then for the reserved chunk (with MODULES) and the dynamic one
 * pcpu_alloc_first_chunk()'s four: the chunk with its populated bitmap, alloc_map and bound_map (one bit per
 * 4 bytes of the region, page aligned from where the chunk starts in its page) and one pcpu_block_md (32 bytes)
 * per page. `base`: the profile's list, whose sixth entry is its struct pcpu_chunk with one word of bitmap.
 */
export function pcpuFirstChunkAllocs(staticBytes: number, modules: boolean, base: readonly number[]): number[] {
  const { reserved, dyn } = pcpuFirstChunk(staticBytes, modules);
  const chunk = (start: number, size: number) => {
    const offset = start % PAGE;
    const pages = Math.ceil((offset + size) / PAGE);
    const words = Math.ceil(pages / 64);
    return [base[5]! - 8 + 8 * words, pages * 128, pages * 128 + 8, pages * 32];
  };
  return [...base.slice(0, 5), ...(reserved ? chunk(staticBytes, reserved) : []), ...chunk(staticBytes + reserved, dyn)];
}

/** What buildFromConfig() gives: the build, and a line per fact it moved (said as the other sources say theirs). */
export interface ConfigFacts {
  build: KernelBuild;
  read: string[];
}

/**
 * The facts of `base` (a profile's Debian build, whose options are DEBIAN_CLOUD_VALUES and `base.config`) moved to
 * the build a .config describes (`values`, its options as the file sets them; `config`, those hvosim models).
 */
export function buildFromConfig(values: ReadonlyMap<string, string>, config: KernelConfig, base: KernelBuild): ConfigFacts {
  const b: KernelBuild = { ...base };
  const read: string[] = [];
  const deb = DEBIAN_CLOUD_VALUES;
  // The option exists from 7.0 on (a line in the file, "is not set" included); older .configs have no line.
  const ctx = on(values, 'PRINTK_EXECUTION_CTX');
  if (printkInfoSize(ctx) !== b.printkInfoSize || values.has('PRINTK_EXECUTION_CTX')) {
    b.printkInfoSize = printkInfoSize(ctx);
    read.push(`printkInfoSize: sizeof(struct printk_info), PRINTK_EXECUTION_CTX=${ctx ? 'y' : 'n'}`);
  }
  // The wakeup code is part of the real-mode blob only with ACPI_SLEEP: one page of Debian's trampoline
  // (7 pages with it, 6 without, on the 6.12 and 7.3 builds made here).
  if (!on(values, 'ACPI_SLEEP')) {
    b.realModeSize = base.realModeSize - PAGE;
    read.push('realModeSize: ACPI_SLEEP=n (no wakeup code in the trampoline: one page less)');
  }
  // reserve_brk(): the early page-table buffer, then what dmi_alloc() took (Debian's rest, kept only with DMI).
  const pgt = earlyPgtBrkPages(values) * PAGE;
  const debPgt = earlyPgtBrkPages(deb) * PAGE;
  const brk = pgt + (on(values, 'DMI') ? base.brkSize - debPgt : 0);
  if (brk !== base.brkSize) {
    b.brkSize = brk;
    read.push('brkSize: the early page-table buffer (X86_5LEVEL, RANDOMIZE_MEMORY) and DMI');
  }
  // setup_log_buf(): the static buffer log_buf_len= has to exceed before a new one is made.
  const logShift = Number(values.get('LOG_BUF_SHIFT'));
  if (Number.isInteger(logShift) && logShift >= 12 && logShift <= 25 && logShift !== base.logBufShift) {
    b.logBufShift = logShift;
    read.push(`logBufShift: LOG_BUF_SHIFT=${logShift} (a static log buffer of ${2 ** logShift} bytes)`);
  }
  // pg_data_t: its zonelists follow NODES_SHIFT and the zones; the rest of it stays Debian's.
  const shift = Number(values.get('NODES_SHIFT') ?? 0);
  const debZones = maxNrZones(base.config);
  const zones = maxNrZones(config);
  if (Number.isInteger(shift) && values.has('NODES_SHIFT')) {
    const delta = zonelistsBytes(shift, zones) - zonelistsBytes(Number(deb.get('NODES_SHIFT')), debZones);
    if (delta) {
      b.pgdatSize = base.pgdatSize + delta;
      read.push(`pgdatSize: the zonelists of NODES_SHIFT=${shift} and ${zones} zones (the rest of pg_data_t is the profile's)`);
    }
  }
  return { build: b, read };
}
