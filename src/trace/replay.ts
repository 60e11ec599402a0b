// Replaying a memblock=debug log against our memblock.
//
// The log gives the memory map (memblock_add lines) and every call made while
// memblock=debug was on. We start from the reservations made before the
// option took effect (inferred, see inferEarlyReservations), replay each call
// in order, and compare every allocation's result with the reservation the
// kernel printed right after it (no reservation line: the allocation failed).
// The unlogged state changes of x86's setup_arch() are modelled at the points
// where the kernel makes them:
//   - memblock_set_current_limit(ISA_END_ADDRESS) before e820__memblock_setup();
//   - memblock_trim_memory(PAGE_SIZE) at the end of e820__memblock_setup();
//   - memblock_set_current_limit(get_max_mapped()) after init_mem_mapping();
//   - numa_init(): node ids on memory and reservations, from the SRAT lines;
//   - alloc_node_data(): memblock_phys_alloc_try_nid(), which prints only its
//     reservation and the "NODE_DATA(N) allocated" line.
// Every "MEMBLOCK configuration:" dump in the log is compared with our state.
import type { Arch } from '../asm/index.js';
import { x86_64 } from '../asm/index.js';
import { parseE820Line } from '../machine/e820.js';
import { biosRegionStart } from '../arch/x86_64/e820.js';
import type { Memblock, MemblockCallArgs, MemblockRegion } from '../kernel/memblock.js';
import {
  memblockAdd,
  memblockAddNode,
  memblockAllocNidOutcome,
  memblockCreate,
  memblockDbgLine,
  memblockPhysAllocRange,
  memblockPhysAllocTryNid,
  memblockPhysFree,
  memblockRemove,
  memblockReserve,
  memblockReserveKern,
  memblockSetclrFlag,
  memblockSetCurrentLimit,
  memblockTrimMemory,
  memblockEndOfDram,
} from '../kernel/memblock.js';
import { memblockAddRange, memblockRemoveRange } from '../kernel/memblock-regions.js';
import { MAX_NUMNODES, MEMBLOCK_KHO_SCRATCH, MEMBLOCK_RSRV_KERN, NUMA_NO_NODE } from '../kernel/memblock-flags.js';
import { memblockHints } from '../sim/memblock-hints.js';
import type { NumaMeminfo } from '../kernel/numa-memblks.js';
import { numaAddMemblk, numaCleanupMeminfo, numaRegisterMemblks, numaResetMemblockNodes } from '../arch/x86_64/numa.js';
import { resolveProfile, type KernelProfile } from '../simulator.js';
import { pa } from '../util/format.js';
import { kernelImageFromIomem, type KernelLog } from './log.js';
import type { DumpState, LogEvent } from './memblock-log.js';
import { ALLOC_OUTCOME_CALLER } from '../util/kernel-callers.js';
import { isAllocOutcome, parseMemblockLog } from './memblock-log.js';

export interface EarlyReservation {
  base: number;
  size: number;
  what: string;
  /** Where the range comes from. */
  evidence: string;
  /** Reserved with memblock_reserve_kern() (the image, the initrd), rather than memblock_reserve(). */
  kern: boolean;
}

export interface ReplayMismatch {
  kind: 'alloc' | 'free' | 'dump' | 'numa';
  /** Line number in the log file. */
  line: number;
  /** The logged call (memblock=debug text) or what was compared. */
  call: string;
  kernel: string;
  ours: string;
}

export interface ReplayResult {
  file: string;
  /** Allocations compared (logged ones and alloc_node_data). */
  calls: number;
  matched: number;
  /** Other logged calls applied (add, reserve, free, remove). */
  applied: number;
  dumps: { total: number; matched: number };
  numa: { total: number; matched: number };
  mismatches: ReplayMismatch[];
  early: EarlyReservation[];
  notes: string[];
  truncated: boolean;
  /** Where a truncated log ends (its last line); only what comes before was compared. */
  cutAt: number | null;
  /** The memblock state at the end of the replay. */
  memblock: Memblock;
}

const ALLOC_FNS = new Set([
  'memblock_alloc_try_nid',
  'memblock_alloc_try_nid_raw',
  'memblock_alloc_exact_nid_raw',
  'memblock_phys_alloc_range',
]);
/** Callers that belong to x86's init_mem_mapping() phase, before the current limit is raised. */
const MEM_MAPPING_CALLERS = new Set(['init_mem_mapping', 'alloc_low_pages', 'memory_map_top_down', 'memory_map_bottom_up']);

