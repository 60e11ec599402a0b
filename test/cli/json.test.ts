// --json on machines of every size: a summary of bounded size with the same fields, and the
// streams that grow with the machine (memblock calls, kernel log, huge pages) as NDJSON.
import assert from 'node:assert/strict';
import { INVARIANTS } from '../../src/check/invariants.js';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

const BIN = join(ROOT, 'bin/hvosim.js');
const tmp = mkdtempSync(join(tmpdir(), 'hvosim-json-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Loaded before the CLI: prints the process's peak memory on stderr as it exits.
const RSS_HOOK = join(tmp, 'rss.mjs');
// biome-ignore lint/suspicious/noTemplateCurlyInString: the hook's own template literal, written as JavaScript
writeFileSync(RSS_HOOK, "process.on('exit', () => process.stderr.write(`maxrss-kb=${process.resourceUsage().maxRSS}\\n`));\n");

function hvosim(args: string[], opts: { rss?: boolean } = {}) {
  const pre = opts.rss ? ['--import', pathToFileURL(RSS_HOOK).href] : [];
  const r = spawnSync(process.execPath, [...pre, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 1 << 30,
  });
  const rss = /maxrss-kb=(\d+)/.exec(r.stderr ?? '');
  return { code: r.status, out: r.stdout, err: (r.stderr ?? '').replace(/maxrss-kb=\d+\n/, ''), rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

/** Every key path of a JSON value; array elements share one path, and node names (node0, node1, ...) one key. */
function keyPaths(x: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) for (const e of x) keyPaths(e, `${at}[]`, out);
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      const p = `${at}.${/^node\d+$/.test(k) ? 'node*' : /^\d+$/.test(k) ? '#' : k}`;
      out.add(p);
      keyPaths(v, p, out);
    }
  }
  return out;
}

/** The lines of an NDJSON file, each parsed, read as a stream (the file can be hundreds of megabytes). */
async function readNdjson(file: string, each: (v: Record<string, unknown>, i: number) => void): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) each(JSON.parse(line), n++);
  return n;
}

describe('boot --json is a summary of bounded size', () => {
  // The 64 TiB preset: 16 nodes, 65,000 x 1 GiB pages, 1.3 million memblock calls.
  const big = hvosim(['boot', '--machine-preset', '64t', '--json']);
  const small = hvosim(['boot', '--json']);

  test('the 64 TiB machine: under 64 KiB (it was 275 MB, every memblock call in it)', () => {
    assert.equal(big.code, 0, big.err);
    assert.ok(big.out.length < 64 * 1024, `${big.out.length} bytes`);
    const j = JSON.parse(big.out);
    assert.equal(j.counts.hugePages, 65000);
    assert.ok(j.counts.memblockCalls > 1_000_000, String(j.counts.memblockCalls));
    assert.equal(j.memblock, undefined);
    assert.equal(j.dmesg, undefined);
  });

  test('a small and a big machine give the same fields', () => {
    assert.equal(small.code, 0, small.err);
    const a = keyPaths(JSON.parse(small.out));
    const b = keyPaths(JSON.parse(big.out));
    assert.deepEqual(
      [...a].filter((k) => !b.has(k)),
      [],
      'only in the small machine',
    );
    assert.deepEqual(
      [...b].filter((k) => !a.has(k)),
      [],
      'only in the big machine',
    );
  });

  test('the summary says what the streams count, and a boot that dies first', () => {
    const j = JSON.parse(small.out);
    assert.equal(j.format, 'hvosim-boot-summary/2');
    assert.equal(j.panic, null);
    assert.deepEqual(Object.keys(j).slice(0, 5), ['format', 'panic', 'diedAfter', 'death', 'warnings']);
    assert.equal(
      j.steps.reduce((a: number, s: { memblockCalls: number }) => a + s.memblockCalls, 0),
      j.counts.memblockCalls,
    );
    // The default kernel (hvo-v7 on 6.15's code) times the 2 MiB pool's boot allocation even when it asks for 0 pages.
    assert.deepEqual(j.kernelLog.hugetlb.first, [
      'HugeTLB: allocation took 0ms with hugepage_allocation_threads=1',
      'HugeTLB: registered 1.00 GiB page size, pre-allocated 2 pages',
      'HugeTLB: 16380 KiB vmemmap can be freed for a 1.00 GiB page',
      'HugeTLB: registered 2.00 MiB page size, pre-allocated 0 pages',
      'HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page',
    ]);
    // No memory for memblock on the only node: the kernel panics in sparse_init().
    const died = hvosim(['boot', '--qemu', '-m 2G', '--fault', 'node=0', '--json']);
    assert.equal(died.code, 1, died.err);
    const d = JSON.parse(died.out);
    assert.match(d.panic, /^Kernel panic - not syncing: memblocks_present: Failed to allocate/);
    assert.equal(d.diedAfter, 'sparse_init');
    assert.deepEqual(keyPaths(d).has('.counts.memblockCalls'), true);
    // A stream on stdout is all stdout carries: the death is said on stderr, and the exit status is 1.
    const streamed = hvosim(['boot', '--qemu', '-m 2G', '--fault', 'node=0', '--json-memblock', '-']);
    assert.equal(streamed.code, 1);
    assert.match(streamed.err, /^hvosim: the boot died after sparse_init: Kernel panic - not syncing: memblocks_present/);
    assert.equal(streamed.out.trimEnd().split('\n').length, d.counts.memblockCalls);
  });
});

