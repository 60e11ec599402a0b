// The build facts a .config and an image decide, held to what the real boots print: the kernels built here
// (test/fixtures/custom/*, each with its .config) and Debian's (the profiles, read off their fixtures).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  buildFromConfig,
  DEBIAN_CLOUD_VALUES,
  pcpuFirstChunk,
  pcpuFirstChunkAllocs,
  printkInfoSize,
} from '../../src/profiles/build-from-config.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { boot, getProfile, type KernelProfile, parseKconfig, type ProfileName, profileWithConfig } from '../../src/simulator.js';
import { type ElfLoad, pgdatSizeOf } from '../../src/trace/build-from-image.js';
import { buildFromLog } from '../../src/trace/build-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { read, ROOT } from '../helpers.js';

const CUSTOM = join(ROOT, 'test/fixtures/custom');
// 6.12-no-hvo is refused (classic SPARSEMEM).
const BUILDS = readdirSync(CUSTOM).filter((d) => /^\d+\.\d+-/.test(d) && d !== '6.12-no-hvo');
const firstLog = (dir: string) => join(dir, readdirSync(dir).find((f) => f.startsWith('k01'))!);

describe('facts a .config decides, against the builds made here (their own boots say them)', () => {
  for (const b of BUILDS) {
    test(`${b}: brk, trampoline and printk records as its boot prints them; pg_data_t nearer than Debian's`, () => {
      const dir = join(CUSTOM, b);
      const k = parseKconfig(read(join(dir, 'config')), 'config');
      const base = getProfile(b.split('-')[0]!)!;
      const p = profileWithConfig(base, k);
      const log = firstLog(dir);
      const learnt = buildFromLog(parseKernelLog(read(log), log), p.build).build;
      assert.equal(p.build.brkSize, learnt.brkSize);
      assert.equal(p.build.realModeSize, learnt.realModeSize);
      assert.equal(p.build.printkInfoSize, learnt.printkInfoSize);
      // Only the zonelists follow the configuration; the rest of pg_data_t stays Debian's (the image says it whole).
      assert.ok(Math.abs(p.build.pgdatSize - learnt.pgdatSize) < Math.abs(base.build.pgdatSize - learnt.pgdatSize) / 10);
      assert.ok(p.build.configFrom?.facts?.includes('pgdatSize'));
    });
  }
  test("Debian's own options move nothing", () => {
    for (const v of ['6.1', '6.12', '6.16', '7.0', '7.1', '7.2', '7.3']) {
      const base = getProfile(v)!.build;
      const values = new Map(DEBIAN_CLOUD_VALUES);
      if (base.printkInfoSize === printkInfoSize(true)) values.set('PRINTK_EXECUTION_CTX', 'y');
      const { build, read: said } = buildFromConfig(values, base.config, base);
      for (const k of ['brkSize', 'realModeSize', 'pgdatSize', 'printkInfoSize'] as const) assert.equal(build[k], base[k], `${v} ${k}`);
      assert.ok(
        said.every((r) => r.startsWith('printkInfoSize')),
        said.join('; '),
      );
    }
  });
  test('sizeof(struct printk_info): 88 bytes, 112 with PRINTK_EXECUTION_CTX (as 6.1 and 7.3 print them)', () => {
    assert.equal(printkInfoSize(false), getProfile('6.1')!.build.printkInfoSize);
    assert.equal(printkInfoSize(true), getProfile('7.3')!.build.printkInfoSize);
  });
});

describe('the per-cpu first chunk from the static per-cpu size (what the image gives) and MODULES', () => {
  const dirs = [...BUILDS.map((b) => join(CUSTOM, b)), ...readdirSync(join(ROOT, 'test/fixtures')).filter((d) => d.startsWith('linux-'))];
  for (const d of dirs) {
    const dir = d.startsWith('/') ? d : join(ROOT, 'test/fixtures', d);
    const file = join(dir, readdirSync(dir).filter((f) => f.endsWith('.txt'))[0]!);
    test(`${dir.split('/').slice(-2).join('/')}: "percpu: Embedded N pages/cpu sS rR dD" and the chunk's bitmaps`, () => {
      const text = read(file);
      const m = /percpu: Embedded (\d+) pages\/cpu s(\d+) r(\d+) d(\d+)/.exec(text)!;
      const [pages, s, r, dyn] = m.slice(1).map(Number) as [number, number, number, number];
      assert.deepEqual(pcpuFirstChunk(s, r > 0), { reserved: r, dyn, unitPages: pages });
      const base = getProfile(text.includes('Linux version 6.12') ? '6.12' : '7.3')!.build;
      const learnt = buildFromLog(parseKernelLog(text, file), base).build.pcpuFirstChunkAllocs;
      const ours = pcpuFirstChunkAllocs(s, r > 0, learnt);
      assert.deepEqual(ours, learnt);
    });
  }
});