/**
 * The reservations x86's early_reserve_memory() makes before memblock=debug is parsed:
 *  - the kernel image [_text, __end_of_kernel_reserve): /proc/iomem's "Kernel code" start to "Kernel bss" end;
 *  - the first 64 KiB (memblock_reserve(0, SZ_64K));
 *  - the initrd: the "RAMDISK: [mem a-b]" line (already page aligned by the kernel);
 *  - the BIOS area (reserve_bios_regions()): from the BIOS's low-memory size, rounded down to a page, to 1 MiB;
 *    the BIOS reports that size in the first e820 entry, so its end is our start.
 * setup_data and iBFT ranges leave no trace in the log; on QEMU with -kernel there are none.
 */
export function inferEarlyReservations(
  log: KernelLog,
  events: LogEvent[],
  arch: Arch = x86_64,
): { ranges: EarlyReservation[]; notes: string[] } {
  const ranges: EarlyReservation[] = [];
  const notes: string[] = [];
  const image = kernelImageFromIomem(log.iomem, arch.pageSize);
  if (image) {
    ranges.push({
      base: image.start,
      size: image.size,
      what: 'kernel image',
      evidence: '/proc/iomem "Kernel code" .. "Kernel bss"',
      kern: true,
    });
  } else {
    notes.push('no /proc/iomem kernel ranges in the log: the kernel image reservation is taken from the first MEMBLOCK dump');
  }
  ranges.push({
    base: 0,
    size: 64 * 1024,
    what: 'first 64K',
    evidence: 'early_reserve_memory() reserves [0, 64K) unconditionally',
    kern: false,
  });
  const rd = events.find((e): e is Extract<LogEvent, { kind: 'ramdisk' }> => e.kind === 'ramdisk');
  if (rd) ranges.push({ base: rd.start, size: rd.end - rd.start, what: 'initrd', evidence: `"RAMDISK:" line ${rd.lineNo}`, kern: true });
  const e820 = log.dmesg.map((l) => parseE820Line(l.text)).filter((e) => e !== null);
  const biosStart = biosRegionStart(e820, arch.pageSize, arch.isaEnd);
  if (biosStart !== null) {
    ranges.push({
      base: biosStart,
      size: arch.isaEnd - biosStart,
      what: 'BIOS regions',
      evidence: 'end of the first e820 usable entry (BIOS low-memory size), page aligned, to 1 MiB',
      kern: false,
    });
  } else {
    notes.push('no e820 entry at 0: BIOS region reservation not inferred');
  }
  return { ranges, notes };
}

/** The node a dump prints for a region: none for MAX_NUMNODES, nor (6.16 on, numa_valid_node()) for NUMA_NO_NODE. */
function dumpNid(nid: number): number {
  return nid >= 0 && nid < MAX_NUMNODES ? nid : MAX_NUMNODES;
}

function regionsText(rs: MemblockRegion[]): string {
  return rs
    .map((r) => {
      const nid = dumpNid(r.nid);
      return `[${pa(r.base)}-${pa(r.base + r.size - 1)}]${nid !== MAX_NUMNODES ? ` node ${nid}` : ''}${r.flags ? ` flags 0x${r.flags.toString(16)}` : ''}`;
    })
    .join(' ');
}

function sameRegions(a: MemblockRegion[], b: MemblockRegion[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => r.base === b[i]!.base && r.size === b[i]!.size && dumpNid(r.nid) === dumpNid(b[i]!.nid) && r.flags === b[i]!.flags)
  );
}

/** Compare our state with a logged dump: what differs, as the kernel printed it and as we hold it. */
function compareDump(mb: Memblock, d: DumpState): { kernel: string[]; ours: string[] } {
  const kernel: string[] = [];
  const ours: string[] = [];
  const diff = (what: string, k: string, o: string) => {
    kernel.push(`${what} ${k}`);
    ours.push(`${what} ${o}`);
  };
  if (mb.memory.totalSize !== d.memorySize) diff('memory size', pa(d.memorySize), pa(mb.memory.totalSize));
  if (mb.reserved.totalSize !== d.reservedSize) diff('reserved size', pa(d.reservedSize), pa(mb.reserved.totalSize));
  if (!sameRegions(mb.memory.regions, d.memory)) diff('memory:', regionsText(d.memory), regionsText(mb.memory.regions));
  if (!sameRegions(mb.reserved.regions, d.reserved)) diff('reserved:', regionsText(d.reserved), regionsText(mb.reserved.regions));
  return { kernel, ours };
}

