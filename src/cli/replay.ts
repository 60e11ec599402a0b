// hvosim replay: replay a real kernel log against our model.
import type { Command } from 'commander';
import { profileOfLog } from '../conformance/kernels.js';
import { parseKernelLog, type KernelLog } from '../trace/log.js';
import { hvoPartnerProblem, replayFixture, type FixtureReplay } from '../trace/observe.js';
import { replayDebugLines, replayMemblock, type ReplayResult } from '../trace/replay.js';
import { escapeControl, InputError } from '../util/errors.js';
import { parseKernel, type KernelJson } from './boot.js';
import { type BuildOptions, profileWithOwnBuild, readBuildOption } from './build-options.js';
import { inputName, readInputFile } from './input.js';
import { getProfile, type ProfileName } from '../simulator.js';
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
    cutAt: r.cutAt,
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
  return r.observables.matched === r.observables.total && r.memblock.matched === r.memblock.total && r.cutAt === undefined;
}

function fixtureJson(r: FixtureReplay & { kernel: KernelJson }) {
  return {
    file: r.file,
    kernel: r.kernel,
    observables: r.observables,
    memblock: r.memblock,
    mismatches: r.mismatches.slice(0, REPLAY_JSON_LIST),
    mismatchesTotal: r.mismatches.length,
    byKind: r.byKind,
    notes: r.notes,
    cutAt: r.cutAt ?? null,
    build: r.build,
  };
}

/**
 * The profile a log is compared with: --kernel (a profile or a version), else the one its own "Linux version" line
 * maps to (profileForVersion()), with the note that says when that is not the release's own validated code.
 */
export function replayProfile(log: KernelLog, kernel: string | undefined): KernelJson {
  if (kernel !== undefined) return parseKernel(kernel);
  const { profile, version, exact, note } = profileOfLog(log.dmesg);
  return { asked: version ?? null, profile, exact, note: note ?? null, approximate: !exact || !!note };
}

/** Each kernel note once, before any figure: a log is never compared with another release's profile without a word. */
function kernelNotes(kernels: KernelJson[]): void {
  for (const n of new Set(kernels.map((k) => k.note).filter((x): x is string => !!x))) process.stdout.write(`note: ${escapeControl(n)}.\n`);
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'boot the machine of a real kernel log and compare everything the kernel showed (or, with --memblock, replay its memblock calls)',
    )
    .argument('<files...>', 'kernel logs: oracle fixtures or plain dmesg output with memblock=debug')
    .option(
      '--kernel <profile>',
      'the hvosim profile to compare with (default: the one for the log\'s own "Linux version" line; 6.1 when it has none)',
    )
    .option('--config <file>', "the logged kernel's configuration (.config, /boot/config-*, /proc/config.gz): the options hvosim models")
    .option('--build <file>', "a build description (hvosim build --json): the logged kernel's options and facts (the log's own facts win)")
    .option('--memblock', "replay the log's memblock calls one by one against our memblock instead of booting")
    .option('--json', 'print one JSON object per file (an array when several files are given)')
    .option('--debug-log', "replay the memblock calls (--memblock) and print our memblock=debug lines, to diff with the kernel's")
    .option(
      '--partner <file>',
      'the HVO on/off partner: the same machine and command line but for hugetlb_free_vmemmap= (default: looked for among the complete logs beside FILE)',
    )
    .option('--no-partner', 'compare no MemTotal change against an HVO on/off partner (read no other file)')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim replay test/fixtures/linux-6.1/p02-2node-1g2-hvo.txt
  $ hvosim replay --json test/fixtures/linux-6.1/*.txt
  $ hvosim replay --memblock --json test/fixtures/linux-6.1/p15-kaslr-2node.txt
  $ hvosim replay --debug-log boot.log | diff - <(grep -o 'memblock_[a-z_]*: .*' boot.log | sed 's/+0x.*//')
  $ hvosim replay p02-2node-1g2-hvo.txt --partner p03-2node-1g2-nohvo.txt
  $ dmesg | hvosim replay --memblock -           plain dmesg, dmesg -T, dmesg -r or journalctl -k, from a file or - (stdin)

The whole replay boots the logged machine with our model; the memblock calls of
subsystems hvosim does not model are taken from the log where the kernel made
them. It compares our memblock calls (sparse, vmemmap, hugetlb, setup_arch),
every HugeTLB: line, the zone blocks, /proc/zoneinfo sizes, hugepages per node,
HugePages_Total, Hugetlb and MemTotal, before and after the pool was grown, and
the MemTotal change against its HVO on/off partner: the log named by --partner,
or else a complete log of the same machine beside it that differs only in
hugetlb_free_vmemmap= (other files there are not read).

