// The recorded boots of every kernel generation (test/fixtures/linux-<version>/): each is a complete,
// well-formed recording of a case of scripts/fixtures.list, and every reader takes its format
// (7.x's __memblock_reserve lines, the e820 table's new wording and [gap] lines). Replays are
// only run, not held to a profile: the new generations have no validated profile yet.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { caseQemuArgs, readCaseList } from '../../src/conformance/cases.js';
import { linuxVersionOf, profileOfLog } from '../../src/conformance/kernels.js';
import { caseKernelCmdline } from '../../src/conformance/oracle.js';
import { parseE820Line } from '../../src/machine/e820.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { loggedCalls } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { parseMemblockCall, parseMemblockLog } from '../../src/trace/memblock-log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { runConformance } from '../../src/conformance/run.js';
import { read, ROOT } from '../helpers.js';

const FIXTURES = join(ROOT, 'test/fixtures');
const dirs = readdirSync(FIXTURES)
  .filter((d) => /^linux-\d+\.\d+$/.test(d))
  .sort();
const cases = new Map(readCaseList(read(join(ROOT, 'scripts/fixtures.list'))).map((c) => [c.id, c]));

describe('the readers take each generation’s wording', () => {
  test('6.1 has no memmap counters in /proc/vmstat, so its replay has no vmstat observable', () => {
    const f = join(FIXTURES, 'linux-6.1', readdirSync(join(FIXTURES, 'linux-6.1')).find((x) => x.endsWith('.txt'))!);
    assert.equal(replayFixture(parseKernelLog(read(f), f), '6.1').byKind.vmstat, undefined);
  });
  test('7.x: "__memblock_reserve: [a-b] nid=N flags=F caller" is the reservation older kernels print as memblock_reserve', () => {
    const c = parseMemblockCall(
      '__memblock_reserve: [0x000000013ffd5200-0x000000013fffffff] nid=0 flags=20 memblock_alloc_range_nid+0xe7/0x190',
    );
    assert.deepEqual(c, { fn: 'memblock_reserve', base: 0x13ffd5200, size: 0x2ae00, caller: 'memblock_alloc_range_nid' });
    assert.deepEqual(parseMemblockCall('memblock_reserve: [0x0000000003800000-0x0000000003810fff] setup_arch+0x792/0xd40'), {
      fn: 'memblock_reserve',
      base: 0x3800000,
      size: 0x11000,
      caller: 'setup_arch',
    });
  });
  test('7.3: memblock_alloc_hugetlb() is the raw allocation it does, and its own reservation is its outcome', () => {
    assert.deepEqual(parseMemblockCall('memblock_alloc_hugetlb: 1073741824 bytes, nid=1, exact_nid=0 alloc_bootmem_huge_page+0x18/0x1e0'), {
      fn: 'memblock_alloc_try_nid_raw',
      size: 1 << 30,
      align: 1 << 30,
      nid: 1,
      from: 0,
      maxAddr: 0,
      caller: 'alloc_bootmem_huge_page',
    });
    assert.equal(
      parseMemblockCall('memblock_alloc_hugetlb: 1073741824 bytes, nid=0, exact_nid=1 alloc_bootmem_huge_page+0x18/0x1e0')?.fn,
      'memblock_alloc_exact_nid_raw',
    );
    assert.equal(
      parseMemblockCall('__memblock_reserve: [0x0000000100000000-0x000000013fffffff] nid=1 flags=a0 memblock_alloc_hugetlb+0x70/0xc0')
        ?.caller,
      'memblock_alloc_range_nid',
    );
  });
  test('7.x e820 table: System RAM is usable, device reserved is reserved, a [gap] line is no entry', () => {
    assert.deepEqual(parseE820Line('BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff]  System RAM'), {
      start: 0x100000,
      end: 0x7ffdf000,
      type: 'usable',
    });
    assert.deepEqual(parseE820Line('BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff]  device reserved'), {
      start: 0xb0000000,
      end: 0xc0000000,
      type: 'reserved',
    });
    assert.equal(parseE820Line('BIOS-e820: [gap 0x0000000080000000-0x00000000afffffff]'), null);
    assert.deepEqual(parseE820Line('BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff] usable'), {
      start: 0x100000,
      end: 0x7ffdf000,
      type: 'usable',
    });
  });
  test('a log’s Linux version picks its generation and the profile it is compared with', () => {
    assert.deepEqual(linuxVersionOf([{ text: 'Linux version 7.1.13+deb13-cloud-amd64 (debian-kernel@lists.debian.org)' }]), [7, 1]);
    assert.equal(linuxVersionOf([{ text: 'Command line: x' }]), undefined);
    // The mapping itself is profileForVersion()'s (test/profiles/versions.test.ts); a log goes through it.
    const log = (v: string) => [{ text: `Linux version ${v} (debian-kernel@lists.debian.org)` }];
    assert.deepEqual(profileOfLog(log('6.1.0-56-cloud-amd64')), { profile: '6.1', version: '6.1.0-56-cloud-amd64', exact: true });
    assert.equal(profileOfLog(log('7.3.4+deb13-cloud-amd64')).profile, '7.3');
    assert.deepEqual(profileOfLog(log('7.2.12+deb13-cloud-amd64')), { profile: '7.2', version: '7.2.12+deb13-cloud-amd64', exact: true });
    assert.equal(profileOfLog(log('6.5.0-1-amd64')).profile, '6.1');
    assert.match(profileOfLog(log('6.5.0-1-amd64')).note ?? '', /^Linux 6\.5 has no profile of its own; answered by profile 6\.1/);
    assert.equal(profileOfLog(log('6.19.1')).profile, '6.16');
    assert.deepEqual(profileOfLog([{ text: 'Command line: x' }]), { profile: '6.1', exact: false });
  });
});

