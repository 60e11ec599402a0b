// A conformance run cut in shards (--shard K/N) and merged again is the run itself: from recorded logs, the merged
// report equals the report of one run of all the cases, case by case and in every rate.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { recordJson, recordText } from '../../src/cli/conformance-report.js';
import { generateCases } from '../../src/conformance/cases.js';
import { caseKernelCmdline } from '../../src/conformance/oracle.js';
import { type CaseRecord, mergeRecords, parseShard, readRecord, type RunRecord, summarize } from '../../src/conformance/record.js';
import { runConformance } from '../../src/conformance/run.js';
import { InputError } from '../../src/util/errors.js';
import { ROOT } from '../helpers.js';

const FIXTURES = join(ROOT, 'test/fixtures/linux-7.3');

describe('--shard K/N', () => {
  test('K/N counted from 0, K < N; anything else is one clear error naming --shard', () => {
    assert.deepEqual(parseShard('0/1'), { k: 0, n: 1 });
    assert.deepEqual(parseShard('3/4'), { k: 3, n: 4 });
    for (const bad of ['4/4', '1/0', '-1/2', '1', '1/2/3', 'a/b', '', '1.5/2'])
      assert.throws(
        () => parseShard(bad),
        (e: unknown) => e instanceof InputError && /^--shard: ".*" is not a shard: K\/N with 0 <= K < N/.test(e.describe()),
        bad,
      );
  });
});

describe('two shards merged equal one run, from recorded logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvosim-shard-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  // Seven boots of 7.3: odd, so the shards differ in size; some with a boot --qemu mismatch (saved), one with KASLR.
  const names = [
    'n01-1node-1g-2m',
    'n04-8node-1g6',
    'n06-2node-kcore-mixed',
    'n08-kaslr-3g5g',
    'n14-2node-grow-hvo',
    'n16-bad-params',
    'v04-movable-cuts-1g-hvo',
  ].map((n) => `${n}.txt`);
  for (const n of names) copyFileSync(join(FIXTURES, n), join(logs, n));
  const run = (out: string, shard?: { k: number; n: number }) =>
    runConformance({
      count: 0,
      seed: 1,
      jobs: 1,
      profile: '7.3',
      out: join(dir, out),
      work: join(dir, 'work'),
      timeoutSec: 1,
      fromLogs: logs,
      shard,
    });
  const t0 = performance.now();
  const whole = await run('whole');
  const tWhole = performance.now() - t0;
  const s1 = await run('s1', { k: 1, n: 2 });
  const s0 = await run('s0', { k: 0, n: 2 });
  const t1 = performance.now();
  const merged = mergeRecords([
    { dir: join(dir, 's1'), record: readRecord(join(dir, 's1')) },
    { dir: join(dir, 's0'), record: readRecord(join(dir, 's0')) },
  ]);
  const tMerge = performance.now() - t1;
  const single = readRecord(join(dir, 'whole'));
  const noTime = (r: RunRecord) => {
    const { seconds: _s, mergedFrom: _m, out: _o, ...rest } = r;
    return rest;
  };
  process.stderr.write(`# one run ${tWhole.toFixed(0)} ms, merge ${tMerge.toFixed(1)} ms\n`);

  test('each shard has its part: indexes i % 2 == K, in order', () => {
    assert.deepEqual(
      s0.record.cases.map((c) => c.index),
      [0, 2, 4, 6],
    );
    assert.deepEqual(
      s1.record.cases.map((c) => c.index),
      [1, 3, 5],
    );
    assert.equal(s0.record.count, 7);
    assert.deepEqual(s0.record.shard, { k: 0, n: 2 });
  });
  test('the merged record is the single run’s: every case, in order, with its counts; the same rates', () => {
    assert.deepEqual(noTime(merged), noTime(single));
    assert.deepEqual(
      merged.cases.map((c) => c.id),
      names.map((n) => n.replace(/\.txt$/, '')),
    );
    const a = summarize(merged.cases);
    assert.deepEqual(a, summarize(single.cases));
    // ... and the record is the report the run returned.
    assert.deepEqual(a.rates, whole.rates);
    assert.deepEqual(a.unpredicted, whole.unpredicted);
    assert.equal(a.unpredicted.kaslrCases, 1);
    assert.deepEqual(a.failed, whole.failed);
    assert.ok(merged.cases.some((c) => c.saved));
    // The rates' order is the single run's too (the text table lists them in it).
    assert.deepEqual(Object.keys(a.rates.qemu), Object.keys(whole.rates.qemu));
  });
  test('the printed report, text and JSON, is the single run’s but for time and where the folders are', () => {
    const j = (r: RunRecord) => {
      const { seconds: _s, mergedFrom: _m, ...rest } = recordJson(r);
      return rest;
    };
    assert.deepEqual(j(merged), j(single));
    const body = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/^(hvosim conformance:|merged from|Logs:)/.test(l))
        .join('\n');
    assert.equal(body(recordText(merged)), body(recordText(single)));
    assert.match(
      recordText(merged),
      /^hvosim conformance: 7 logs from .* compared again, profile 7\.3 \(the longest shard \d+ s\)\nmerged from 2 shards: /,
    );
    assert.match(recordText(s0.record), /^hvosim conformance: shard 0\/2: 4 of 7 logs from /);
  });
  test('report.json stays small: counts and the first mismatches, not the logs', () => {
    const size = readFileSync(join(dir, 'whole', 'report.json')).length;
    assert.ok(size < 7 * 8000, `${size} bytes`);
  });
  test('a merge refuses what is not every shard of one run, each once, saying which', () => {
    const rec = (d: string) => ({ dir: join(dir, d), record: readRecord(join(dir, d)) });
    const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof InputError && re.test(e.describe()));
    err(() => mergeRecords([rec('s0')]), /^merge: shard 1\/2 missing \(given: 0\/2\): every shard of the run is needed/);
    err(() => mergeRecords([rec('s0'), rec('s0')]), /s0: shard 0\/2 twice: in .*s0 too/);
    err(() => mergeRecords([rec('s0'), rec('whole')]), /whole: shard 0\/1 is of a run cut in 1, .*s0 of one cut in 2/);
    const other = { ...rec('s1'), record: { ...rec('s1').record, seed: 2 } };
    err(() => mergeRecords([rec('s0'), other]), /s1: not a shard of the same run as .*s0: seed 2, not 1/);
    const moved = { ...rec('s1'), record: { ...rec('s1').record, cases: rec('s0').record.cases } };
    err(() => mergeRecords([rec('s0'), moved]), /s1: case n01-1node-1g-2m \(index 0\) is not one of shard 1\/2 of 7 cases/);
    err(() => readRecord(join(dir, 'logs')), /logs: no report\.json: not the --out of a finished conformance run/);
    writeFileSync(join(dir, 'logs', 'report.json'), '{"format":"hvosim-conformance-run/1","seed":1}');
    err(
      () => readRecord(join(dir, 'logs')),
      /report\.json: not a conformance report of this hvosim \(hvosim-conformance-run\/1\): count: /,
    );
  });
});

