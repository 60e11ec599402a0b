// The command line as a user runs it: output, exit status, and one-line errors.
import assert from 'node:assert/strict';
import { PROFILE_NAMES } from '../../src/profiles/index.js';
import { INVARIANTS } from '../../src/check/invariants.js';
import { parse as parseShell } from 'shell-quote';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertInputError, fixtureFiles, hvosim, read, ROOT } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = fixtureFiles().find((f) => f.includes('n02-3node-1g3'))!;

describe('hvosim replay', () => {
  test('a whole fixture: every observable and every in-scope memblock call matched, exit 0', () => {
    const r = hvosim('replay', '--json', fixture);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.observables.total > 20);
    assert.equal(j.observables.matched, j.observables.total);
    assert.equal(j.memblock.matched, j.memblock.total);
    assert.deepEqual(j.mismatches, []);
  });
  test('a fixture whose hugepages were edited is a mismatch: exit 1, the observable named', () => {
    const f = join(tmp, 'edited.txt');
    writeFileSync(f, read(fixture).replace(/(node1\/hugepages\/hugepages-1048576kB\/nr_hugepages) 1/, '$1 7'));
    const r = hvosim('replay', '--json', f);
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.mismatches.some((m: { what: string }) => m.what === 'hugepages node1 1048576kB'));
  });
  test('--memblock --json on a real boot: every call matched, exit 0', () => {
    const r = hvosim('replay', '--memblock', '--json', fixture);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.calls > 40);
    assert.equal(j.matched, j.calls);
    assert.deepEqual(j.mismatches, []);
  });
  test('an altered log is a finding: exit 1 and the mismatch in the JSON', () => {
    const lines = read(fixture).split('\n');
    const i = lines.findIndex((l) => l.includes('__alloc_bootmem_huge_page'));
    lines.splice(i + 1, 1); // the kernel's reservation for the first gigantic page
    const text = lines.join('\n');
    const f = join(tmp, 'altered.txt');
    writeFileSync(f, text);
    const r = hvosim('replay', '--memblock', '--json', f);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out);
    assert.ok(j.mismatches.length >= 1);
    assert.equal(j.mismatches[0].kernel, 'failed');
  });
  test('a missing file: exit 2, one line', () => {
    assertInputError(hvosim('replay', '--memblock', join(tmp, 'nope.txt')), /nope\.txt: no such file/);
  });
  test('a file that is not a kernel log: exit 2, one line', () => {
    const f = join(tmp, 'empty.txt');
    writeFileSync(f, '\n\n');
    assertInputError(hvosim('replay', '--memblock', f), /no kernel log lines found/);
  });
});