Exit status: 0 everything matched, 1 a mismatch (or a log cut short), 2 bad input.`,
    )
    .action(
      async (
        files: string[],
        o: { json?: boolean; debugLog?: boolean; memblock?: boolean; partner?: string | false; kernel?: string } & BuildOptions,
      ) => {
        if (o.kernel !== undefined) parseKernel(o.kernel);
        const described = await readBuildOption(o);
        const read = (f: string) => parseKernelLog(readInputFile(f), inputName(f));
        if (files.filter((f) => f === '-').length > 1) throw new InputError('standard input (-) can be read only once');
        // The memblock=debug lines are a product of the memblock replay: --debug-log asks for it.
        if (o.debugLog) o.memblock = true;
        if (!o.memblock) {
          let partner: ReturnType<typeof read> | null | undefined;
          if (typeof o.partner === 'string') {
            if (files.length !== 1) throw new InputError('--partner goes with one log', { field: '--partner' });
            partner = read(o.partner);
          } else if (o.partner === false) partner = null;
          const results = files.map((f) => {
            const log = read(f);
            if (partner) {
              const why = hvoPartnerProblem(log, partner);
              if (why)
                throw new InputError(`not the HVO on/off partner of ${log.file}: ${why}`, { file: partner.file, field: '--partner' });
            }
            const kernel = replayProfile(log, o.kernel);
            // The build's facts come from the log itself (src/trace/build-from-log.ts); --config or --build gives the rest.
            // --build: the description's profile unless --kernel names one; the log's own facts still win over it.
            const name =
              described && o.kernel === undefined && getProfile(described.kernel) ? (described.kernel as ProfileName) : kernel.profile;
            const r = replayFixture(log, profileWithOwnBuild(name, o, described), { partner });
            if (kernel.note) r.notes.unshift(kernel.note);
            return { ...r, profile: kernel.profile, kernel };
          });
          if (o.json) printJson(results.length === 1 ? fixtureJson(results[0]!) : results.map(fixtureJson));
          else {
            // A log answered by another release's profile (or an unvalidated one) is said first, before any figure.
            kernelNotes(results.map((r) => r.kernel));
            // Which of the build's facts came from the logs themselves, said once.
            const fromLog = [...new Set(results.flatMap((r) => r.build?.fromLog ?? []).map((f) => f.split(':')[0]!))];
            const cfg = results.find((r) => r.build?.configFrom)?.build?.configFrom;
            process.stdout.write(
              `build: ${fromLog.length ? `${fromLog.join(', ')} read from the log${results.length > 1 ? 's' : ''}` : 'no facts in the log'}` +
                `${cfg ? `, options from ${cfg}` : ''}; every other fact is the profile's build's\n`,
            );
            const rows = [['log', 'profile', 'observables', 'memblock calls', 'result']];
            for (const r of results)
              rows.push([
                escapeControl(r.file),
                r.profile,
                `${r.observables.matched}/${r.observables.total}`,
                `${r.memblock.matched}/${r.memblock.total}`,
                fixtureOk(r) ? paint('32', 'ok') : r.mismatches.length ? paint('31', 'MISMATCH') : paint('33', 'cut short'),
              ]);
            process.stdout.write(`${table(rows)}\n`);
            for (const r of results) {
              if (r.cutAt !== undefined)
                process.stdout.write(
                  `${escapeControl(r.file)}: the log is cut short at line ${r.cutAt} (the kernel went on): only what it shows was compared\n`,
                );
              for (const m of r.mismatches)
                process.stdout.write(
                  `${escapeControl(`${r.file}${m.line ? `:${m.line}` : ''}: ${m.what}`)}\n` +
                    `    kernel: ${escapeControl(m.kernel)}\n    ours:   ${escapeControl(m.ours)}\n`,
                );
              // Beside what differs, what the kernel itself does not repeat (the rest of the notes are in --json).
              if (r.mismatches.length)
                for (const n of r.timing ?? []) process.stdout.write(`${escapeControl(r.file)}: note: ${escapeControl(n)}\n`);
            }
          }
          if (!results.every(fixtureOk)) process.exitCode = 1;
          return;
        }
        if (typeof o.partner === 'string')
          throw new InputError('--partner goes with the whole replay, not --memblock', { field: '--partner' });
        const results = files.map((f) => {
          const log = read(f);
          const kernel = replayProfile(log, o.kernel);
          const r = replayMemblock(log, { profile: kernel.profile });
          if (r.calls === 0 && r.applied === 0)
            throw new InputError('no memblock=debug lines (boot the kernel with memblock=debug on its command line)', { file: r.file });
          return { ...r, kernel };
        });
        if (o.debugLog) {
          for (const r of results) process.stdout.write(`${replayDebugLines(r).join('\n')}\n`);
          return;
        }
        const memblockJson = (r: (typeof results)[number]) => {
          const { file, ...rest } = replayJson(r);
          return { file, kernel: r.kernel, ...rest };
        };
        if (o.json) printJson(results.length === 1 ? memblockJson(results[0]!) : results.map(memblockJson));
        else {
          kernelNotes(results.map((r) => r.kernel));
          const rows = [['log', 'allocations', 'matched', 'other calls', 'dumps', 'NUMA lines', 'result']];
          for (const r of results) {
            rows.push([
              escapeControl(r.file),
              String(r.calls),
              String(r.matched),
              String(r.applied),
              `${r.dumps.matched}/${r.dumps.total}`,
              `${r.numa.matched}/${r.numa.total}`,
              replayOk(r) ? paint('32', 'ok') : r.mismatches.length ? paint('31', 'MISMATCH') : paint('33', 'cut short'),
            ]);
          }
          process.stdout.write(`${table(rows)}\n`);
          for (const r of results) {
            const f = escapeControl(r.file);
            for (const m of r.mismatches)
              process.stdout.write(
                `${f}:${m.line}: ${m.kind}: ${escapeControl(m.call)}\n    kernel: ${escapeControl(m.kernel)}\n    ours:   ${escapeControl(m.ours)}\n`,
              );
            if (r.truncated)
              process.stdout.write(
                `${f}: the log is cut short at line ${r.cutAt} (it ends before the kernel's "Memory: ...K available" line, ` +
                  `where memblock's work ends; the kernel went on): only the ${r.calls} allocations and ${r.dumps.total} dumps before it were compared\n`,
              );
            for (const n of r.notes) process.stdout.write(`${f}: note: ${escapeControl(n)}\n`);
          }
        }
        if (!results.every(replayOk)) process.exitCode = 1;
      },
    );
}