describe('the streams: NDJSON, one value per line, as generated', () => {
  test('--json-memblock: every line parses, one per memblock call, in order, with its step', async () => {
    const file = join(tmp, 'calls.ndjson');
    const r = hvosim([
      'boot',
      '--machine-preset',
      '2s-server',
      '--cmdline',
      'memblock=debug hugepagesz=1G hugepages=300 hugetlb_free_vmemmap=on',
      '--no-plan',
      '--json',
      '--json-memblock',
      file,
    ]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    const steps = new Set(j.steps.map((s: { fn: string }) => s.fn));
    const n = await readNdjson(file, (c, i) => {
      assert.equal(c.i, i);
      assert.ok(typeof c.fn === 'string' && c.fn.startsWith('memblock'), JSON.stringify(c));
      assert.ok(c.step === null || steps.has(c.step), JSON.stringify(c));
    });
    assert.equal(n, j.counts.memblockCalls);
    assert.ok(n > 1000, String(n));
  });

  test("--json-dmesg - and --json-pages -: on stdout, alone; their counts are the summary's", () => {
    const cmd = ['boot', '--cmdline', 'memblock=debug hugepagesz=1G hugepages=0:1,1:2 hugetlb_free_vmemmap=on', '--no-plan'];
    const j = JSON.parse(hvosim([...cmd, '--json']).out);
    const dm = hvosim([...cmd, '--json-dmesg', '-']);
    assert.equal(dm.code, 0, dm.err);
    const lines = dm.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, j.counts.dmesgLines);
    assert.ok(
      lines.some(
        (l) => l.text === `HugeTLB: registered 1.00 GiB page size, pre-allocated ${j.counts.hugePages} pages` && l.step === 'hugetlb_init',
      ),
    );
    // Each step's lines, as the summary counts them.
    for (const st of j.steps as { fn: string; dmesgLines: number }[])
      assert.ok(lines.filter((l) => l.step === st.fn).length >= st.dmesgLines, st.fn);
    assert.equal(
      lines.filter((l) => l.step !== null).length,
      j.steps.reduce((a: number, st: { dmesgLines: number }) => a + st.dmesgLines, 0),
    );
    const pg = hvosim([...cmd, '--json-pages', '-']);
    const pages = pg.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(pages.length, j.counts.hugePages);
    assert.ok(pages.length > 0);
    for (const [node, row] of Object.entries(j.hugepages as Record<string, Record<string, number>>))
      assert.equal(pages.filter((p) => `node${p.node}` === node).length, row['1048576kB'], node);
    assert.ok(pages.every((p) => p.sizeKb === 1048576 && p.phys === p.pfn * 4096 && p.vmemmapOptimized));
  });

  test('the 64 TiB machine streams its 1.3 million calls in bounded memory', () => {
    const file = join(tmp, 'big.ndjson');
    const plain = hvosim(['boot', '--machine-preset', '64t', '--no-plan', '--meminfo'], { rss: true });
    const r = hvosim(['boot', '--machine-preset', '64t', '--no-plan', '--json-memblock', file, '--meminfo'], { rss: true });
    assert.equal(r.code, 0, r.err);
    // Count the lines without holding the file (235 MB).
    const buf = readFileSync(file);
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    assert.ok(n > 1_000_000, String(n));
    assert.deepEqual(JSON.parse(buf.subarray(buf.lastIndexOf(10, buf.length - 2) + 1).toString()).i, n - 1);
    // Writing the stream costs far less than the file's size (the old --json held it all: 1.24 GB).
    assert.ok(r.rssMiB - plain.rssMiB < 120, `${plain.rssMiB.toFixed(0)} MiB without the stream, ${r.rssMiB.toFixed(0)} MiB with it`);
  });

  test('two streams on stdout, a stream beside --json on stdout, or a path that cannot be written: exit 2, one line', () => {
    const one = (r: ReturnType<typeof hvosim>, re: RegExp) => {
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, re);
    };
    one(
      hvosim(['boot', '--json-memblock', '-', '--json-pages', '-']),
      /^hvosim: --json-pages: --json-memblock - and --json-pages - would both write to stdout/,
    );
    one(hvosim(['boot', '--json', '--json-dmesg', '-']), /--json and --json-dmesg - would both write to stdout/);
    one(hvosim(['boot', '--json-dmesg', join(tmp, 'no/such/dir/x')]), /no\/such\/dir\/x: --json-dmesg: cannot write: ENOENT/);
  });
});

