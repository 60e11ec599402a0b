// What a conformance run leaves in OUT/report.json: every case's counts, bounded in size, enough to print the
// run's report again and to merge the shards of one run (--shard K/N) into the report a single run prints.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';

export const RECORD_FILE = 'report.json';
export const RECORD_FORMAT = 'hvosim-conformance-run/1';
/** Replay mismatches kept per case (the JSON report lists as many); the total is kept beside them. */
export const RECORD_MISMATCHES = 100;

export type Mode = 'replay' | 'qemu';

/** Which part of a run's cases: those whose 0-based index i has i % n === k. A whole run is 0/1. */
export interface Shard {
  k: number;
  n: number;
}

export const WHOLE: Shard = { k: 0, n: 1 };

export function inShard(index: number, s: Shard): boolean {
  return index % s.n === s.k;
}

/** "K/N", 0-based (shard 0/2 and 1/2 make one run), as --shard takes it. */
export function parseShard(text: string, field = '--shard'): Shard {
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(text.trim());
  const k = m ? Number(m[1]) : Number.NaN;
  const n = m ? Number(m[2]) : Number.NaN;
  if (!m || n < 1 || k >= n)
    throw new InputError(`"${text}" is not a shard: K/N with 0 <= K < N, counted from 0 (shards 0/2 and 1/2 make one run)`, {
      field,
    });
  return { k, n };
}

const counts = z.object({ total: z.number(), matched: z.number() });
const comparison = z.object({
  observables: counts,
  memblock: counts.extend({ unpredicted: z.number().optional() }),
  byKind: z.record(z.string(), counts),
});
const mismatch = z.object({
  kind: z.enum(['memblock', 'observable']),
  what: z.string(),
  kernel: z.string(),
  ours: z.string(),
  line: z.number().optional(),
});

const caseRecord = z.object({
  index: z.number().int().nonnegative(),
  id: z.string(),
  nodes: z.array(z.number()),
  cmdline: z.string(),
  nr2m: z.number().optional(),
  seconds: z.number(),
  failed: z.string().optional(),
  /** The QEMU command of a boot that failed. */
  command: z.string().optional(),
  log: z.string().optional(),
  /** Booted with KASLR (its log's command line has no nokaslr): the image's place is not predicted. */
  kaslr: z.boolean().optional(),
  /** Copied to OUT/mismatches (hasMismatch()). */
  saved: z.boolean(),
  replay: comparison.extend({ mismatches: z.array(mismatch), mismatchesTotal: z.number() }).optional(),
  qemu: comparison.extend({ mismatches: z.number() }).optional(),
});

const runRecord = z.object({
  format: z.literal(RECORD_FORMAT),
  seed: z.number(),
  /** Cases of the whole run (the generated ones, or the logs of --from-logs), of which the shard ran its part. */
  count: z.number().int().nonnegative(),
  kernel: z.string(),
  profile: z.string(),
  /** How the build was given (" --build FILE"), or "". */
  build: z.string(),
  note: z.string().optional(),
  fromLogs: z.string().optional(),
  walkVmemmap: z.boolean(),
  shard: z.object({ k: z.number().int().nonnegative(), n: z.number().int().positive() }),
  out: z.string(),
  seconds: z.number(),
  cases: z.array(caseRecord),
  /** The shards' folders, when this record is their merge. */
  mergedFrom: z.array(z.string()).optional(),
});

export type CaseRecord = z.infer<typeof caseRecord>;
export type RunRecord = z.infer<typeof runRecord>;

export function writeRecord(out: string, r: RunRecord): void {
  writeFileSync(join(out, RECORD_FILE), `${JSON.stringify(r)}\n`);
}

