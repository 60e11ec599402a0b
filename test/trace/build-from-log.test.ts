// A build's facts read off its own boot log: equal, on every Debian boot, to the facts the profile of its
// release carries (which were read off those boots), and the custom build's own where it differs.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BUILD_FACTS, getProfile } from '../../src/simulator.js';
import { buildFromLog } from '../../src/trace/build-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { read, ROOT } from '../helpers.js';

const FACTS = BUILD_FACTS;

describe("the build's facts read off a Debian boot are its profile's", () => {
  for (const v of ['6.1', '6.12', '6.16', '7.0', '7.1', '7.2', '7.3']) {
    const dir = join(ROOT, 'test/fixtures', `linux-${v}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    test(`linux-${v}: ${files.length} boots`, () => {
      const base = getProfile(v)!.build;
      for (const f of files) {
        const { build, read: got } = buildFromLog(parseKernelLog(read(join(dir, f)), f), base);
        assert.ok(got.length >= 5, `${f}: only ${got.join(', ')}`);
        for (const k of FACTS) assert.deepEqual(build[k], base[k], `${f}: ${k}`);
      }
    });
  }
});

describe('a custom build (6.12 on tinyconfig): its own facts, not the profile stand-ins', () => {
  const dir = join(ROOT, 'test/fixtures/custom/6.12-min');
  const f = readdirSync(dir).find((x) => x.endsWith('.txt'))!;
  const base = getProfile('6.12')!.build;
  const { build, read: got } = buildFromLog(parseKernelLog(read(join(dir, f)), f), base);
  test('every fact the log shows is read, and differs from Debian 6.12 where the build differs', () => {
    assert.deepEqual(
      got.map((x) => x.split(':')[0]),
      [
        'imageSize',
        'imageStart',
        'pgdatSize',
        'brkSize',
        'realModeSize',
        'prbDescSize, printkInfoSize',
        'pcpuUnitPages',
        'pcpuFirstChunkAllocs',
        'bootCpumasks, CPUMASK_OFFSTACK',
        'FIRMWARE_MEMMAP, HIBERNATION',
        'HUGETLB_PAGE_OPTIMIZE_VMEMMAP',
        'imageFrees',
      ],
    );
    // NR_CPUS=2: no off-stack cpumasks; one first chunk (no reserved chunk for modules).
    assert.equal(build.config.CPUMASK_OFFSTACK, false);
    // No firmware map copies and no nosave regions: the build has neither option (its .config agrees).
    assert.equal(build.config.FIRMWARE_MEMMAP, false);
    assert.equal(build.config.HIBERNATION, false);
    // HVO is built in ("16380 KiB vmemmap can be freed"), as its .config says.
    assert.equal(build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP, true);
    assert.deepEqual(build.pcpuFirstChunkAllocs, [8, 8, 4, 8, 368, 136, 1024, 1032, 256]);
    // NODES_SHIFT=6, no ACPI_SLEEP, a smaller image: pg_data_t, the trampoline, brk and the per-cpu unit all shrink.
    for (const k of ['imageSize', 'pgdatSize', 'realModeSize', 'brkSize', 'pcpuUnitPages'] as const) assert.ok(build[k] < base[k], k);
    assert.notDeepEqual(build.imageFrees, base.imageFrees);
  });
  test("a log cut before the late frees keeps the profile's frees", () => {
    const text = read(join(dir, f));
    const cut = text.slice(0, text.indexOf('Freeing unused kernel image'));
    assert.deepEqual(buildFromLog(parseKernelLog(cut, 'cut.txt'), base).build.imageFrees, base.imageFrees);
  });
});
