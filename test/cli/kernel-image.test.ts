// --kernel-image: synthetic bzImages (a small vmlinux with the x86 layout's sections, in a setup header, packed
// each way the kernel packs it) read for their facts, the bad ones refused in one line; and the facts recorded
// from Debian's real images (scripts/check-kernel-image.ts re-derives them) held to the profiles' builds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compressBlock } from 'lz4js';
import { profileWithOwnBuild } from '../../src/cli/build-options.js';
import { readKernelImage, unpackKernel } from '../../src/cli/kernel-image.js';
import { pcpuUnitPages } from '../../src/profiles/build-from-config.js';
import { getProfile } from '../../src/simulator.js';
import { buildFromImage, imageFacts, parseSetupHeader } from '../../src/trace/build-from-image.js';
import { InputError } from '../../src/util/errors.js';
import { ROOT } from '../helpers.js';

const KERNEL_MAP = 0xffffffff80000000n;
const BASE = 0x1000000;
/** Sections: name, physical address, size, NOBITS; the per-cpu one is linked at 0 as on x86_64 before 7.x. */
const SECTIONS: [string, number, number, boolean][] = [
  ['.text', 0x1000000, 0x1234, false],
  ['.rodata', 0x1004000, 0x500, false],
  ['.data', 0x1008000, 0x100, false],
  ['.data..percpu', 0x100a000, 0x800, false],
  ['.init.text', 0x100b000, 0x1100, false],
  ['.smp_locks', 0x100d000, 0x2000, false],
  ['.data_nosave', 0x100f000, 0x1000, false],
  ['.bss', 0x1010000, 0x3000, true],
  ['.brk', 0x1013000, 0x30000, true],
];
const FILE_END = 0x1000 + (0x1010000 - BASE);

/** A vmlinux: one PT_LOAD from 0x1000000, the sections above (IKCONFIG's markers in .rodata when given). */
function vmlinux(ikconfig?: string): Uint8Array {
  const names = `\0${SECTIONS.map((s) => s[0]).join('\0')}\0.shstrtab\0`;
  const shoff = FILE_END + names.length + 8;
  const e = Buffer.alloc(shoff + 64 * (SECTIONS.length + 2));
  e.write('\x7fELF', 0, 'latin1');
  e[4] = 2;
  e[5] = 1;
  e.writeUInt16LE(62, 0x12);
  e.writeBigUInt64LE(64n, 0x20);
  e.writeBigUInt64LE(BigInt(shoff), 0x28);
  e.writeUInt16LE(56, 0x36);
  e.writeUInt16LE(1, 0x38);
  e.writeUInt16LE(64, 0x3a);
  e.writeUInt16LE(SECTIONS.length + 2, 0x3c);
  e.writeUInt16LE(SECTIONS.length + 1, 0x3e);
  // PT_LOAD at file offset 0x1000.
  e.writeUInt32LE(1, 64);
  e.writeBigUInt64LE(0x1000n, 64 + 8);
  e.writeBigUInt64LE(KERNEL_MAP + BigInt(BASE), 64 + 16);
  e.writeBigUInt64LE(BigInt(BASE), 64 + 24);
  e.writeBigUInt64LE(BigInt(FILE_END - 0x1000), 64 + 32);
  e.writeBigUInt64LE(0x43000n, 64 + 40);
  e.write(names, FILE_END, 'latin1');
  let name = 1;
  SECTIONS.forEach(([n, phys, size, nobits], i) => {
    const o = shoff + 64 * (i + 1);
    e.writeUInt32LE(name, o);
    name += n.length + 1;
    e.writeUInt32LE(nobits ? 8 : 1, o + 4);
    e.writeBigUInt64LE(2n, o + 8);
    e.writeBigUInt64LE(n === '.data..percpu' ? 0n : KERNEL_MAP + BigInt(phys), o + 16);
    e.writeBigUInt64LE(BigInt(0x1000 + phys - BASE), o + 0x18);
    e.writeBigUInt64LE(BigInt(size), o + 0x20);
  });
  const str = shoff + 64 * (SECTIONS.length + 1);
  e.writeUInt32LE(name, str);
  e.writeUInt32LE(3, str + 4);
  e.writeBigUInt64LE(BigInt(FILE_END), str + 0x18);
  e.writeBigUInt64LE(BigInt(names.length), str + 0x20);
  if (ikconfig) {
    const z = gzipSync(ikconfig);
    const at = 0x1000 + 0x1004000 - BASE;
    e.write('IKCFG_ST', at, 'latin1');
    z.copy(e, at + 8);
    e.write('IKCFG_ED', at + 8 + z.length, 'latin1');
  }
  return e;
}