/** OUT/report.json of a finished run, or one clear error naming the folder. */
export function readRecord(dir: string): RunRecord {
  const file = join(dir, RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`no ${RECORD_FILE}: not the --out of a finished conformance run (a shard still running writes it at its end)`, {
      file: dir,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON: ${(e as Error).message}`, { file });
  }
  const p = runRecord.safeParse(json);
  if (!p.success) {
    const i = p.error.issues[0]!;
    throw new InputError(`not a conformance report of this hvosim (${RECORD_FORMAT}): ${i.path.join('.') || 'the top'}: ${i.message}`, {
      file,
    });
  }
  return p.data;
}

/** What the shards of one run share; a merge refuses folders that differ in any of it. */
const SAME = ['seed', 'count', 'kernel', 'profile', 'build', 'walkVmemmap'] as const;

/**
 * The shards of one run, merged into the record a single run of all its cases leaves: the same cases in the
 * same order, each with its own counts. Refused, with what is wrong, unless the folders are every shard of one
 * run, each once.
 */
export function mergeRecords(records: { dir: string; record: RunRecord }[]): RunRecord {
  if (!records.length) throw new InputError('no folders to merge', { field: 'merge' });
  const [first, ...rest] = records;
  const a = first!.record;
  for (const { dir, record: b } of rest) {
    for (const f of SAME)
      if (b[f] !== a[f])
        throw new InputError(`not a shard of the same run as ${first!.dir}: ${f} ${JSON.stringify(b[f])}, not ${JSON.stringify(a[f])}`, {
          file: dir,
        });
    if (b.shard.n !== a.shard.n)
      throw new InputError(`shard ${b.shard.k}/${b.shard.n} is of a run cut in ${b.shard.n}, ${first!.dir} of one cut in ${a.shard.n}`, {
        file: dir,
      });
  }
  const n = a.shard.n;
  const byK = new Map<number, string>();
  for (const { dir, record } of records) {
    const other = byK.get(record.shard.k);
    if (other !== undefined) throw new InputError(`shard ${record.shard.k}/${n} twice: in ${other} too`, { file: dir });
    byK.set(record.shard.k, dir);
  }
  const missing = Array.from({ length: n }, (_, k) => k).filter((k) => !byK.has(k));
  if (missing.length)
    throw new InputError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing (given: ` +
        `${[...byK.keys()]
          .sort((x, y) => x - y)
          .map((k) => `${k}/${n}`)
          .join(', ')}): every shard of the run is needed`,
      { field: 'merge' },
    );
  const cases: CaseRecord[] = [];
  for (const { dir, record } of records)
    for (const c of record.cases) {
      if (c.index >= record.count || !inShard(c.index, record.shard))
        throw new InputError(`case ${c.id} (index ${c.index}) is not one of shard ${record.shard.k}/${n} of ${record.count} cases`, {
          file: dir,
        });
      cases.push(c);
    }
  cases.sort((x, y) => x.index - y.index);
  for (let i = 1; i < cases.length; i++)
    if (cases[i]!.index === cases[i - 1]!.index) throw new InputError(`case index ${cases[i]!.index} is in two shards`, { field: 'merge' });
  return {
    ...a,
    shard: WHOLE,
    // Side by side, the run took as long as its longest shard.
    seconds: Math.max(...records.map((r) => r.record.seconds)),
    cases,
    mergedFrom: records.map((r) => r.dir),
  };
}

export interface KindRate {
  /** Cases that showed this observable, and those where every instance matched. */
  cases: number;
  casesMatched: number;
  /** Instances over all cases. */
  total: number;
  matched: number;
}

/** The rates, what was not predicted, and the failed boots of a run, from its cases' counts in case order. */
export function summarize(cases: readonly CaseRecord[]): {
  booted: number;
  failed: { id: string; reason: string; command: string }[];
  rates: Record<Mode, Record<string, KindRate>>;
  unpredicted: { acpiReservations: number; kaslrCases: number };
} {
  const rates: Record<Mode, Record<string, KindRate>> = { replay: {}, qemu: {} };
  for (const c of cases)
    for (const mode of ['replay', 'qemu'] as const) {
      const r = c[mode];
      if (!r) continue;
      // The memblock calls are a kind of their own, first.
      for (const [k, v] of Object.entries({ 'memblock calls': r.memblock, ...r.byKind })) {
        const e = (rates[mode][k] ??= { cases: 0, casesMatched: 0, total: 0, matched: 0 });
        if (!v.total) continue;
        e.cases++;
        if (v.matched === v.total) e.casesMatched++;
        e.total += v.total;
        e.matched += v.matched;
      }
    }
  const compared = cases.filter((c) => c.qemu);
  return {
    booted: cases.filter((c) => c.log && !c.failed).length,
    failed: cases.filter((c) => c.failed).map((c) => ({ id: c.id, reason: c.failed!, command: c.command ?? '' })),
    rates,
    unpredicted: {
      acpiReservations: compared.reduce((a, c) => a + (c.qemu!.memblock.unpredicted ?? 0), 0),
      kaslrCases: compared.filter((c) => c.kaslr).length,
    },
  };
}
