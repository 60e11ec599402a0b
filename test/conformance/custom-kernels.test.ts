// The recorded boots of kernels built from Debian's linux-source with our own .config
// (test/fixtures/custom/VERSION-CONFIG/, made by scripts/record-custom.sh): each is a complete
// recording of a case of scripts/kernel-configs/cases.list, by the build its header and its
// "Linux version" line name, with that build's .config beside it. Replays are not held to any
// profile: no profile models these configurations yet (see test/fixtures/custom/README.md).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { caseQemuArgs, readCaseList } from '../../src/conformance/cases.js';
import { linuxVersionOf } from '../../src/conformance/kernels.js';
import { caseKernelCmdline } from '../../src/conformance/oracle.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseMemblockLog } from '../../src/trace/memblock-log.js';
import { read, ROOT } from '../helpers.js';

const CUSTOM = join(ROOT, 'test/fixtures/custom');
const builds = existsSync(CUSTOM)
  ? readdirSync(CUSTOM)
      .filter((d) => /^\d+\.\d+-[a-z0-9-]+$/.test(d))
      .sort()
  : [];
const cases = new Map(readCaseList(read(join(ROOT, 'scripts/kernel-configs/cases.list'))).map((c) => [c.id, c]));

describe('custom kernel builds', () => {
  test('each build has a fragment, and the README names it', () => {
    const readme = read(join(CUSTOM, 'README.md'));
    for (const b of builds) {
      const config = b.replace(/^\d+\.\d+-/, '');
      assert.ok(existsSync(join(ROOT, 'scripts/kernel-configs', `${config}.fragment`)), `${config}.fragment`);
      assert.ok(readme.includes(b), `README.md names ${b}`);
    }
  });
});

for (const b of builds) {
  const [, version = '', config = ''] = /^(\d+\.\d+)-(.+)$/.exec(b)!;
  const dir = join(CUSTOM, b);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  describe(`custom ${b}: ${files.length} recorded boots`, () => {
    test('at least six boots, and the .config they were built with', () => {
      assert.ok(files.length >= 6, `${files.length} boots`);
      const cfg = read(join(dir, 'config'));
      for (const opt of ['CONFIG_NUMA=y', 'CONFIG_HUGETLB_PAGE=y', 'CONFIG_SERIAL_8250_CONSOLE=y'])
        assert.ok(cfg.split('\n').includes(opt), opt);
      assert.match(cfg, new RegExp(`^# Linux/x86_64 ${version.replace('.', '\\.')}\\.\\d+ Kernel Configuration$`, 'm'));
    });
    for (const f of files) {
      test(f, () => {
        const log = parseKernelLog(read(join(dir, f)), f);
        assert.ok(log.complete, 'ends with =====END');
        for (const s of ['CMDLINE', 'IOMEM', 'ZONEINFO', 'MEMINFO', 'VMSTAT', 'HUGEPAGES', 'DMESG'])
          assert.ok(log.sections.has(s), `section ${s}`);
        // The kernel is the build's: its version, and the configuration in its release and in the header.
        assert.equal(linuxVersionOf(log.dmesg)?.join('.'), version);
        assert.ok(
          log.dmesg.some((l) => l.text.startsWith('Linux version ') && l.text.includes(`-hvosim-${config} `)),
          'Linux version names the configuration',
        );
        const h = /^qemu: q35 cpu=(\S+) smp=1 nodes=\[([^\]]+)\] kernel=(\S+) hvosim-case=(\S+)$/.exec(log.header ?? '');
        assert.ok(h, `header "${log.header}"`);
        assert.ok(h[3]!.startsWith(`linux-source-${version}_`) && h[3]!.endsWith(`+${config}`), h[3]);
        assert.equal(h[4], basename(f, '.txt'));
        const c = cases.get(h[4]!);
        assert.ok(c, `${h[4]} is in scripts/kernel-configs/cases.list`);
        assert.equal(log.cmdline, caseKernelCmdline(c));
        assert.ok(log.cmdline?.includes('memblock=debug'));
        const fromLog = machineFromLog(log);
        const ours = parseQemuArgs(caseQemuArgs(c));
        assert.deepEqual(fromLog.nodes, ours.nodes);
        // Every memblock=debug line is a call the parser reads.
        const lines = log.dmesg.filter((l) => /^_*memblock_[a-z_]+: /.test(l.text)).length;
        assert.ok(lines > 10);
        assert.equal(parseMemblockLog(log).events.filter((e) => e.kind === 'call').length, lines);
      });
    }
  });
}