function sizeAppended(b: Uint8Array, size: number): Buffer {
  const s = Buffer.alloc(4);
  s.writeUInt32LE(size);
  return Buffer.concat([b, s]);
}

/** A zstd frame of raw blocks (no compressor needed), its content size in the header. */
function zstdRaw(d: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0])];
  const fcs = Buffer.alloc(4);
  fcs.writeUInt32LE(d.length);
  parts.push(fcs);
  for (let i = 0; i < d.length; i += 0x20000) {
    const n = Math.min(0x20000, d.length - i);
    const h = ((n << 3) | (i + n >= d.length ? 1 : 0)) >>> 0;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(d.subarray(i, i + n)));
  }
  return Buffer.concat(parts);
}

/** lz4 -l: the legacy magic, then each 8 MiB chunk as its compressed size and an LZ4 block. */
function lz4Legacy(d: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([0x02, 0x21, 0x4c, 0x18])];
  for (let i = 0; i < d.length; i += 8 << 20) {
    const n = Math.min(8 << 20, d.length - i);
    const out = new Uint8Array(n + (n >> 8) + 64);
    const c = compressBlock(d, out, i, n, new Uint32Array(1 << 16));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(c);
    parts.push(len, Buffer.from(out.subarray(0, c)));
  }
  return Buffer.concat(parts);
}

/** xz as the kernel's xz_wrap.sh makes it: the x86 BCJ filter, then LZMA2, CRC32 checks. */
function xzKernel(d: Uint8Array): Promise<Buffer> {
  const lzma = createRequire(import.meta.url)('lzma-native');
  const enc = lzma.createStream('streamEncoder', {
    filters: [{ id: lzma.FILTER_X86 }, { id: lzma.FILTER_LZMA2, options: { preset: 6 } }],
    check: lzma.CHECK_CRC32,
  });
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    enc.on('data', (c: Buffer) => chunks.push(c));
    enc.on('end', () => resolve(Buffer.concat(chunks)));
    enc.end(Buffer.from(d));
  });
}

/** A bzImage: setup_sects 3, "HdrS" protocol 2.15, a version string, the payload after the protected-mode code. */
function bzImage(payload: Uint8Array, o: { protocol?: number; lengthDelta?: number } = {}): Buffer {
  const setup = Buffer.alloc(4 * 512);
  setup[0x1f1] = 3;
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(o.protocol ?? 0x20f, 0x206);
  setup.writeUInt16LE(0x300, 0x20e);
  setup.write('6.12.9-test (me@here) #1 SMP\0', 0x500, 'latin1');
  const pm = Buffer.alloc(0x100);
  setup.writeUInt32LE(pm.length, 0x248);
  setup.writeUInt32LE(payload.length + (o.lengthDelta ?? 0), 0x24c);
  return Buffer.concat([setup, pm, payload]);
}

async function factsOf(img: Uint8Array) {
  const h = parseSetupHeader(img, 'img');
  return { h, facts: imageFacts(await unpackKernel(h, 'img'), 'img') };
}

async function refused(img: Uint8Array, re: RegExp): Promise<void> {
  await assert.rejects(factsOf(img), (e: unknown) => e instanceof InputError && re.test(e.describe()) && !e.describe().includes('\n'));
}