describe('failed boots merge in case order', () => {
  const base = (shard: { k: number; n: number }, cases: CaseRecord[]): RunRecord => ({
    format: 'hvosim-conformance-run/1',
    seed: 3,
    count: 4,
    kernel: 'linux-image-6.1.0-56-cloud-amd64',
    profile: '6.1',
    build: '',
    walkVmemmap: false,
    shard,
    out: `o${shard.k}`,
    seconds: 10 + shard.k,
    cases,
  });
  const c = (index: number, failed?: string): CaseRecord => ({
    index,
    id: `c00${index + 1}`,
    nodes: [1024],
    cmdline: '',
    seconds: 1,
    saved: false,
    ...(failed ? { failed, command: `qemu ${index}` } : { log: `l${index}` }),
  });
  test('the failed list and the booted count are the single run’s', () => {
    const m = mergeRecords([
      { dir: 'o1', record: base({ k: 1, n: 2 }, [c(1, 'hung'), c(3)]) },
      { dir: 'o0', record: base({ k: 0, n: 2 }, [c(0, 'panic'), c(2)]) },
    ]);
    const s = summarize(m.cases);
    assert.deepEqual(
      s.failed.map((f) => f.id),
      ['c001', 'c002'],
    );
    assert.equal(s.booted, 2);
    assert.equal(m.seconds, 11);
    assert.match(recordText(m), /Boots that failed:\n {2}c001: panic\n {4}qemu 0\n {2}c002: hung/);
  });
});

// The live path without booting: a shard whose cases' complete logs are already in OUT/logs (an interrupted run
// going on) boots nothing again. It needs QEMU, busybox and cpio only to set up the initramfs.
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const tools = have('qemu-system-x86_64') && existsSync('/bin/busybox') && have('cpio');

describe('a live shard', { skip: !tools && 'needs qemu-system-x86_64, /bin/busybox and cpio' }, () => {
  test('runs the generated cases of its indexes; KASLR counted from the kernel’s command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvosim-live-shard-'));
    const out = join(dir, 'out');
    mkdirSync(join(out, 'logs'), { recursive: true });
    const cases = generateCases(4, 5);
    const text = readFileSync(join(FIXTURES, 'n01-1node-1g-2m.txt'), 'utf8');
    for (const i of [1, 3]) {
      const cl = caseKernelCmdline(cases[i]!);
      const log = text
        .replace(/hvosim-case=\S+/, `hvosim-case=${cases[i]!.id}`)
        .replace(/^=====CMDLINE\n.*$/m, `=====CMDLINE\n${cl}`)
        .replace(/Command line: .*$/m, `Command line: ${cl}`);
      writeFileSync(join(out, 'logs', `${cases[i]!.id}.txt`), log);
    }
    const r = await runConformance({
      count: 4,
      seed: 5,
      jobs: 1,
      profile: '7.3',
      out,
      work: join(dir, 'work'),
      kernelImage: '/bin/true',
      timeoutSec: 1,
      shard: { k: 1, n: 2 },
    });
    assert.deepEqual(
      r.record.cases.map((c) => [c.index, c.id]),
      [
        [1, 'c002'],
        [3, 'c004'],
      ],
    );
    assert.equal(r.booted, 2);
    // The harness boots with nokaslr: no case counts as KASLR (a generated case's own words never hold nokaslr).
    assert.equal(r.unpredicted.kaslrCases, 0);
    assert.equal(readRecord(out).kernel, '/bin/true');
  });
});
