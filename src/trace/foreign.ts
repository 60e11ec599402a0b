// The memblock calls of subsystems hvosim does not model, taken from a log and
// interleaved with our own boot's calls exactly where the kernel made them.
//
// A logged call is ours when its caller is one our boot makes (the table in
// src/util/kernel-callers.ts); every other call is foreign. A foreign call
// that came after the kernel's k-th call of ours is applied just before our
// (k+1)-th call, so when our boot makes the same calls as the kernel, the
// interleaving is the kernel's. Calls
// count without the reservation an allocation makes (caller
// memblock_alloc_range_nid), on both sides.
import type { Memblock, MemblockCall, MemblockCallArgs } from '../kernel/memblock.js';
import { memblockApplyLogged } from '../kernel/memblock.js';
import type { KernelState, OtherPoint, OtherSubsystems } from '../kernel/state.js';
import { estimatedOthers } from '../kernel/others.js';
import type { KernelLog } from './log.js';
import { isAllocOutcome, parseMemblockLog } from './memblock-log.js';
import { ALLOC_OUTCOME_CALLER as OUTCOME, baseCaller, kernelCaller } from '../util/kernel-callers.js';

/**
 * Whether a primary call with `caller`, followed by a primary call with `nextCaller`, is one our boot makes
 * (KernelCaller.oursInLog in src/util/kernel-callers.ts).
 */
export function isOurCall(caller: string, nextCaller: string | undefined): boolean {
  const ours = kernelCaller(caller)?.oursInLog ?? false;
  return typeof ours === 'boolean' ? ours : nextCaller === ours.before;
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

/**
 * The other subsystems' calls for a boot of a log's machine: the log's own when it shows memblock=debug lines and the
 * boot keeps the log's command line (`cmdline` undefined: no --cmdline replaced it), else hvosim's estimate.
 */
export function othersOfLog(log: KernelLog | undefined, cmdline: string | undefined): OtherSubsystems {
  return log && cmdline === undefined && log.dmesg.some((l) => l.text.startsWith('memblock_')) ? replayedOthers(log) : estimatedOthers;
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
