// hvosim replay: replay a real kernel log against our model.
import type { Command } from 'commander';
import { parseKernelLog } from '../trace/log.js';
import { replayDebugLines, replayMemblock, type ReplayResult } from '../trace/replay.js';
import { readInputFile } from './input.js';
import { paint, printJson, table } from './output.js';

export function replayJson(r: ReplayResult) {
  return {
    file: r.file,
    calls: r.calls,
    matched: r.matched,
    applied: r.applied,
    dumps: r.dumps,
    numa: r.numa,
    truncated: r.truncated,
    mismatches: r.mismatches,
    early: r.early.map((e) => ({ base: e.base, size: e.size, what: e.what, evidence: e.evidence })),
    notes: r.notes,
  };
}

export function replayOk(r: ReplayResult): boolean {
  return r.mismatches.length === 0 && r.matched === r.calls && !r.truncated;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay a real kernel log (memblock=debug) against the model and compare every call')
    .argument('<files...>', 'kernel logs: oracle fixtures or plain dmesg output with memblock=debug')
    .option('--memblock', 'compare the memblock calls (the only replay this version has)')
    .option('--json', 'print one JSON object per file (an array when several files are given)')
    .option('--debug-log', "print our memblock=debug lines instead (to diff with the kernel's)")
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim replay --memblock ../shared/fixtures/linux-6.1/p02-2node-1g2-hvo.txt
  $ hvosim replay --memblock --json test/fixtures/linux-6.1/*.txt
  $ hvosim replay --debug-log boot.log | diff - <(grep -o 'memblock_[a-z_]*: .*' boot.log | sed 's/+0x.*//')

Exit status: 0 every call matched, 1 a mismatch (or a log cut short), 2 bad input.`,
    )
    .action((files: string[], o: { json?: boolean; debugLog?: boolean }) => {
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
