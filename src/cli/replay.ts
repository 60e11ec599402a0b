// hvosim replay: replay a real kernel log against our model.
import type { Command } from 'commander';
import { parseKernelLog } from '../trace/log.js';
import { replayFixture, type FixtureReplay } from '../trace/observe.js';
import { replayDebugLines, replayMemblock, type ReplayResult } from '../trace/replay.js';
import { InputError } from '../util/errors.js';
import { readInputFile } from './input.js';
import { paint, printJson, table } from './output.js';

/** Most mismatches (and early reservations) replay --json lists; the rest are counted. */
export const REPLAY_JSON_LIST = 100;

export function replayJson(r: ReplayResult) {
  return {
    file: r.file,
    calls: r.calls,
    matched: r.matched,
    applied: r.applied,
    dumps: r.dumps,
    numa: r.numa,
    truncated: r.truncated,
    mismatches: r.mismatches.slice(0, REPLAY_JSON_LIST),
    mismatchesTotal: r.mismatches.length,
    early: r.early.slice(0, REPLAY_JSON_LIST).map((e) => ({ base: e.base, size: e.size, what: e.what, evidence: e.evidence })),
    earlyTotal: r.early.length,
    notes: r.notes,
  };
}

export function replayOk(r: ReplayResult): boolean {
  return r.mismatches.length === 0 && r.matched === r.calls && !r.truncated;
}

function fixtureOk(r: FixtureReplay): boolean {
  return r.observables.matched === r.observables.total && r.memblock.matched === r.memblock.total;
}

function fixtureJson(r: FixtureReplay) {
  return { file: r.file, observables: r.observables, memblock: r.memblock, mismatches: r.mismatches.slice(0, REPLAY_JSON_LIST), mismatchesTotal: r.mismatches.length, byKind: r.byKind, notes: r.notes };
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('boot the machine of a real kernel log and compare everything the kernel showed (or, with --memblock, replay its memblock calls)')
    .argument('<files...>', 'kernel logs: oracle fixtures or plain dmesg output with memblock=debug')
    .option('--memblock', "replay the log's memblock calls one by one against our memblock instead of booting")
    .option('--json', 'print one JSON object per file (an array when several files are given)')
    .option('--debug-log', "with --memblock: print our memblock=debug lines (to diff with the kernel's)")
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim replay ../shared/fixtures/linux-6.1/p02-2node-1g2-hvo.txt
  $ hvosim replay --json test/fixtures/linux-6.1/*.txt
  $ hvosim replay --memblock --json ../shared/fixtures/linux-6.1/p15-kaslr-2node.txt
  $ hvosim replay --memblock --debug-log boot.log | diff - <(grep -o 'memblock_[a-z_]*: .*' boot.log | sed 's/+0x.*//')

The whole replay boots the logged machine with our model; the memblock calls of
subsystems hvosim does not model are taken from the log where the kernel made
them. It compares our memblock calls (sparse, vmemmap, hugetlb, setup_arch),
every HugeTLB: line, the zone blocks, /proc/zoneinfo sizes, hugepages per node,
HugePages_Total, Hugetlb and MemTotal, before and after the pool was grown, and
the MemTotal change against a fixture beside it that differs only in
hugetlb_free_vmemmap=.

Exit status: 0 everything matched, 1 a mismatch (or a log cut short), 2 bad input.`,
    )
    .action((files: string[], o: { json?: boolean; debugLog?: boolean; memblock?: boolean }) => {
      if (!o.memblock) {
        if (o.debugLog) throw new InputError('--debug-log goes with --memblock', { field: '--debug-log' });
        const results = files.map((f) => replayFixture(parseKernelLog(readInputFile(f), f)));
        if (o.json) printJson(results.length === 1 ? fixtureJson(results[0]!) : results.map(fixtureJson));
        else {
          const rows = [['log', 'observables', 'memblock calls', 'result']];
          for (const r of results) rows.push([r.file, `${r.observables.matched}/${r.observables.total}`, `${r.memblock.matched}/${r.memblock.total}`, fixtureOk(r) ? paint('32', 'ok') : paint('31', 'MISMATCH')]);
          process.stdout.write(table(rows) + '\n');
          for (const r of results) {
            for (const m of r.mismatches) process.stdout.write(`${r.file}${m.line ? ':' + m.line : ''}: ${m.what}\n    kernel: ${m.kernel}\n    ours:   ${m.ours}\n`);
          }
        }
        if (!results.every(fixtureOk)) process.exitCode = 1;
        return;
      }
      const results = files.map((f) => replayMemblock(parseKernelLog(readInputFile(f), f)));
      if (o.debugLog) {
        for (const r of results) process.stdout.write(replayDebugLines(r).join('\n') + '\n');
        return;
      }
      if (o.json) printJson(results.length === 1 ? replayJson(results[0]!) : results.map(replayJson));
      else {
        const rows = [['log', 'allocations', 'matched', 'other calls', 'dumps', 'NUMA lines', 'result']];
        for (const r of results) {
          rows.push([r.file, String(r.calls), String(r.matched), String(r.applied), `${r.dumps.matched}/${r.dumps.total}`, `${r.numa.matched}/${r.numa.total}`, replayOk(r) ? paint('32', 'ok') : paint('31', 'MISMATCH')]);
        }
        process.stdout.write(table(rows) + '\n');
        for (const r of results) {
          for (const m of r.mismatches) process.stdout.write(`${r.file}:${m.line}: ${m.kind}: ${m.call}\n    kernel: ${m.kernel}\n    ours:   ${m.ours}\n`);
          if (r.truncated) process.stdout.write(`${r.file}: the log is cut short; the last calls could not be compared\n`);
          for (const n of r.notes) process.stdout.write(`${r.file}: note: ${n}\n`);
        }
      }
      if (!results.every(replayOk)) process.exitCode = 1;
    });
}