/** The parts of [base, base + size) of `want` that `have` does not hold. */
function missingRanges(want: MemblockRegion[], have: MemblockRegion[]): { base: number; size: number }[] {
  const out: { base: number; size: number }[] = [];
  for (const w of want) {
    let cur = w.base;
    const end = w.base + w.size;
    for (const h of have) {
      if (h.base + h.size <= cur || h.base >= end) continue;
      if (h.base > cur) out.push({ base: cur, size: h.base - cur });
      cur = Math.max(cur, h.base + h.size);
    }
    if (cur < end) out.push({ base: cur, size: end - cur });
  }
  return out;
}

function describe(addr: number, size: number): string {
  return addr ? `[${pa(addr)}-${pa(addr + size - 1)}]` : 'failed';
}

export interface ReplayOptions {
  arch?: Arch;
  /**
   * The kernel generation whose log this is (a name or a profile; 6.1's arch/x86/mm/numa.c when absent): its
   * numaMemblks feature says whether numa_cleanup_meminfo() trims the firmware's blocks to memblock's DRAM.
   */
  profile?: string | KernelProfile;
}

/**
 * The points of x86's setup_arch() the replay passes through, in boot order: at each the kernel changes
 * memblock without a line in the log, and the replay makes the same change (setupArchPhase()).
 */
type SetupArchPhase = 'early_reserve_memory' | 'e820__memblock_setup' | 'init_mem_mapping' | 'init_mem_mapping:done';

/** Replay the memblock calls of a kernel log. */
export function replayMemblock(log: KernelLog, opts: ReplayOptions = {}): ReplayResult {
  return new MemblockReplay(log, opts).run();
}

/** One replay: memblock driven call by call from the log, through setup_arch()'s phases. */
class MemblockReplay {
  private readonly arch: Arch;
  private readonly numaMemblks: boolean;
  /** The profile's memblockKhoFlags: reservations with a node and flags, and low memory KHO scratch for a while. */
  private readonly khoFlags: boolean;
  /** Whether the memory below 1 MiB is marked MEMBLOCK_KHO_SCRATCH now (e820__memblock_setup() to reserve_real_mode()). */
  private lowScratch = false;
  /** Whether the log names the kernel image's range (/proc/iomem); else the first dump shows it. */
  private readonly imageKnown: boolean;
  private readonly events: LogEvent[];
  private readonly mb: Memblock;
  private readonly res: ReplayResult;
  private readonly lastPfn: Extract<LogEvent, { kind: 'last-pfn' }> | undefined;
  private phase: SetupArchPhase = 'early_reserve_memory';
  private trimmed = false;
  private readonly numaBlocks: NumaMeminfo = { blks: [] };
  private sawNumaInfo = false;
  private numaDone = false;
  private readonly numaLogged: Extract<LogEvent, { kind: 'numa-merge' }>[] = [];
  private dumpCount = 0;
  private readonly callEvents: Extract<LogEvent, { kind: 'call' }>[];
  private readonly nextCallIndex = new Map<LogEvent, number>();
  private readonly consumed = new Set<LogEvent>();

  constructor(log: KernelLog, opts: ReplayOptions) {
    this.arch = opts.arch ?? x86_64;
    const features = opts.profile === undefined ? undefined : resolveProfile(opts.profile).features;
    this.numaMemblks = !!features?.numaMemblks;
    this.khoFlags = !!features?.memblockKhoFlags;
    const { events, truncated, cutAt } = parseMemblockLog(log);
    this.events = events;
    this.mb = memblockCreate({ debug: true, pageSize: this.arch.pageSize, rsrvKern: this.khoFlags });
    this.mb.shortcuts = memblockHints();
    const early = inferEarlyReservations(log, events, this.arch);
    this.imageKnown = early.ranges.some((r) => r.what === 'kernel image');
    for (const r of early.ranges) this.earlyReserve(r);
    this.res = {
      file: log.file,
      calls: 0,
      matched: 0,
      applied: 0,
      dumps: { total: 0, matched: 0 },
      numa: { total: 0, matched: 0 },
      mismatches: [],
      early: early.ranges,
      notes: early.notes,
      truncated,
      cutAt,
      memblock: this.mb,
    };
    this.lastPfn = events.find((e): e is Extract<LogEvent, { kind: 'last-pfn' }> => e.kind === 'last-pfn');
    this.callEvents = events.filter((e): e is Extract<LogEvent, { kind: 'call' }> => e.kind === 'call');
    this.callEvents.forEach((e, i) => this.nextCallIndex.set(e, i));
  }

