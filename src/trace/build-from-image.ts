// A kernel build's facts read off its image: the x86 boot protocol's setup header of a bzImage (where the
// compressed kernel lies and how it is packed), and the vmlinux ELF inside it once unpacked (its load address,
// its sections' places and sizes), with the embedded configuration where the build has IKCONFIG.
import type { KernelBuild } from '../simulator.js';
import { InputError } from '../util/errors.js';
import { pcpuFirstChunkAllocs, pcpuUnitPages } from '../profiles/build-from-config.js';

/** How the kernel in a bzImage is packed: the formats hvosim unpacks, and those it names but refuses. */
export type ImageCompression = 'gzip' | 'xz' | 'zstd' | 'lz4' | 'bzip2' | 'lzma' | 'lzo';

/** What the setup header says (arch/x86/boot/header.S, Documentation/arch/x86/boot.rst). */
export interface SetupHeader {
  /** The boot protocol version, "2.15". */
  protocol: string;
  /** The kernel's version string (kernel_version): "6.1.0-56-cloud-amd64 (debian-kernel@...) #1 SMP ...". */
  version: string | null;
  /** The compressed kernel (payload_offset and payload_length, from the protected-mode code). */
  payload: Uint8Array;
  compression: ImageCompression;
}

/** The bytes a bzImage has before its setup header ends. */
const HEADER_END = 0x250;

/** The magic numbers of the payload formats the kernel's Makefiles produce (scripts/Makefile.lib). */
const MAGICS: [ImageCompression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  // The lz4 tool's legacy frame (lz4 -l), which the kernel's unlz4() reads.
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  // lzma -9's .lzma header: the properties byte 0x5d, then the dictionary size.
  ['lzma', [0x5d, 0x00, 0x00]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]],
];

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number): bigint {
  return BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);
}

/** A NUL-terminated string at `o` (at most `max` bytes). */
function cString(b: Uint8Array, o: number, max: number): string {
  let end = o;
  while (end < b.length && end < o + max && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + o, end - o).toString('latin1');
}

