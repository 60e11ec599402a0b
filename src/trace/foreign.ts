// The memblock calls of subsystems hvosim does not model, taken from a log and
// interleaved with our own boot's calls exactly where the kernel made them.
//
// A logged call is ours when its caller is one our boot makes (OUR_CALLERS);
// every other call is foreign. A foreign call that came after the kernel's
// k-th call of ours is applied just before our (k+1)-th call, so when our boot
// makes the same calls as the kernel, the interleaving is the kernel's. Calls
// count without the reservation an allocation makes (caller
// memblock_alloc_range_nid), on both sides.
import type { Memblock, MemblockCall, MemblockCallArgs } from '../kernel/memblock.js';
import { memblockApplyLogged } from '../kernel/memblock.js';
import type { KernelState, OtherPoint, OtherSubsystems } from '../kernel/state.js';
import type { KernelLog } from './log.js';
import { ALLOC_OUTCOME_CALLER as OUTCOME, isAllocOutcome, parseMemblockLog } from './memblock-log.js';

/** Callers whose calls our boot makes itself (the in-scope calls). */
export const OUR_CALLERS = new Set([
  'setup_arch',
  'e820__memblock_setup',
  'reserve_real_mode',
  'init_mem_mapping',
  'setup_log_buf',
  'acpi_reserve_initial_tables',
  'sparse_init',
  'sparse_index_alloc',
  'sparse_init_nid',
  'vmemmap_alloc_block_zero',
  'vmemmap_alloc_block_buf',
  'sparse_buffer_alloc',
  'sparse_buffer_fini',
  '__alloc_bootmem_huge_page',
  // 7.3: a boot-time gigantic page spanning two zones, given back at once.
  'hugetlb_free_cross_zone_pages',
]);

/**
 * Kernel functions a later kernel renamed or inlined, by the name our boot gives them: the gigantic page comes
 * from __alloc_bootmem_huge_page() up to 6.14, from hugetlb's alloc_bootmem() (called by
 * hugetlb_bootmem_alloc() before sparse_init()) from 6.15, and from alloc_bootmem_huge_page() in 7.3.
 */
const RENAMED_CALLERS: Readonly<Record<string, string>> = {
  alloc_bootmem: '__alloc_bootmem_huge_page',
  alloc_bootmem_huge_page: '__alloc_bootmem_huge_page',
  // vmemmap_alloc_block_buf() inlined where it is called (Debian's 6.16+ builds): a vmemmap page
  // under a PTE (vmemmap_pte_populate) or a 2 MiB block (vmemmap_populate_hugepages) taken from
  // memblock when no sparse buffer is left (7.1 n13/n14 HVO head pages, n23; 6.16/7.0 n23).
  vmemmap_pte_populate: 'vmemmap_alloc_block_buf',
  vmemmap_populate_hugepages: 'vmemmap_alloc_block_buf',
  // 7.3: the HVO head page (n13, n14), every 2 MiB block being vmemmap_populate_hugepages (no sparse buffer).
  vmemmap_populate_address: 'vmemmap_alloc_block_buf',
};

/** The caller without a compiler suffix (".constprop.0", ".isra.0"), by the name our boot gives it. */
export function baseCaller(caller: string): string {
  const base = caller.replace(/\.(constprop|isra|part|cold)\.\d+$/, '');
  return RENAMED_CALLERS[base] ?? base;
}

/**
 * memblock_alloc_or_panic() (6.16 on) is called by many subsystems; the one call of it that is ours is
 * memblocks_present()'s mem_section root, which the first sparse_index_alloc() follows at once.
 */
export const SECTION_ROOT_CALLER = '__memblock_alloc_or_panic';

/** Whether a primary call with `caller`, followed by a primary call with `nextCaller`, is one our boot makes. */
export function isOurCall(caller: string, nextCaller: string | undefined): boolean {
  return OUR_CALLERS.has(caller) || (caller === SECTION_ROOT_CALLER && nextCaller === 'sparse_index_alloc');
}

export interface LoggedCall {
  lineNo: number;
  text: string;
  call: MemblockCallArgs;
  /** For allocations: the address the kernel reserved next, 0 if none. */
  result: number;
  ours: boolean;
  /** How many of our calls the kernel had made before this one. */
  k: number;
}

/** The memblock functions that allocate (their logged call is followed by the outcome reservation). */
export const ALLOC = /^memblock_(alloc_|phys_alloc_range)/;

/** Every primary call of a log (allocation outcomes folded into their call), marked ours or foreign. */
export function loggedCalls(log: KernelLog): LoggedCall[] {
  const events = parseMemblockLog(log).events.filter((e) => e.kind === 'call');
  // The next primary call's caller after event i (allocation outcomes skipped).
  const nextCaller = (i: number): string | undefined => {
    for (let j = i + 1; j < events.length; j++) {
      const c = baseCaller(events[j]!.call.caller);
      if (c !== OUTCOME) return c;
    }
    return undefined;
  };
  const out: LoggedCall[] = [];
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const call = { ...ev.call, caller: baseCaller(ev.call.caller) };
    if (call.caller === OUTCOME) continue; // an outcome without a logged call (alloc_node_data): ours, unlogged
    const ours = isOurCall(call.caller, nextCaller(i));
    let result = 0;
    if (ALLOC.test(call.fn)) {
      const next = events[i + 1]?.call;
      if (isAllocOutcome(next, call.size)) {
        result = next!.base!;
        i++;
      }
    }
    out.push({ lineNo: ev.lineNo, text: ev.text, call, result, ours, k });
    if (ours) k++;
  }
  return out;
}

/** Whether a recorded call counts as a primary call (not an allocation's own reservation). */
export function isPrimary(c: { caller: string }): boolean {
  return c.caller !== OUTCOME;
}

/** The calls of our own steps that memblock=debug printed, in order (what a log's `ours` calls are compared with). */
export function ourPrintedCalls(mb: Memblock): MemblockCall[] {
  const printed = mb.calls.filter((c) => c.printed && isPrimary(c));
  return printed.filter((c, i) => isOurCall(c.caller, printed[i + 1]?.caller));
}

/** Other subsystems replayed from a log. */
export function replayedOthers(log: KernelLog): OtherSubsystems & { applied: number; pending: () => number } {
  const foreign = loggedCalls(log).filter((c) => !c.ours);
  let next = 0;
  let ourCount = 0;
  let attached: Memblock | null = null;
  const flush = (mb: Memblock, upTo: number) => {
    while (next < foreign.length && foreign[next]!.k <= upTo) {
      const f = foreign[next++]!;
      memblockApplyLogged(mb, f.call, f.result);
      self.applied++;
    }
  };
  const self = {
    name: `replayed from ${log.file}`,
    applied: 0,
    pending: () => foreign.length - next,
    at(s: KernelState, point: OtherPoint) {
      if (attached !== s.memblock) {
        attached = s.memblock;
        s.memblock.beforeCall = (mb, call) => {
          if (!mb.debug || call.caller === OUTCOME) return;
          flush(mb, ourCount);
          ourCount++;
        };
      }
      flush(s.memblock, point === 'end' ? Infinity : ourCount);
      if (point === 'end') s.memblock.beforeCall = undefined;
    },
  };
  return self;
}