describe('the other commands keep --json bounded', () => {
  test("explain on a zone's shared tail page lists the first folios and counts them all", () => {
    const cmd = ['--machine-preset', '4s-3t', '--cmdline', 'hugepagesz=1G hugepages=2000 hugetlb_free_vmemmap=on'];
    const first = JSON.parse(hvosim(['boot', ...cmd, '--no-plan', '--json-pages', '-']).out.split('\n')[0]!);
    const r = hvosim(['explain', ...cmd, '--pfn', String(first.pfn + 64), '--json']);
    assert.equal(r.code, 0, r.err);
    const sh = JSON.parse(r.out).structPage.shared;
    assert.equal(sh.kind, 'tail');
    assert.ok(sh.folioCount > 64, String(sh.folioCount));
    assert.equal(sh.folios.length, 64);
    assert.equal(sh.folios[0], first.pfn);
  });

  test('diff: the dmesg lines only one side printed are the first 100 and a count, as --dmesg lists them', () => {
    const cmd = [
      'diff',
      '--kernel',
      '6.1',
      '--kernel',
      'hvo-v7',
      '--cmdline',
      'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M',
    ];
    const j = JSON.parse(hvosim([...cmd, '--json']).out);
    const text = hvosim([...cmd, '--dmesg']).out;
    const onlyB = text
      .split('\n')
      .filter((l) => l.startsWith('+ '))
      .map((l) => l.slice(2));
    assert.ok(j.dmesgOnlyB.total > 0);
    assert.equal(j.dmesgOnlyB.total, onlyB.length);
    assert.deepEqual(j.dmesgOnlyB.first, onlyB.slice(0, 100));
  });

  test('boot --check --json: the invariants, as JSON', () => {
    const r = hvosim(['boot', '--kernel', '6.15', '--check', '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out);
    assert.equal(j.invariants, INVARIANTS.length);
    assert.ok(j.violations.some((v: { invariant: string }) => v.invariant === 'vmemmap-single-writer'));
  });
});

describe('--json carries no counter the kernel has not', () => {
  test('6.1 has no nr_memmap_boot_pages / nr_memmap_pages (from 6.11 on): null in boot and diff --json, as the text leaves them out', () => {
    const run = (...a: string[]) =>
      JSON.parse(spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...a], { encoding: 'utf8' }).stdout);
    assert.equal(run('boot', '--kernel', '6.1', '--no-plan', '--json').memmap, null);
    assert.equal(typeof run('boot', '--kernel', '7.3', '--no-plan', '--json').memmap.nr_memmap_boot_pages, 'number');
    const d = run('diff', '--kernel', '6.1', '--kernel', '7.3', '--json');
    assert.equal(d.a.nr_memmap_boot_pages, null);
    assert.equal(d.a.nr_memmap_pages, null);
    assert.equal(typeof d.b.nr_memmap_boot_pages, 'number');
  });
});