/** Read the setup header of a bzImage: its protocol, version string and compressed payload. */
export function parseSetupHeader(b: Uint8Array, file: string): SetupHeader {
  const bad = (what: string) => new InputError(what, { file, field: '--kernel-image' });
  if (b.length < HEADER_END || u32(b, 0x202) !== 0x53726448)
    throw bad('not a bzImage (no "HdrS" boot protocol header at 0x202): give a vmlinuz, not a vmlinux, initrd or module');
  const protocol = u16(b, 0x206);
  const protocolText = `${protocol >> 8}.${(protocol & 0xff).toString().padStart(2, '0')}`;
  // payload_offset and payload_length came with protocol 2.08 (Linux 2.6.26).
  if (protocol < 0x208) throw bad(`boot protocol ${protocolText} is older than 2.08: the header does not say where the kernel lies`);
  // setup_sects: 0 means 4 (the oldest loaders' rule).
  const setupSects = b[0x1f1] || 4;
  const pm = (setupSects + 1) * 512;
  const offset = pm + u32(b, 0x248);
  const length = u32(b, 0x24c);
  if (length === 0 || offset + length > b.length)
    throw bad(`truncated: the compressed kernel is said to end at byte ${offset + length} but the file has ${b.length}`);
  const payload = b.subarray(offset, offset + length);
  const compression = MAGICS.find(([, m]) => m.every((x, i) => payload[i] === x))?.[0];
  if (!compression) {
    const head = Array.from(payload.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw bad(`the compressed kernel starts with ${head}: no format hvosim knows (gzip, xz, zstd, lz4, bzip2, lzma, lzo)`);
  }
  // kernel_version: a pointer, less 0x200, into the setup code.
  const kv = u16(b, 0x20e);
  const version = kv && kv + 0x200 < pm ? cString(b, kv + 0x200, 256) : null;
  return { protocol: protocolText, version: version || null, payload, compression };
}

/** The size the kernel's Makefiles append to a payload (size_append, little-endian): what it unpacks to. */
export function unpackedSize(h: SetupHeader): number {
  return u32(h.payload, h.payload.length - 4);
}

/** A section of the vmlinux: its name, where it is loaded (physical) and how long it is. */
export interface ElfSection {
  name: string;
  /** SHT_NOBITS (.bss, .brk): in memory but not in the file. */
  nobits: boolean;
  /** The load address (the segment's p_paddr plus the section's place in it); null outside every PT_LOAD segment. */
  phys: number | null;
  size: number;
}

/** A PT_LOAD segment: where its bytes are in the file, and where they are loaded (virtual and physical). */
export interface ElfLoad {
  offset: number;
  vaddr: bigint;
  paddr: number;
  filesz: number;
  memsz: number;
}

/** The PT_LOAD segments and the allocated sections of a 64-bit little-endian ELF (the decompressed vmlinux). */
export function parseElf(e: Uint8Array, file: string): { loads: ElfLoad[]; sections: ElfSection[] } {
  const bad = (what: string) => new InputError(what, { file, field: '--kernel-image' });
  if (e.length < 64 || u32(e, 0) !== 0x464c457f) throw bad('the unpacked kernel is not an ELF file (no vmlinux inside)');
  if (e[4] !== 2 || e[5] !== 1 || u16(e, 0x12) !== 62)
    throw bad('the unpacked kernel is not a 64-bit x86_64 ELF: hvosim models x86_64 only');
  const phoff = Number(u64(e, 0x20));
  const shoff = Number(u64(e, 0x28));
  const phentsize = u16(e, 0x36);
  const phnum = u16(e, 0x38);
  const shentsize = u16(e, 0x3a);
  const shnum = u16(e, 0x3c);
  const shstrndx = u16(e, 0x3e);
  if (phoff + phnum * phentsize > e.length || shoff + shnum * shentsize > e.length || shstrndx >= shnum)
    throw bad('the unpacked kernel is truncated: its ELF headers point past its end');
  const segs: { offset: number; vaddr: bigint; paddr: number; filesz: number; memsz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (u32(e, o) !== 1) continue; // PT_LOAD
    segs.push({
      offset: Number(u64(e, o + 8)),
      vaddr: u64(e, o + 16),
      paddr: Number(u64(e, o + 24)),
      filesz: Number(u64(e, o + 32)),
      memsz: Number(u64(e, o + 40)),
    });
  }
  if (!segs.length) throw bad('the unpacked kernel has no PT_LOAD segment');
  const strOff = Number(u64(e, shoff + shstrndx * shentsize + 0x18));
  const sections: ElfSection[] = [];
  for (let i = 1; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const flags = u64(e, o + 8);
    if (!(flags & 2n)) continue; // SHF_ALLOC
    const nobits = u32(e, o + 4) === 8;
    const addr = u64(e, o + 16);
    const offset = Number(u64(e, o + 0x18));
    const size = Number(u64(e, o + 0x20));
    // The per-cpu section is linked at address 0 (x86_64 before 7.x): its place is its file offset's in its segment.
    const seg = nobits
      ? segs.find((s) => addr >= s.vaddr && addr < s.vaddr + BigInt(s.memsz))
      : segs.find((s) => offset >= s.offset && offset < s.offset + s.filesz);
    const phys = !seg ? null : nobits ? seg.paddr + Number(addr - seg.vaddr) : seg.paddr + (offset - seg.offset);
    sections.push({ name: cString(e, strOff + u32(e, o), 128), nobits, phys, size });
  }
  return { loads: segs, sections };
}

/** What an image determines of its build. */
export interface ImageFacts {
  imageStart: number;
  imageSize: number;
  /** The parts of the image the boot gives back that its sections place; "unused decrypted" lies inside .bss, so is not here. */
  imageFrees: { what: string; kb: number; early?: boolean }[];
  /** The .brk section: the most reserve_brk() can reserve (what it does reserve, brkSize, the boot decides). */
  brkArea: number | null;
  /** The static per-cpu data (.data..percpu, __per_cpu_start to __per_cpu_end); null when the image has no such section. */
  percpuStatic: number | null;
  /** The size alloc_node_data() allocates for each node's pg_data_t, read off its code (pgdatSizeOf()); null when not found. */
  pgdatSize: number | null;
  /** The configuration between IKCFG_ST and IKCFG_ED (gzip), still packed; null without IKCONFIG in the image. */
  ikconfig: Uint8Array | null;
}

const PAGE = 4096;
const alignUp = (x: number) => Math.ceil(x / PAGE) * PAGE;

/** The facts the vmlinux's layout gives (arch/x86/kernel/vmlinux.lds.S), each from its sections. */
export function imageFacts(e: Uint8Array, file: string): ImageFacts {
  const { loads, sections } = parseElf(e, file);
  const bad = (what: string) => new InputError(what, { file, field: '--kernel-image' });
  const sec = (name: string) => sections.find((s) => s.name === name && s.phys !== null);
  const text = sec('.text');
  const bss = sec('.bss');
  if (!text || !bss) throw bad('the unpacked kernel has no .text or .bss section: not a vmlinux (or its section headers are stripped)');
  // CONFIG_PHYSICAL_START (aligned): the first load segment, where _text is.
  const imageStart = Math.min(...loads.map((l) => l.paddr));
  if (text.phys !== imageStart) throw bad(`.text is loaded at 0x${text.phys!.toString(16)}, not where the image starts: not a vmlinux`);
  // setup_arch() reserves _text to __end_of_kernel_reserve, the page-aligned end of .bss (the brk follows).
  const imageSize = alignUp(bss.phys! + bss.size) - imageStart;
  const imageFrees: ImageFacts['imageFrees'] = [];
  const kb = (from: number, to: number) => Math.max(0, Math.floor(to / PAGE) - Math.ceil(from / PAGE)) * (PAGE / 1024);
  // alternative_instructions(): __smp_locks to __smp_locks_end, a page-aligned section of its own (none from 7.3's layout).
  const smp = sec('.smp_locks');
  if (smp?.size) imageFrees.push({ what: 'SMP alternatives', kb: kb(smp.phys!, smp.phys! + smp.size), early: true });
  // free_initmem(): __init_begin (the first of the per-cpu and .init sections) to __init_end (what follows them).
  const init = sections.filter(
    (s) => s.phys !== null && (s.name.startsWith('.init.') || s.name === '.data..percpu') && s.name !== '.init.scratch',
  );
  const initEnd = [smp, sec('.data_nosave'), bss].find((s) => s !== undefined);
  if (init.length && initEnd) {
    const begin = Math.floor(Math.min(...init.map((s) => s.phys!)) / PAGE) * PAGE;
    imageFrees.push({ what: 'unused kernel image (initmem)', kb: kb(begin, initEnd.phys!) });
  }
  // mark_rodata_ro(): PFN_ALIGN(_etext) to __start_rodata, and PFN_ALIGN(__end_rodata) to _sdata.
  const rodata = sec('.rodata');
  const data = sec('.data');
  if (rodata && data) {
    // _etext and __end_rodata: the end of the last section before the next part (.head.text follows .text in 6.16).
    const endBefore = (from: number, to: number) =>
      Math.max(...sections.filter((s) => s.phys !== null && s.phys >= from && s.phys < to).map((s) => s.phys! + s.size));
    const gap = kb(endBefore(text.phys!, rodata.phys!), rodata.phys!);
    if (gap) imageFrees.push({ what: 'unused kernel image (text/rodata gap)', kb: gap });
    const gap2 = kb(endBefore(rodata.phys!, data.phys!), data.phys!);
    if (gap2) imageFrees.push({ what: 'unused kernel image (rodata/data gap)', kb: gap2 });
  }
  const percpu = sections.find((x) => x.name === '.data..percpu');
  return {
    imageStart,
    imageSize,
    imageFrees,
    brkArea: sec('.brk')?.size ?? null,
    percpuStatic: percpu ? percpu.size : null,
    pgdatSize: pgdatSizeOf(e, loads),
    ikconfig: ikconfigOf(e),
  };
}

/**
 * The size alloc_node_data() gives each node's pg_data_t, read off the x86_64 code that prints it: the
 * "NODE_DATA(%d) allocated [mem %#010Lx-%#010Lx]" line takes its end as the start plus the size less one, which
 * the compiler makes one `lea size-1(%reg),%reg` just before loading the format's address into %rdi. The size is
 * taken only when the same function also passes it whole, as an immediate (to the allocator or to its panic()),
 * and when every place the format is loaded agrees; otherwise null (a build that compiles it another way).
 */
export function pgdatSizeOf(e: Uint8Array, loads: readonly ElfLoad[]): number | null {
  const buf = Buffer.from(e.buffer, e.byteOffset, e.length);
  const at = buf.indexOf('NODE_DATA(%d) allocated [mem');
  // printk's KERN_INFO prefix ("\x01" "6") is part of the string the code points at.
  if (at < 2 || e[at - 2] !== 1) return null;
  const seg = loads.find((l) => at - 2 >= l.offset && at - 2 < l.offset + l.filesz);
  if (!seg) return null;
  const fmt = seg.vaddr + BigInt(at - 2 - seg.offset);
  // mov $fmt,%rdi: 48 c7 c7 and the address's low 32 bits (sign-extended to the kernel's 0xffffffff8... addresses).
  const mov = Buffer.from([0x48, 0xc7, 0xc7, 0, 0, 0, 0]);
  mov.writeUInt32LE(Number(fmt & 0xffffffffn), 3);
  // The same size as an immediate (mov $size,%edi or %esi: bf/be imm32) earlier in the function.
  const passedWhole = (size: number, i: number) => {
    const imm = Buffer.alloc(4);
    imm.writeUInt32LE(size);
    const before = buf.subarray(Math.max(0, i - 160), i);
    for (let k = before.indexOf(imm); k >= 0; k = before.indexOf(imm, k + 1))
      if (before[k - 1] === 0xbf || before[k - 1] === 0xbe) return true;
    return false;
  };
  const sizes = new Set<number>();
  for (let i = buf.indexOf(mov); i >= 0; i = buf.indexOf(mov, i + 1)) {
    // lea disp32(%reg),%reg with REX.W (48/4c 8d, ModRM mod 10, no SIB) among the few instructions around the
    // load of the format (the compiler may schedule it before or after), confirmed by the whole size.
    const found = new Set<number>();
    for (let j = Math.max(0, i - 24); j <= i + 24; j++) {
      if (j > i - 7 && j < i + 7) continue;
      if ((e[j] === 0x48 || e[j] === 0x4c) && e[j + 1] === 0x8d && (e[j + 2]! & 0xc0) === 0x80 && (e[j + 2]! & 7) !== 4) {
        const size = buf.readInt32LE(j + 3) + 1;
        if (size >= 1024 && size <= 1 << 22 && passedWhole(size, i)) found.add(size);
      }
    }
    if (found.size !== 1) return null;
    sizes.add([...found][0]!);
  }
  return sizes.size === 1 ? [...sizes][0]! : null;
}

/** kernel/configs.c's kernel_config_data: the gzip'd .config between the markers "IKCFG_ST" and "IKCFG_ED". */
function ikconfigOf(e: Uint8Array): Uint8Array | null {
  const buf = Buffer.from(e.buffer, e.byteOffset, e.length);
  const st = buf.indexOf('IKCFG_ST');
  if (st < 0) return null;
  const ed = buf.indexOf('IKCFG_ED', st + 8);
  return ed < 0 ? null : e.subarray(st + 8, ed);
}

/**
 * The build facts an image gives, each said with what it was read from (as buildFromLog() says its own). `modules`:
 * whether the build has MODULES (its .config's word; Debian's builds have it), for the per-cpu module reserve.
 */
export function buildFromImage(
  f: ImageFacts,
  base: KernelBuild,
  config?: ReadonlyMap<string, string>,
): { build: KernelBuild; read: string[] } {
  const read = [
    'imageStart: the first PT_LOAD segment of the vmlinux (CONFIG_PHYSICAL_START)',
    'imageSize: the vmlinux from .text to the end of .bss',
  ];
  // Without a configuration, Debian's options (MODULES, AMD_MEM_ENCRYPT) stand in.
  const on = (k: string) => !config || config.get(k) === 'y';
  // "unused decrypted" (AMD_MEM_ENCRYPT) lies in .bss, whose used part no section says: the base build's stands in.
  const decrypted = on('AMD_MEM_ENCRYPT') ? base.imageFrees.filter((p) => p.what === 'unused decrypted') : [];
  const frees = [...f.imageFrees.filter((p) => p.early), ...decrypted, ...f.imageFrees.filter((p) => !p.early)];
  const kept = decrypted.length ? '; "unused decrypted" is the profile\'s' : '';
  read.push(`imageFrees: the vmlinux's sections (.smp_locks, the init sections, the text/rodata/data gaps)${kept}`);
  const build = { ...base, imageStart: f.imageStart, imageSize: f.imageSize, imageFrees: frees };
  if (f.pgdatSize !== null) {
    build.pgdatSize = f.pgdatSize;
    read.push('pgdatSize: alloc_node_data() in the vmlinux (the size its "NODE_DATA(N) allocated" line adds)');
  }
  if (f.percpuStatic !== null) {
    const modules = on('MODULES');
    build.pcpuUnitPages = pcpuUnitPages(f.percpuStatic, modules);
    build.pcpuFirstChunkAllocs = pcpuFirstChunkAllocs(f.percpuStatic, modules, base.pcpuFirstChunkAllocs);
    read.push(
      `pcpuUnitPages, pcpuFirstChunkAllocs: the vmlinux's .data..percpu (${f.percpuStatic} bytes), MODULES=${modules ? 'y' : 'n'} ` +
        "(struct pcpu_chunk's own size is the profile's)",
    );
  }
  // No section says what the kernel holds at hugetlb_init() and once running: the base build's measured use, scaled by
  // the image's size (init's part is the initramfs's, whatever the kernel).
  const scale = f.imageSize / base.imageSize;
  build.kernelUseAtHugetlbInitKb = Math.round(base.kernelUseAtHugetlbInitKb * scale);
  build.runtimeUseKb = {
    bootNodeKernel: Math.round(base.runtimeUseKb.bootNodeKernel * scale),
    bootNodeUser: base.runtimeUseKb.bootNodeUser,
    otherNode: Math.round(base.runtimeUseKb.otherNode * scale),
  };
  read.push(
    `runtimeUseKb, kernelUseAtHugetlbInitKb: estimates, the profile's build's scaled by the image's size (${f.imageSize} bytes against ${base.imageSize})`,
  );
  return { build, read };
}