for (const dir of dirs) {
  const version = dir.slice('linux-'.length);
  const files = readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.txt'))
    .sort();
  describe(`${dir}: ${files.length} recorded boots`, () => {
    if (version !== '6.1') {
      test('at least 12 boots', () => assert.ok(files.length >= 12, `${files.length} boots`));
    }
    for (const f of files) {
      const file = join(FIXTURES, dir, f);
      test(f, () => {
        const text = read(file);
        const log = parseKernelLog(text, file);
        assert.ok(log.complete, 'ends with =====END');
        for (const s of ['CMDLINE', 'IOMEM', 'ZONEINFO', 'MEMINFO', 'VMSTAT', 'HUGEPAGES', 'DMESG'])
          assert.ok(log.sections.has(s), `section ${s}`);
        // The kernel is the directory's.
        assert.deepEqual(linuxVersionOf(log.dmesg)?.join('.'), version);
        const header = /^qemu: q35 cpu=(\S+) smp=1 nodes=\[([^\]]+)\](?: acpitable=\S+)? kernel=(\S+)(?: hvosim-case=(\S+))?$/.exec(
          log.header ?? '',
        );
        assert.ok(header, `header "${log.header}"`);
        // The recorded command line is the one the kernel printed, and for a recorded case, the named case's.
        const printed = log.dmesg
          .find((l) => l.text.startsWith('Command line: '))
          ?.text.slice('Command line: '.length)
          .trim();
        assert.equal(log.cmdline, printed);
        if (header[4] !== undefined) {
          assert.equal(header[4], basename(f, '.txt'));
          const c = cases.get(header[4]);
          assert.ok(c, `${header[4]} is in scripts/fixtures.list`);
          assert.equal(log.cmdline, caseKernelCmdline(c));
          assert.equal(header[1], c.cpu ?? 'qemu64,+pdpe1gb');
          assert.deepEqual(
            header[2]!.split(' ').map((x) => parseInt(x, 10) * (x.endsWith('G') ? 1024 : 1)),
            c.nodes,
          );
          // Grown or shrunk after boot exactly when the case says so.
          assert.equal(
            [...log.sections.keys()].some((k) => k.startsWith('MEMINFO_AFTER_NR2M=')),
            c.nr2m !== undefined,
          );
          // The machine read from the log is the machine QEMU was given.
          const fromLog = machineFromLog(log);
          const ours = parseQemuArgs(caseQemuArgs(c));
          assert.deepEqual(fromLog.e820, ours.e820);
          assert.deepEqual(fromLog.nodes, ours.nodes);
          assert.deepEqual(fromLog.cpu, ours.cpu);
        }
        // The gigantic pages are our boot's allocations, whatever the generation calls the function
        // (__alloc_bootmem_huge_page up to 6.14, alloc_bootmem from 6.15): never replayed as another subsystem's.
        const giga = loggedCalls(log).filter((x) => x.call.fn === 'memblock_alloc_try_nid_raw' && x.call.size === 1 << 30);
        assert.ok(giga.every((x) => x.ours && x.call.caller === '__alloc_bootmem_huge_page'));
        // Every memblock=debug line is a call the parser reads, and every e820 line an entry or a gap.
        const memblockLines = log.dmesg.filter((l) => /^_*memblock_[a-z_]+: /.test(l.text)).length;
        const calls = parseMemblockLog(log).events.filter((e) => e.kind === 'call').length;
        assert.equal(calls, memblockLines);
        for (const l of log.dmesg.filter((x) => x.text.startsWith('BIOS-e820: ')))
          assert.ok(parseE820Line(l.text) || /^BIOS-e820: \[gap /.test(l.text), l.text);
      });
    }
    if (version !== '6.1' && files.length) {
      // One boot per generation through the whole replay, with the profile its Linux version maps to.
      test(`hvosim replay runs on ${files[0]} (not held to the unvalidated profile)`, () => {
        const log = parseKernelLog(read(join(FIXTURES, dir, files[0]!)), files[0]);
        const r = replayFixture(log, profileOfLog(log.dmesg).profile);
        assert.ok(r.memblock.total > 10 && r.observables.total > 10);
        // The kernel's memmap counters (6.11 on) are observables of the replay.
        assert.equal(r.byKind.vmstat?.total, 2);
      });
    }
  });
}

describe('conformance --from-logs on a newer kernel’s logs', () => {
  test('a mismatch is saved with reproducers that name the profile, and the fixture directory of the log’s kernel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvosim-real-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    copyFileSync(join(FIXTURES, 'linux-7.1', 'n14-2node-grow-hvo.txt'), join(logs, 'n14-2node-grow-hvo.txt'));
    const r = await runConformance({
      count: 1,
      seed: 1,
      jobs: 1,
      profile: 'hvo-v7',
      out: join(dir, 'out'),
      work: join(dir, 'work'),
      timeoutSec: 1,
      fromLogs: logs,
    });
    assert.equal(r.booted, 1);
    const cmd = read(join(dir, 'out', 'mismatches', 'n14-2node-grow-hvo.cmd'));
    assert.match(cmd, /^hvosim replay --kernel hvo-v7 /m);
    assert.match(cmd, /^hvosim boot --kernel hvo-v7 --qemu /m);
    assert.match(cmd, /test\/fixtures\/linux-7\.1\/$/m);
  });
});