  run(): ReplayResult {
    for (let ei = 0; ei < this.events.length; ei++) {
      const ev = this.events[ei]!;
      if (this.consumed.has(ev)) continue;
      switch (ev.kind) {
        case 'srat':
          this.sawNumaInfo = true;
          numaAddMemblk(this.numaBlocks, ev.nid, ev.start, ev.end, ev.hotplug);
          break;
        case 'fake-node':
          this.sawNumaInfo = true;
          // The firmware's nodes were refused (they overlap, or do not cover the RAM): the kernel
          // cleaned them up first, then starts over with one node.
          if (this.numaBlocks.blks.length) this.numaCleanupAgainstLog(ev.lineNo);
          this.numaBlocks.blks = [];
          numaAddMemblk(this.numaBlocks, 0, ev.start, ev.end);
          break;
        case 'numa-merge':
          this.numaLogged.push(ev);
          break;
        case 'dump':
          this.memblockDump(ev);
          break;
        case 'node-data':
        case 'last-pfn':
        case 'ramdisk':
          break;
        case 'call':
          this.call(ev, ei);
          break;
      }
    }
    return this.res;
  }

  /** An early reservation as early_reserve_memory() makes it: memblock_reserve_kern() or memblock_reserve(). */
  private earlyReserve(r: EarlyReservation): void {
    const nid = this.khoFlags ? NUMA_NO_NODE : MAX_NUMNODES;
    memblockAddRange(this.mb.reserved, r.base, r.size, nid, this.khoFlags && r.kern ? MEMBLOCK_RSRV_KERN : 0);
  }

  /** Where init_mem_mapping() leaves memblock's current limit: the end of the direct map. */
  private maxMapped(): number {
    return this.lastPfn ? this.lastPfn.pfn * this.arch.pageSize : memblockEndOfDram(this.mb);
  }

  /** The kernel moves on to `next`: make the change to memblock it makes there without a log line. */
  private setupArchPhase(next: SetupArchPhase): void {
    this.phase = next;
    // e820__memblock_setup() starts with memblock_set_current_limit(ISA_END_ADDRESS); init_mem_mapping()
    // ends with memblock_set_current_limit(get_max_mapped()).
    if (next === 'e820__memblock_setup') memblockSetCurrentLimit(this.mb, this.arch.isaEnd);
    if (next === 'init_mem_mapping:done') memblockSetCurrentLimit(this.mb, this.maxMapped());
  }

  /** The end of e820__memblock_setup(): memblock_trim_memory(PAGE_SIZE), once. */
  private e820MemblockSetupEnd(): void {
    if (this.phase === 'e820__memblock_setup' && !this.trimmed) {
      // memblock_mark_kho_scratch(0, SZ_1M): cleared again by reserve_real_mode() (applyReserve()).
      if (this.khoFlags) {
        memblockSetclrFlag(this.mb, 0, this.arch.isaEnd, true, MEMBLOCK_KHO_SCRATCH);
        this.lowScratch = true;
      }
      memblockTrimMemory(this.mb, this.arch.pageSize);
      this.trimmed = true;
    }
  }

  /** numa_init(): node ids forgotten, the blocks cleaned up (compared with the log) and registered. */
  private numaInit(lineNo: number): void {
    this.numaDone = true;
    numaResetMemblockNodes(this.mb);
    const cleanup = this.numaCleanupAgainstLog(lineNo);
    if (cleanup.ok) numaRegisterMemblks(this.mb, this.numaBlocks);
    else this.res.notes.push('NUMA configuration rejected (overlapping nodes); node ids left unset');
  }

  /** numa_cleanup_meminfo() on the blocks so far, its lines compared with the kernel's. */
  private numaCleanupAgainstLog(lineNo: number) {
    const res = this.res;
    const cleanup = numaCleanupMeminfo(this.mb, this.numaBlocks, this.maxMapped(), this.numaMemblks);
    const logged = this.numaLogged.map((e) => e.text);
    const n = Math.max(logged.length, cleanup.log.length);
    for (let i = 0; i < n; i++) {
      res.numa.total++;
      if (logged[i] === cleanup.log[i]) res.numa.matched++;
      else
        res.mismatches.push({
          kind: 'numa',
          line: this.numaLogged[i]?.lineNo ?? lineNo,
          call: 'numa_cleanup_meminfo',
          kernel: logged[i] ?? '(nothing)',
          ours: cleanup.log[i] ?? '(nothing)',
        });
    }
    this.numaLogged.length = 0;
    return cleanup;
  }