describe('--kernel-image: a bzImage read for its build facts', () => {
  const elf = vmlinux();
  const packed: [string, () => Promise<Uint8Array>][] = [
    ['gzip', async () => gzipSync(elf)],
    ['zstd', async () => sizeAppended(zstdRaw(elf), elf.length)],
    ['lz4', async () => sizeAppended(lz4Legacy(elf), elf.length)],
    ['xz', async () => sizeAppended(await xzKernel(elf), elf.length)],
  ];
  for (const [format, pack] of packed)
    test(`${format}: every fact the sections give`, async () => {
      const { h, facts } = await factsOf(bzImage(await pack()));
      assert.equal(h.compression, format);
      assert.equal(h.protocol, '2.15');
      assert.equal(h.version, '6.12.9-test (me@here) #1 SMP');
      assert.equal(facts.imageStart, 0x1000000);
      // _text to the page-aligned end of .bss.
      assert.equal(facts.imageSize, 0x13000);
      assert.equal(facts.brkArea, 0x30000);
      assert.deepEqual(facts.imageFrees, [
        { what: 'SMP alternatives', kb: 8, early: true },
        // The per-cpu section (linked at 0) to .smp_locks.
        { what: 'unused kernel image (initmem)', kb: 12 },
        // PFN_ALIGN(_etext) 0x1002000 to .rodata; PFN_ALIGN(end of .rodata) 0x1005000 to .data.
        { what: 'unused kernel image (text/rodata gap)', kb: 8 },
        { what: 'unused kernel image (rodata/data gap)', kb: 12 },
      ]);
      assert.equal(facts.ikconfig, null);
      assert.equal(facts.percpuStatic, 0x800);
      // No alloc_node_data() code in this vmlinux: no size is guessed.
      assert.equal(facts.pgdatSize, null);
    });

  test('the embedded configuration (IKCONFIG) is found between its markers', async () => {
    const { facts } = await factsOf(bzImage(gzipSync(vmlinux('CONFIG_SPARSEMEM_VMEMMAP=y\nCONFIG_ZONE_DMA=y\n'))));
    assert.ok(facts.ikconfig);
    assert.match(Buffer.from(await import('node:zlib').then((z) => z.gunzipSync(facts.ikconfig!))).toString(), /CONFIG_ZONE_DMA=y/);
  });

  test("buildFromImage: the image's facts over the profile's, 'unused decrypted' kept from it and said", async () => {
    const { facts } = await factsOf(bzImage(gzipSync(elf)));
    const base = getProfile('6.12')!.build;
    const { build, read } = buildFromImage(facts, base);
    assert.equal(build.imageSize, 0x13000);
    assert.equal(build.brkSize, base.brkSize);
    assert.deepEqual(
      build.imageFrees.map((f) => f.what),
      [
        'SMP alternatives',
        'unused decrypted',
        'unused kernel image (initmem)',
        'unused kernel image (text/rodata gap)',
        'unused kernel image (rodata/data gap)',
      ],
    );
    assert.deepEqual(
      read.map((r) => r.split(':')[0]),
      ['imageStart', 'imageSize', 'imageFrees', 'pcpuUnitPages, pcpuFirstChunkAllocs', 'runtimeUseKb, kernelUseAtHugetlbInitKb'],
    );
    // What the running kernel holds: no section says; the profile's, scaled by the image's size (init's part kept).
    assert.deepEqual(build.runtimeUseKb, {
      bootNodeKernel: Math.round((base.runtimeUseKb.bootNodeKernel * 0x13000) / base.imageSize),
      bootNodeUser: base.runtimeUseKb.bootNodeUser,
      otherNode: Math.round((base.runtimeUseKb.otherNode * 0x13000) / base.imageSize),
    });
    assert.equal(build.kernelUseAtHugetlbInitKb, Math.round((base.kernelUseAtHugetlbInitKb * 0x13000) / base.imageSize));
    assert.match(read[2]!, /"unused decrypted" is the profile's/);
    // 2 KiB of static per-cpu data, Debian's 8 KiB module reserve and the 28 KiB dynamic one: 10 pages.
    assert.equal(build.pcpuUnitPages, 10);
    // A configuration without AMD_MEM_ENCRYPT nor MODULES: no "unused decrypted", no reserved chunk.
    const own = buildFromImage(facts, base, new Map([['SPARSEMEM_VMEMMAP', 'y']]));
    assert.ok(!own.build.imageFrees.some((f) => f.what === 'unused decrypted'));
    assert.equal(own.build.pcpuUnitPages, 8);
    assert.equal(own.build.pcpuFirstChunkAllocs.length, 9);
  });

  test('bad input: one line each, naming what is wrong', async () => {
    await refused(Buffer.alloc(4096), /not a bzImage \(no "HdrS"/);
    await refused(bzImage(gzipSync(elf), { protocol: 0x206 }), /boot protocol 2\.06 is older than 2\.08/);
    await refused(bzImage(gzipSync(elf), { lengthDelta: 100 }), /truncated: the compressed kernel is said to end/);
    await refused(bzImage(Buffer.from('BZh91AY&SY....')), /compressed with bzip2: hvosim unpacks gzip, xz, zstd and lz4 only/);
    await refused(bzImage(Buffer.from([0x5d, 0, 0, 0x80, 0, 1, 2, 3])), /compressed with lzma/);
    await refused(bzImage(Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])), /compressed with lzo/);
    await refused(bzImage(Buffer.from('PK\x03\x04 what is this')), /starts with 50 4b 03 04: no format hvosim knows/);
    const z = gzipSync(elf);
    await refused(bzImage(z.subarray(0, z.length >> 1)), /gzip stream of the kernel does not unpack/);
    await refused(bzImage(sizeAppended(zstdRaw(elf).subarray(0, 5000), elf.length)), /zstd stream .* (does not unpack|unpacks to)/);
    await refused(bzImage(gzipSync(Buffer.from('just text, no ELF here'))), /not an ELF file \(no vmlinux inside\)/);
  });
});