describe('hvosim boot and machine', () => {
  test('the default boot prints zones, huge pages per node, HVO and meminfo', () => {
    const r = hvosim('boot');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /node\s+zone\s+range\s+spanned\s+present\s+managed/);
    assert.match(r.out, /hugepages-1048576kB/);
    assert.match(r.out, /kernel profile hvo-v7/);
    assert.match(r.out, /HVO: on\. 2 boot-time gigantic pages got their HVO mapping from hugetlb \(once zones existed\)/);
    assert.match(r.out, /nr_memmap_boot_pages: \d+/);
    assert.match(r.out, /HugeTLB: registered 1\.00 GiB page size, pre-allocated 2 pages/);
    const old = hvosim('boot', '--kernel', '6.1');
    assert.match(old.out, /HVO: on\. 2 huge pages optimized by remapping; 8190 vmemmap pages/);
  });
  test('boot --json has the fields the issue names', () => {
    const r = hvosim('boot', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    for (const k of ['meminfo', 'hugepages', 'zones', 'counts', 'kernelLog']) assert.ok(k in j, k);
    assert.equal(j.hugepages.node1['1048576kB'], 2);
    assert.equal(j.meminfo.Hugetlb, 2 * 1024 * 1024);
    assert.ok(j.zones.every((z: Record<string, unknown>) => ['node', 'zone', 'spanned', 'present', 'managed'].every((f) => f in z)));
  });
  test('boot --nr-hugepages grows the 2 MiB pool; a bad count and an unknown profile are input errors', () => {
    const r = hvosim('boot', '--cmdline', 'hugetlb_free_vmemmap=on', '--nr-hugepages', '300', '--meminfo');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^HugePages_Total:\s+300$/m);
    assert.equal(r.err, '');
    // Past what the nodes hold: the count it got, and that it rests on an estimate of the running system's use.
    const full = hvosim('boot', '--kernel', '7.3', '--qemu', '-m 2G', '--nr-hugepages', '5000', '--json');
    assert.equal(full.code, 0, full.err);
    const j = JSON.parse(full.out);
    const got = j.hugepages.node0['2048kB'];
    assert.ok(got > 900 && got < 1000, String(got));
    assert.ok(
      j.warnings.some(
        (w: string) => w.startsWith(`nr_hugepages=5000: the pool grew to ${got} pages before the nodes ran out`) && /runtimeUseKb/.test(w),
      ),
      j.warnings.join('\n'),
    );
    assertInputError(hvosim('boot', '--nr-hugepages', 'lots'), /--nr-hugepages: "lots" is not a page count/);
    // 5.4 is a kernel version (answered by 6.1, said so: test/cli/kernel-version.test.ts); a word that is none is an error.
    assertInputError(
      hvosim('boot', '--kernel', 'five'),
      new RegExp(
        `--kernel: unknown kernel "five": neither a profile \\(${PROFILE_NAMES.join(', ').replace(/\./g, '\\.')}\\) nor a kernel version`,
      ),
    );
    assertInputError(hvosim('boot', '--fault', 'nth=0'), /--fault: "0" in "nth=0" is not a positive allocation number/);
  });
  test('boot --check: exit 0 when every invariant holds, 1 with what broke and after which step', () => {
    const ok = hvosim('boot', '--kernel', '6.1', '--check');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, new RegExp(`all ${INVARIANTS.length} invariants hold after every step`));
    const bad = hvosim('boot', '--kernel', '6.15', '--check');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /^vmemmap-single-writer: after hugetlb_init: vmemmap page 0x[0-9a-f]+ is mapped writable at 4033 addresses/m);
  });
  test('diff: the two profiles side by side, with a summary in words; --json', () => {
    const r = hvosim('diff', '--cmdline', 'hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /6\.15 against hvo-v7/);
    assert.match(r.out, /6\.15: .*had its HVO mapping undone \(vmemmap_undo_hvo\) and given back to memblock/);
    assert.match(r.out, /hvo-v7: .*was populated normally and given back to memblock/);
    assert.match(r.out, /PMD leaves \(2 MiB of vmemmap each\)\s+32\s+40\s+\+8/);
    const j = JSON.parse(hvosim('diff', '--kernel', '6.1', '--kernel', 'hvo-v7', '--json').out);
    assert.equal(j.a.profile, '6.1');
    assert.equal(j.b.vmemmap.tailPages, 1);
    assertInputError(hvosim('diff', '--kernel', '6.1'), /give --kernel exactly twice/);
  });
  test('explain: the walk to a tail struct page in each generation', () => {
    const v7 = hvosim('explain', '--pfn', '0x140040');
    assert.equal(v7.code, 0, v7.err);
    assert.match(
      v7.out,
      /shared: the shared tail page of zone 1:Normal for order 18, mapped by 8190 PTEs of 2 folios \(heads 0x140000, 0x180000\)/,
    );
    assert.match(v7.out, /compound_head\(\) = pfn 0x140000; page_zonenum\(\) = Normal; page_to_nid\(\) = 1/);
    const old = hvosim('explain', '--kernel', '6.15', '--phys', '0x140040000');
    assert.match(old.out, /shared: the head vmemmap page of pfn 0x140000/);
    assertInputError(hvosim('explain', '--pfn', 'abc'), /--pfn: "abc" is not a number/);
    assertInputError(hvosim('explain'), /give exactly one of --pfn and --phys/);
  });
  test('check: a small campaign reports each broken invariant with a reproducer; exit 1', () => {
    const r = hvosim('check', '--kernel', '6.15', '--runs', '12', '--seed', '2');
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /hvosim check: kernel 6\.15, 12 cases from seed 2/);
    assert.match(r.out, /reproduce: hvosim boot --kernel 6\.15 --qemu "[^"]+" --cmdline "[^"]*" --check/);
    // The reproducer reproduces: the same invariant breaks.
    const [, inv, line] = /^(\S+): .*\n {2}reproduce: hvosim (.*)$/m.exec(r.out)!;
    const again = hvosim(...(parseShell(line!) as string[]));
    assert.equal(again.code, 1);
    assert.match(again.out, new RegExp(`^${inv}: `, 'm'));
    assertInputError(hvosim('check', '--runs', '0'), /--runs: "0" is not a number of cases: a whole number from 1 to 1000000/);
    assertInputError(hvosim('conformance', '--cases', '0'), /--cases: "0" is not a number of cases: a whole number from 1 to 1000000/);
    // --from-logs compares recorded logs again without QEMU.
    const logs = join(tmp, 'conf-logs');
    mkdirSync(logs);
    const text = read(join(ROOT, 'test/fixtures/linux-6.1/p02-2node-1g2-hvo.txt')).replace(/^# qemu: .*$/m, (h) => `${h} hvosim-case=t01`);
    writeFileSync(join(logs, 't01.txt'), text);
    const rerun = hvosim('conformance', '--from-logs', logs, '--out', join(tmp, 'conf-out'));
    assert.equal(rerun.code, 0, rerun.out + rerun.err);
    assert.match(rerun.out, /1 logs from .* compared again/);
    assert.match(rerun.out, /HugeTLB\s+1\/1 \(100\.0%\)/);
    // A fixture beside it (no "hvosim-case=") is left out and counted; a folder with no case's log, or a file, is bad input.
    writeFileSync(join(logs, 'notes.txt'), 'not a log\n');
    assert.match(
      hvosim('conformance', '--from-logs', logs, '--out', join(tmp, 'conf-out')).out,
      /1 logs from .* compared again[^\n]*\nnote: (.*; )?1 other \.txt files left out \(not logs of a conformance run\)/,
    );
    assertInputError(
      hvosim('conformance', '--from-logs', join(ROOT, 'test/fixtures/oom-edge'), '--out', join(tmp, 'conf-out')),
      /--from-logs: no logs of a conformance run in it \(12 \.txt files, none with "hvosim-case="/,
    );
    assertInputError(hvosim('conformance', '--from-logs', join(logs, 't01.txt')), /--from-logs: not a directory/);
    assertInputError(
      hvosim('conformance', '--kernel', 'mainline'),
      /--kernel: unknown kernel "mainline" \(kernel generations: 6\.1, 6\.12, 6\.16, 7\.0, 7\.1, 7\.2, 7\.3; profiles: /,
    );
    // A version that is no generation names no Debian kernel: it needs a kernel image, as a profile does.
    assertInputError(hvosim('conformance', '--kernel', '7.5'), /--kernel: kernel version "7\.5" names no real kernel hvosim fetches/);
    // A profile that is no kernel generation needs a kernel image; --profile is still taken (deprecated).
    assertInputError(hvosim('conformance', '--kernel', 'hvo-v7'), /--kernel: profile "hvo-v7" names no real kernel hvosim fetches/);
    assertInputError(hvosim('conformance', '--profile', '6.15'), /--profile: profile "6\.15" names no real kernel/);
  });
  test('boot --json-dmesg and --json-memblock: the kernel log and the memblock calls, one JSON object a line', () => {
    const log = join(tmp, 'dmesg.ndjson');
    const r = hvosim(
      'boot',
      '--qemu',
      '-m 4G',
      '--cmdline',
      'memblock=debug',
      '--json',
      '--json-dmesg',
      log,
      '--json-memblock',
      join(tmp, 'calls.ndjson'),
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    const lines = read(log)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).text);
    assert.ok(lines.includes('MEMBLOCK configuration:'));
    assert.equal(read(join(tmp, 'calls.ndjson')).trimEnd().split('\n').length, j.counts.memblockCalls);
    assert.ok(j.counts.memblockCalls > 5);
    assert.equal(j.nodes.length, 1);
  });
  test('a broken machine file: exit 2, file, line and field', () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, '{\n  "q35": { "nodes": [-3] }\n}\n');
    assertInputError(hvosim('boot', '--machine', f), /bad\.json:2: q35\.nodes\[0\]: expected a size/);
  });
  test('an unknown preset and an unknown option: exit 2', () => {
    assertInputError(hvosim('boot', '--machine-preset', 'mainframe'), /unknown preset "mainframe"/);
    const r = hvosim('boot', '--frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option/);
  });
  test('machine shows the firmware map of a QEMU command line', () => {
    const r = hvosim(
      'machine',
      '--qemu',
      '-m 6G -object memory-backend-ram,id=a,size=3G -numa node,memdev=a -object memory-backend-ram,id=b,size=3G -numa node,memdev=b',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /BIOS-e820: \[mem 0x0000000100000000-0x00000001ffffffff\] usable/);
  });
  test('--help lists every command with examples', () => {
    const r = hvosim('--help');
    assert.equal(r.code, 0);
    for (const c of ['boot', 'replay', 'machine']) assert.match(r.out, new RegExp(`\\n  ${c}`));
    assert.match(hvosim('replay', '--help').out, /Examples:/);
  });
});
