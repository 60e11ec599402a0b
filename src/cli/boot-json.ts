// hvosim boot --json: a summary of bounded size (the same fields whatever the machine's size),
// and the streams that grow with the machine, each one JSON value per line (NDJSON), made as
// they are written: --json-memblock (every memblock call), --json-dmesg (the kernel log),
// --json-pages (every huge page in a pool). The "--json" section of docs/usage.md documents the fields.
import { modelledSteps, validatedAgainst, type KernelState } from '../simulator.js';
import { machineRamBytes } from '../machine/types.js';
import { cmdlineNotes } from '../report/cmdline.js';
import { bootDeath, type Plan } from '../report/plan.js';
import { hugepagesByNode, meminfoObject, vmstat, zones } from '../report/proc.js';
import { firstOf } from './output.js';
import { kernelWarnings, nodeSummaries } from '../report/boot-view.js';

/** Names the summary's layout; it changes when a field changes meaning or goes. */
export const BOOT_JSON_FORMAT = 'hvosim-boot-summary/2';

/** Most kernel log lines the summary quotes (HugeTLB: lines); the rest are counted. */
export const SUMMARY_LOG_LINES = 64;

/** The summary of one boot: kilobytes, whatever the machine (nodes, zones and sizes grow it, calls and pages do not). */
export function bootJson(s: KernelState, warnings: string[], plan?: Plan) {
  const last = s.steps.at(-1);
  const hugetlbLog = s.dmesg.filter((l) => l.startsWith('HugeTLB: '));
  return {
    format: BOOT_JSON_FORMAT,
    // A boot the kernel would not survive comes first.
    panic: s.panic ?? null,
    diedAfter: s.panic ? (last?.fn ?? null) : null,
    // Why the boot dies, or is predicted to run out of memory after hugetlb_init() (exit status 1 either way).
    death: bootDeath(s),
    warnings,
    machine: { name: s.machine.name, source: s.machine.source, cmdline: s.machine.cmdline, ramBytes: machineRamBytes(s.machine) },
    profile: s.profile.name,
    // The real kernel this profile replays, or null: a generation modelled from source and mails, whose numbers are a guess.
    validatedAgainst: validatedAgainst(s.profile),
    // The build's configuration options hvosim models, and where they came from (null: the profile's own build); the facts read off
    // a log or an image.
    build: {
      config: s.build.config,
      configFrom: s.build.configFrom ?? null,
      imageFrom: s.build.imageFrom ?? null,
      factsFrom: s.build.factsFrom ?? null,
    },
    others: s.others?.name ?? 'none',
    // Per size, `recommended` is the most pages that boot and keep the margin free: `best` itself when best already does.
    plan: plan && {
      ...plan,
      // No count keeps the margin free (a margin above what the machine has free): no recommendation.
      sizes: plan.sizes.map((z) => ({
        ...z,
        recommended: z.recommended ?? (z.best && z.marginBytes !== undefined && z.best.freeBytes >= z.marginBytes ? z.best : undefined),
      })),
    },
    cmdlineNotes: cmdlineNotes(s.machine.cmdline),
    meminfo: meminfoObject(s),
    estimates: { MemFree: 'estimate: free pages minus what the running system holds (62 MiB)' },
    vmstat: vmstat(s),
    hugepages: hugepagesByNode(s),
    zones: zones(s),
    hvo: { enabled: s.hugetlb.vmemmapOptimizeEnabled, ...s.hvo },
    // /proc/vmstat has these counters from 6.11 on: null for a kernel without them (the text leaves them out).
    memmap: s.kernel.memmapCounters ? { nr_memmap_boot_pages: s.memmap.bootPages, nr_memmap_pages: s.memmap.pages } : null,
    maxPfn: s.maxPfn,
    nodes: nodeSummaries(s),
    counts: {
      memblockCalls: s.memblock.calls.length,
      dmesgLines: s.dmesg.length,
      hugePages: s.hugetlb.pages.length,
      steps: s.steps.length,
    },
    // Every line printed at pr_warn or worse (level, text, step), the first 64 of them.
    kernelLog: { hugetlb: firstOf(hugetlbLog, SUMMARY_LOG_LINES), warnings: firstOf(kernelWarnings(s), SUMMARY_LOG_LINES) },
    steps: s.steps.map((st, i) => {
      const next = s.steps[i + 1];
      return {
        fn: st.fn,
        memblockCalls: (next?.firstCall ?? s.memblock.calls.length) - st.firstCall,
        dmesgLines: (next?.firstLine ?? s.dmesg.length) - st.firstLine,
      };
    }),
    modelled: modelledSteps(s.profile),
    notModelled: s.profile.notModelled,
    streams: 'the memblock calls, the kernel log and the huge pages: --json-memblock, --json-dmesg, --json-pages (NDJSON)',
  };
}

/** The boot step that made item `i` of a list the steps index by `first` (memblock calls, dmesg lines); null before the first step. */
function* withSteps<T>(s: KernelState, n: number, first: 'firstCall' | 'firstLine', item: (i: number) => T): Generator<[string | null, T]> {
  let k = -1;
  for (let i = 0; i < n; i++) {
    while (k + 1 < s.steps.length && s.steps[k + 1]![first] <= i) k++;
    yield [k < 0 ? null : s.steps[k]!.fn, item(i)];
  }
}

/** --json-memblock: every memblock call in order, the step that made it, and whether memblock=debug printed it. */
export function* memblockRecords(s: KernelState): Generator<object> {
  let i = 0;
  for (const [step, c] of withSteps(s, s.memblock.calls.length, 'firstCall', (j) => s.memblock.calls.get(j))) yield { i: i++, step, ...c };
}

/** --json-dmesg: every kernel log line, with the step that printed it and its level (info, or pr_warn and worse). */
export function* dmesgRecords(s: KernelState): Generator<object> {
  let i = 0;
  for (const [step, text] of withSteps(s, s.dmesg.length, 'firstLine', (j) => s.dmesg[j]!))
    yield { i, step, level: s.dmesgLevels.get(i++) ?? 'info', text };
}

/** --json-pages: every huge page in a pool, lowest address first. */
export function* pageRecords(s: KernelState): Generator<object> {
  const ps = s.arch.pageSize;
  const pages = [...s.hugetlb.pages].sort((a, b) => a.pfn - b.pfn);
  for (const p of pages) {
    yield {
      pfn: p.pfn,
      phys: p.pfn * ps,
      sizeKb: (2 ** p.order * ps) / 1024,
      node: p.nid,
      zone: p.zone,
      vmemmapOptimized: p.vmemmapOptimized,
      bootHvo: !!p.bootHvo,
      surplus: !!p.surplus,
    };
  }
}
