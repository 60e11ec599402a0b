// The report of a conformance run, as text or JSON, printed from what the run keeps in OUT/report.json: a single
// run, a shard of one, and the merge of its shards print it the same way.
import { type CaseRecord, type Mode, type RunRecord, summarize } from '../conformance/record.js';
import { printJson, table } from './output.js';

type Summary = ReturnType<typeof summarize>;

function rateTable(s: Summary, mode: Mode): string {
  const rows = Object.entries(s.rates[mode]).filter(([, v]) => v.cases);
  return table([
    ['observable', 'cases matched', 'instances matched'],
    ...rows.map(([k, v]) => [
      k,
      `${v.casesMatched}/${v.cases} (${((100 * v.casesMatched) / v.cases).toFixed(1)}%)`,
      `${v.matched}/${v.total}`,
    ]),
  ]);
}

/** What boot --qemu could not predict, said under its table so that no rate is an artefact of it. */
function unpredictedLines(s: Summary): string[] {
  const { acpiReservations, kaslrCases } = s.unpredicted;
  return [
    ...(acpiReservations
      ? [
          `  not predicted, left out: ${acpiReservations} memblock_reserve calls of the firmware's ACPI tables (acpi_reserve_initial_tables)`,
        ]
      : []),
    ...(kaslrCases ? [`  not predicted: the kernel image's place in the ${kaslrCases} cases booted with KASLR (no nokaslr)`] : []),
  ];
}

/** Exit status 1 when a replay observable mismatched or a boot failed. */
export function recordExitCode(r: RunRecord): number {
  return r.cases.some((c) => c.failed || c.replay?.mismatchesTotal) ? 1 : 0;
}

function jsonCase(c: CaseRecord) {
  return {
    id: c.id,
    nodes: c.nodes,
    cmdline: c.cmdline,
    nr2m: c.nr2m,
    seconds: c.seconds,
    failed: c.failed,
    replay: c.replay && {
      observables: c.replay.observables,
      memblock: c.replay.memblock,
      mismatches: c.replay.mismatches,
      mismatchesTotal: c.replay.mismatchesTotal,
    },
    qemu: c.qemu && { observables: c.qemu.observables, memblock: c.qemu.memblock, mismatches: c.qemu.mismatches },
  };
}

/** The JSON report: the same fields for a single run and a merge; a shard says which, a merge its folders. */
export function recordJson(r: RunRecord) {
  const s = summarize(r.cases);
  return {
    seed: r.seed,
    profile: r.profile,
    kernel: r.kernel,
    cases: r.cases.length,
    booted: s.booted,
    failed: s.failed,
    rates: s.rates,
    unpredicted: s.unpredicted,
    results: r.cases.map(jsonCase),
    seconds: r.seconds,
    ...(r.shard.n > 1 ? { shard: r.shard, of: r.count } : {}),
    ...(r.mergedFrom ? { mergedFrom: r.mergedFrom } : {}),
  };
}

export function recordText(r: RunRecord): string {
  const s = summarize(r.cases);
  const part = r.shard.n > 1 ? `shard ${r.shard.k}/${r.shard.n}: ${r.cases.length} of ` : '';
  const time = r.mergedFrom ? `the longest shard ${r.seconds.toFixed(0)} s` : `${r.seconds.toFixed(0)} s`;
  const out = [
    r.fromLogs !== undefined
      ? `hvosim conformance: ${part}${r.shard.n > 1 ? r.count : r.cases.length} logs from ${r.fromLogs} compared again, profile ${r.profile} (${time})`
      : `hvosim conformance: ${part}${r.shard.n > 1 ? r.count : r.cases.length} cases from seed ${r.seed} against ${r.kernel}, profile ${r.profile}: ` +
        `${s.booted} booted, ${s.failed.length} failed (${time})`,
    ...(r.mergedFrom ? [`merged from ${r.mergedFrom.length} shards: ${r.mergedFrom.join(' ')}`] : []),
    ...(r.note ? [`note: ${r.note}`] : []),
    '',
    'hvosim replay (our boot of the logged machine, other subsystems from the log):',
    rateTable(s, 'replay'),
    '',
    'hvosim boot --qemu (our boot from the QEMU command line alone, other subsystems estimated):',
    rateTable(s, 'qemu'),
    ...unpredictedLines(s),
  ];
  if (s.failed.length) out.push('', 'Boots that failed:', ...s.failed.map((f) => `  ${f.id}: ${f.reason}\n    ${f.command}`));
  const saved = r.cases.filter((c) => c.saved).length;
  const outs = r.mergedFrom ?? [r.out];
  const logs = r.fromLogs ?? outs.map((o) => `${o}/logs`).join(', ');
  out.push(
    '',
    `Logs: ${logs}; ${saved} cases with a mismatch (beyond boot --qemu's memblock addresses) saved to ` +
      `${outs.map((o) => `${o}/mismatches`).join(', ')} (log + .cmd).`,
  );
  return `${out.join('\n')}\n`;
}

/** Print the report and set the exit status. */
export function printRecord(r: RunRecord, json: boolean): void {
  process.exitCode = recordExitCode(r);
  if (json) printJson(recordJson(r));
  else process.stdout.write(recordText(r));
}