describe('pgdatSizeOf(): alloc_node_data() read off the code', () => {
  const VADDR = 0xffffffff81000000n;
  const FMT = Buffer.from('\x016NODE_DATA(%d) allocated [mem %#010Lx-%#010Lx]\n\0', 'latin1');
  // The code of 7.3-min's alloc_node_data() (the lea before the format) and Debian 6.12's (the lea after it),
  // with the format's address patched in.
  const code = (size: number, leaAfter: boolean, immediate = true) => {
    const imm = (x: number) => [x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, (x >>> 24) & 0xff];
    const call = [0xbe, 0x40, 0, 0, 0, immediate ? 0xbf : 0x90, ...imm(immediate ? size : 0), 0x53, 0x89, 0xea, 0xe8, 0, 0, 0, 0];
    const lea = [0x48, 0x8d, 0x88, ...imm(size - 1)];
    const mov = [0x48, 0xc7, 0xc7, 0, 0, 0, 0];
    return leaAfter
      ? [...call, 0x48, 0x89, 0xc2, 0x89, 0xee, ...mov, 0x48, 0xc1, 0xeb, 0x0c, ...lea]
      : [...call, ...lea, 0x89, 0xee, ...mov];
  };
  const image = (...bodies: number[][]) => {
    const parts = [Buffer.alloc(64), FMT, ...bodies.map((b) => Buffer.concat([Buffer.alloc(32, 0xcc), Buffer.from(b)]))];
    const e = Buffer.concat(parts);
    const fmt = Number((VADDR + 64n) & 0xffffffffn);
    for (
      let i = e.indexOf(Buffer.from([0x48, 0xc7, 0xc7, 0, 0, 0, 0]));
      i >= 0;
      i = e.indexOf(Buffer.from([0x48, 0xc7, 0xc7, 0, 0, 0, 0]), i + 1)
    )
      e.writeUInt32LE(fmt, i + 3);
    const loads: ElfLoad[] = [{ offset: 0, vaddr: VADDR, paddr: 0x1000000, filesz: e.length, memsz: e.length }];
    return { e: new Uint8Array(e), loads };
  };
  test("the size the NODE_DATA line adds, confirmed by the allocator's argument (7.3-min: 12032; Debian 6.12: 174464)", () => {
    const a = image(code(12032, false));
    assert.equal(pgdatSizeOf(a.e, a.loads), 12032);
    const b = image(code(174464, true));
    assert.equal(pgdatSizeOf(b.e, b.loads), 174464);
  });
  test('no whole size passed, two places that disagree, or no format: null (the profile stays, said)', () => {
    const a = image(code(12032, false, false));
    assert.equal(pgdatSizeOf(a.e, a.loads), null);
    const b = image(code(12032, false), code(15680, true));
    assert.equal(pgdatSizeOf(b.e, b.loads), null);
    const c = image(code(12032, false), code(12032, true));
    assert.equal(pgdatSizeOf(c.e, c.loads), 12032);
    assert.equal(pgdatSizeOf(new Uint8Array(4096), a.loads), null);
  });
});

describe('LOG_BUF_SHIFT: log_buf_len= makes a new ring buffer only when it asks more than the static one', () => {
  const machine = () => ({ ...parseQemuArgs('-m 2G'), cmdline: 'log_buf_len=256K' });
  const logBufCalls = (p: ProfileName | KernelProfile) =>
    [...boot(machine(), { profile: p }).memblock.calls].filter((c) => c.caller === 'setup_log_buf').length;
  test("Debian's 256 KiB buffer holds 256K; the tinyconfig builds' 128 KiB does not (three allocations)", () => {
    const dir = join(CUSTOM, '7.3-min');
    const p = profileWithConfig(getProfile('7.3')!, parseKconfig(read(join(dir, 'config')), 'config'));
    assert.equal(p.build.logBufShift, 17);
    assert.equal(logBufCalls('7.3'), 0);
    assert.equal(logBufCalls(p), 3);
  });
});

describe('TRANSPARENT_HUGEPAGE: without it khugepaged never raises min_free_kbytes', () => {
  test('a 2 MiB pool grown at run time to the edge gets more pages than with THP (7.3, 2.5 GiB)', () => {
    const p = getProfile('7.3')!;
    const noThp = { ...p, build: { ...p.build, config: { ...p.build.config, TRANSPARENT_HUGEPAGE: false } } };
    const grown = (profile: ProfileName | KernelProfile) => {
      const s = boot({ ...parseQemuArgs('-m 2560M'), cmdline: 'hugepagesz=2M hugepages=5' }, { profile, nrHugepages: 1495 });
      return [...s.hugetlb.hstates.values()].find((h) => h.order === 9)!.maxHugePages;
    };
    assert.ok(grown(noThp) > grown('7.3'), `${grown(noThp)} vs ${grown('7.3')}`);
  });
  test('"never" as the default is read as off', () => {
    const k = parseKconfig('CONFIG_SPARSEMEM_VMEMMAP=y\nCONFIG_TRANSPARENT_HUGEPAGE=y\nCONFIG_TRANSPARENT_HUGEPAGE_NEVER=y\n', 'x');
    assert.equal(k.config.TRANSPARENT_HUGEPAGE, false);
    assert.equal(parseKconfig('CONFIG_SPARSEMEM_VMEMMAP=y\nCONFIG_TRANSPARENT_HUGEPAGE=y\n', 'x').config.TRANSPARENT_HUGEPAGE, true);
  });
});
