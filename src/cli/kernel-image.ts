// --kernel-image FILE: a bzImage (vmlinuz) read for its build's facts. The compressed kernel is unpacked by its
// magic number (gzip with node's zlib, zstd and lz4 with small npm decoders, xz with liblzma; loaded only for this option).
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { type ReadKconfig, parseKconfig } from '../simulator.js';
import { type ImageFacts, imageFacts, parseSetupHeader, type SetupHeader, unpackedSize } from '../trace/build-from-image.js';
import { InputError } from '../util/errors.js';
import { inputName, readInputBytes } from './input.js';

/** What hvosim read of a kernel image. */
export interface KernelImage {
  file: string;
  header: SetupHeader;
  /** The release its version string names ("6.1.0-56-cloud-amd64"), or null. */
  release: string | null;
  facts: ImageFacts;
  /** The embedded configuration (IKCONFIG), read as --config reads a file; null when the build has none in the image. */
  config: ReadKconfig | null;
}

/** The most a vmlinux may unpack to (Debian's are 53 to 62 MiB). */
const MAX_UNPACKED = 512 * 1024 * 1024;

/** The kernel's legacy lz4 frame (lz4 -l): the magic, then blocks of at most 8 MiB each after its compressed size. */
async function unlz4(p: Uint8Array, size: number): Promise<Uint8Array> {
  const lz4 = await import('lz4js');
  const out = new Uint8Array(size);
  let i = 4;
  let o = 0;
  while (i + 4 <= p.length) {
    const n = u32(p, i);
    i += 4;
    // Another frame's magic (concatenated streams), as unlz4() skips it.
    if (n === 0x184c2102) continue;
    if (i + n > p.length) throw new Error(`an lz4 block of ${n} bytes runs past the end`);
    // The decoder does not check its bounds: a block that would write past the end is caught by the count below.
    o = lz4.decompressBlock(p, out, i, n, o);
    i += n;
    if (o > size) throw new Error('unpacks to more than the size appended to it');
  }
  return out.subarray(0, o);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** xz with the x86 BCJ filter the kernel's xz_wrap.sh adds: liblzma (lzma-native, a native addon loaded only here). */
async function unxz(p: Uint8Array): Promise<Uint8Array> {
  const lzma = createRequire(import.meta.url)('lzma-native') as { decompress(b: Buffer): Promise<Buffer> };
  return lzma.decompress(Buffer.from(p.buffer, p.byteOffset, p.length));
}

async function unzstd(p: Uint8Array): Promise<Uint8Array> {
  // Node's own zstd where it has one (22.15 on), else fzstd (pure JavaScript, some seconds for a kernel).
  const native = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array, o: object) => Buffer }).zstdDecompressSync;
  if (native) return native(p, { maxOutputLength: MAX_UNPACKED });
  return (await import('fzstd')).decompress(p);
}

/** The vmlinux inside a bzImage, unpacked; one error line naming the format and what went wrong. */
export async function unpackKernel(h: SetupHeader, file: string): Promise<Uint8Array> {
  const bad = (what: string) => new InputError(what, { file, field: '--kernel-image' });
  const c = h.compression;
  if (c === 'bzip2' || c === 'lzma' || c === 'lzo')
    throw bad(
      `the kernel is compressed with ${c}: hvosim unpacks gzip, xz, zstd and lz4 only (unpack it yourself, or build with KERNEL_ZSTD)`,
    );
  // Every format but gzip (whose trailer ends in the size) has the unpacked size appended after the stream.
  const size = unpackedSize(h);
  if (size > MAX_UNPACKED) throw bad(`the kernel says it unpacks to ${size} bytes, more than ${MAX_UNPACKED}: not a kernel hvosim reads`);
  const stream = c === 'gzip' ? h.payload : h.payload.subarray(0, h.payload.length - 4);
  let out: Uint8Array;
  try {
    if (c === 'gzip') out = zlib.gunzipSync(stream, { maxOutputLength: MAX_UNPACKED });
    else if (c === 'xz') out = await unxz(stream);
    else if (c === 'zstd') out = await unzstd(stream);
    else out = await unlz4(stream, size);
  } catch (e) {
    throw bad(`the ${c} stream of the kernel does not unpack (truncated or damaged): ${(e as Error).message || String(e)}`);
  }
  if (out.length !== size)
    throw bad(`the ${c} stream unpacks to ${out.length} bytes, not the ${size} appended to it: truncated or damaged`);
  return out;
}

/** Read a bzImage the user named: its header, its unpacked vmlinux's facts and its embedded configuration. */
export async function readKernelImage(path: string): Promise<KernelImage> {
  const file = inputName(path);
  const bytes = readInputBytes(path);
  const header = parseSetupHeader(bytes, file);
  const elf = await unpackKernel(header, file);
  const facts = imageFacts(elf, file);
  let config: ReadKconfig | null = null;
  if (facts.ikconfig) {
    let text: string;
    try {
      text = zlib.gunzipSync(facts.ikconfig, { maxOutputLength: 16 * 1024 * 1024 }).toString('utf8');
    } catch (e) {
      throw new InputError(`the embedded configuration (IKCONFIG) does not unpack: ${(e as Error).message}`, {
        file,
        field: '--kernel-image',
      });
    }
    config = parseKconfig(text, `${file} (IKCONFIG)`);
  }
  const release = header.version?.split(' ')[0] || null;
  return { file, header, release, facts, config };
}