describe("Debian's real images: the facts scripts/check-kernel-image.ts derives equal the profiles' builds", () => {
  const recorded = JSON.parse(readFileSync(new URL('../fixtures/kernel-images.json', import.meta.url), 'utf8')) as {
    images: {
      profile: string;
      package: string;
      imageStart: number;
      imageSize: number;
      imageFrees: { what: string; kb: number }[];
      pgdatSize: number | null;
      percpuStatic: number | null;
    }[];
  };
  for (const r of recorded.images)
    test(`${r.package}`, () => {
      const b = getProfile(r.profile)!.build;
      assert.equal(r.imageStart, b.imageStart);
      assert.equal(r.imageSize, b.imageSize);
      // pg_data_t read off alloc_node_data()'s code, and the per-cpu unit from .data..percpu (Debian has MODULES):
      // each equals what the boots print ("NODE_DATA(0) allocated", "percpu: Embedded N pages/cpu").
      assert.equal(r.pgdatSize, b.pgdatSize);
      assert.equal(pcpuUnitPages(r.percpuStatic!, true), b.pcpuUnitPages);
      // Every part the image places is the logged one; "unused decrypted" the image cannot say.
      assert.deepEqual(
        r.imageFrees,
        b.imageFrees.filter((f) => f.what !== 'unused decrypted').map(({ what, kb }) => ({ what, kb })),
      );
    });
});

describe('hvosim build/boot --kernel-image (the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvosim-kimage-'));
  const img = join(dir, 'vmlinuz');
  writeFileSync(img, bzImage(gzipSync(vmlinux())));
  const hvosim = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  test('build --json: the image facts marked, on the profile its version names; boot --build reads it back', () => {
    const r = hvosim('build', '--kernel-image', img, '--json');
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.kernel, '6.12');
    assert.equal(d.facts.imageSize, 0x13000);
    assert.equal(d.from.image, img);
    assert.deepEqual(
      d.from.factsFromImage.map((x: string) => x.split(':')[0]),
      ['imageStart', 'imageSize', 'imageFrees', 'pcpuUnitPages, pcpuFirstChunkAllocs', 'runtimeUseKb, kernelUseAtHugetlbInitKb'],
    );
    const file = join(dir, 'b.json');
    writeFileSync(file, r.stdout);
    const b = hvosim('boot', '--build', file, '--qemu', '-m 2G', '--no-plan', '--json');
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout).build.configFrom.facts.slice(0, 3), ['imageStart', 'imageSize', 'imageFrees']);
  });

  test("build text says which facts came from the image and which are the profile's", () => {
    const r = hvosim('build', '--kernel-image', img);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imageSize +77824 \(0x13000\) +\[the image\]/);
    assert.match(r.stdout, /pgdatSize .*\[profile 6\.12\]/);
    assert.match(r.stdout, /brk area is 192 KiB/);
    // The stand-in vmlinux has no alloc_node_data(): said, not guessed.
    assert.match(r.stdout, /^note: the image's alloc_node_data\(\) was not found .*; pgdatSize is profile 6\.12's$/m);
  });

  test('boot --kernel-image: the summary names the facts from the image', () => {
    const r = hvosim('boot', '--kernel-image', img, '--qemu', '-m 2G', '--no-plan');
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /build: imageStart, imageSize, imageFrees, pcpuUnitPages, pcpuFirstChunkAllocs, runtimeUseKb, kernelUseAtHugetlbInitKb from the image/,
    );
  });

  test("conformance's profile (profileWithOwnBuild): the image's facts and its IKCONFIG, or --config's options", async () => {
    const withCfg = join(dir, 'vmlinuz-ikconfig');
    writeFileSync(withCfg, bzImage(gzipSync(vmlinux('CONFIG_SPARSEMEM_VMEMMAP=y\nCONFIG_ZONE_DMA32=y\n'))));
    const image = await readKernelImage(withCfg);
    const p = profileWithOwnBuild('6.12', { kernelImage: withCfg }, undefined, image);
    assert.ok(typeof p !== 'string');
    assert.equal(p.build.imageSize, 0x13000);
    assert.deepEqual(p.build.imageFrom, {
      file: withCfg,
      facts: ['imageStart', 'imageSize', 'imageFrees', 'pcpuUnitPages', 'pcpuFirstChunkAllocs', 'runtimeUseKb', 'kernelUseAtHugetlbInitKb'],
    });
    assert.equal(p.build.config.ZONE_DMA, false);
    assert.equal(p.build.configFrom?.file, `${withCfg} (IKCONFIG)`);
  });

  test('a file that is no bzImage: one line naming it, exit status 2', () => {
    const bad = join(dir, 'notimage');
    writeFileSync(bad, 'hello');
    for (const cmd of ['build', 'boot']) {
      const r = hvosim(cmd, '--kernel-image', bad);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /notimage: --kernel-image: not a bzImage/);
    }
  });
});