  /** memblock_dump_all(): the logged dump compared with our state (the first one also checks the inferred early reservations). */
  private memblockDump(ev: Extract<LogEvent, { kind: 'dump' }>): void {
    const { mb, res } = this;
    this.e820MemblockSetupEnd();
    this.dumpCount++;
    res.dumps.total++;
    if (this.dumpCount === 1 && !this.imageKnown) this.imageFromDump(ev);
    const diffs = compareDump(mb, ev.dump);
    if (!diffs.kernel.length) {
      res.dumps.matched++;
      return;
    }
    res.mismatches.push({
      kind: 'dump',
      line: ev.lineNo,
      call: `MEMBLOCK configuration #${this.dumpCount}`,
      kernel: diffs.kernel.join('; '),
      ours: diffs.ours.join('; '),
    });
    if (this.dumpCount === 1) {
      // The early reservations were inferred; take the kernel's word for them and go on.
      mb.reserved.regions = ev.dump.reserved.map((r) => ({ ...r }));
      mb.reserved.totalSize = ev.dump.reservedSize;
      mb.reserved.changed++;
      res.notes.push('the first MEMBLOCK dump disagreed with the inferred early reservations; replay continued from the dump');
    }
  }

  /**
   * A log without /proc/iomem (a plain dmesg) does not name the kernel image: the one reservation of the
   * first dump that nothing else explains is it (early_reserve_memory()'s memblock_reserve_kern() of
   * [_text, __end_of_kernel_reserve)). Anything else left over is compared as a mismatch.
   */
  private imageFromDump(ev: Extract<LogEvent, { kind: 'dump' }>): void {
    const missing = missingRanges(ev.dump.reserved, this.mb.reserved.regions);
    if (missing.length !== 1) return;
    const r: EarlyReservation = {
      ...missing[0]!,
      what: 'kernel image',
      evidence: `the one reservation of the first MEMBLOCK dump (line ${ev.lineNo}) no other early reservation explains`,
      kern: true,
    };
    this.earlyReserve(r);
    this.res.early.unshift(r);
  }

  /** The reservation the kernel printed for the allocation at callEvents[i], if any. */
  private kernelResult(i: number, size: number): { addr: number; ev?: LogEvent } {
    const next = this.callEvents[i + 1];
    return next && isAllocOutcome(next.call, size) ? { addr: next.call.base!, ev: next } : { addr: 0 };
  }

  /** One logged memblock call: the phase it shows the kernel in, then the call replayed (an allocation compared). */
  private call(ev: Extract<LogEvent, { kind: 'call' }>, ei: number): void {
    const { mb, res, arch } = this;
    const call = ev.call;
    const ci = this.nextCallIndex.get(ev)!;
    if (this.sawNumaInfo && !this.numaDone) this.numaInit(ev.lineNo);
    if (call.fn === 'memblock_add' || call.fn === 'memblock_add_node') {
      if (this.phase === 'early_reserve_memory') this.setupArchPhase('e820__memblock_setup');
    } else {
      this.e820MemblockSetupEnd();
    }
    const mapping = MEM_MAPPING_CALLERS.has(call.caller);
    if (mapping && (this.phase === 'e820__memblock_setup' || this.phase === 'early_reserve_memory'))
      this.setupArchPhase('init_mem_mapping');
    if (ALLOC_FNS.has(call.fn) && this.phase === 'init_mem_mapping' && !mapping) this.setupArchPhase('init_mem_mapping:done');

    if (ALLOC_FNS.has(call.fn)) {
      res.calls++;
      let ours: number;
      if (call.fn === 'memblock_phys_alloc_range') {
        ours = memblockPhysAllocRange(mb, call.size, call.align!, call.from!, call.maxAddr!, call.caller);
      } else {
        ours = memblockAllocNidOutcome(
          mb,
          call.fn as 'memblock_alloc_try_nid',
          call.size,
          call.align!,
          call.from!,
          call.maxAddr!,
          call.nid!,
          call.caller,
        ).addr;
      }
      const k = this.kernelResult(ci, call.size);
      if (!k.ev && res.truncated && ci === this.callEvents.length - 1) {
        // The log ends before the kernel printed what this allocation found: nothing to compare with.
        res.calls--;
        res.notes.push(`line ${ev.lineNo}: the log ends before this allocation's outcome; not compared`);
        return;
      }
      if (k.ev) this.consumed.add(k.ev);
      compareAlloc(res, mb, ev.lineNo, ev.text, call, ours, k.addr);
      return;
    }
    if (call.fn === 'memblock_reserve' && call.caller === ALLOC_OUTCOME_CALLER) {
      // A reservation with no logged allocation before it: an allocator that does not print
      // (memblock_phys_alloc_try_nid). alloc_node_data() is the one we know: its NODE_DATA line follows.
      const nd = this.events.slice(ei + 1, ei + 4).find((e): e is Extract<LogEvent, { kind: 'node-data' }> => e.kind === 'node-data');
      if (nd && nd.start === call.base) {
        res.calls++;
        const ours = memblockPhysAllocTryNid(mb, call.size, arch.smpCacheBytes, nd.nid);
        const text = `memblock_phys_alloc_try_nid: ${call.size} bytes align=0x${arch.smpCacheBytes.toString(16)} nid=${nd.nid} alloc_node_data (unlogged)`;
        compareAlloc(res, mb, ev.lineNo, text, call, ours, call.base!);
        return;
      }
      res.notes.push(`line ${ev.lineNo}: reservation by an allocator that does not log its call; applied as a plain reserve`);
    }
    res.applied++;
    applyPlain(res, mb, ev.lineNo, ev.text, call, ev.reserveFlags);
    // reserve_real_mode(): memblock_reserve(0, SZ_1M), then memblock_clear_kho_scratch(0, SZ_1M).
    if (this.lowScratch && call.fn === 'memblock_reserve' && call.base === 0 && call.size === arch.isaEnd) {
      memblockSetclrFlag(mb, 0, arch.isaEnd, false, MEMBLOCK_KHO_SCRATCH);
      this.lowScratch = false;
    }
  }
}

function compareAlloc(
  res: ReplayResult,
  mb: Memblock,
  line: number,
  text: string,
  call: MemblockCallArgs,
  ours: number,
  kernel: number,
): void {
  if (ours === kernel) {
    res.matched++;
    return;
  }
  res.mismatches.push({ kind: 'alloc', line, call: text, kernel: describe(kernel, call.size), ours: describe(ours, call.size) });
  // Follow the kernel from here on, so one miss does not cascade.
  if (ours) memblockRemoveRange(mb.reserved, ours, call.size);
  if (kernel && mb.rsrvKern) memblockAddRange(mb.reserved, kernel, call.size, call.nid ?? NUMA_NO_NODE, MEMBLOCK_RSRV_KERN);
  else if (kernel) memblockAddRange(mb.reserved, kernel, call.size, MAX_NUMNODES, 0);
}

function applyPlain(res: ReplayResult, mb: Memblock, line: number, text: string, call: MemblockCallArgs, reserveFlags?: number): void {
  const base = call.base!;
  switch (call.fn) {
    case 'memblock_add':
      memblockAdd(mb, base, call.size, call.caller);
      return;
    case 'memblock_add_node':
      memblockAddNode(mb, base, call.size, call.nid!, call.flags ?? 0, call.caller);
      return;
    case 'memblock_remove':
      memblockRemove(mb, base, call.size, call.caller);
      return;
    case 'memblock_reserve':
      // The flags of a "__memblock_reserve:" line say which call it was.
      if (reserveFlags !== undefined && reserveFlags & MEMBLOCK_RSRV_KERN) memblockReserveKern(mb, base, call.size, call.caller);
      else memblockReserve(mb, base, call.size, call.caller);
      return;
    case 'memblock_phys_free': {
      // The kernel frees only what it reserved: a free of unreserved memory means our state went astray.
      const covered = coveredBytes(mb.reserved.regions, base, base + call.size);
      if (covered !== call.size) {
        res.mismatches.push({
          kind: 'free',
          line,
          call: text,
          kernel: 'range was reserved',
          ours: `${call.size - covered} of ${call.size} bytes not reserved`,
        });
      }
      memblockPhysFree(mb, base, call.size, call.caller);
      return;
    }
  }
}

function coveredBytes(regs: MemblockRegion[], start: number, end: number): number {
  let n = 0;
  for (const r of regs) {
    const lo = Math.max(start, r.base);
    const hi = Math.min(end, r.base + r.size);
    if (hi > lo) n += hi - lo;
  }
  return n;
}

/** Our memblock=debug lines for a replay (for line-by-line comparison with the log). */
export function replayDebugLines(r: ReplayResult): string[] {
  return r.memblock.calls.filter((c) => c.printed).map(memblockDbgLine);
}
