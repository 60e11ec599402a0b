// Re-derive the build facts of Debian's real kernel images (each validated profile's package, fetched with
// apt-get as conformance fetches it) and compare them with test/fixtures/kernel-images.json; --write records them.
// Usage: npx tsx scripts/check-kernel-image.ts [--work DIR] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelImage } from '../src/cli/kernel-image.js';
import { KERNEL_GENERATIONS } from '../src/conformance/kernels.js';
import { fetchGeneration } from '../src/conformance/oracle.js';
import { pcpuUnitPages } from '../src/profiles/build-from-config.js';
import { getProfile } from '../src/simulator.js';

const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'kernel-images.json');
const args = process.argv.slice(2);
const work = args.includes('--work') ? args[args.indexOf('--work') + 1]! : join(tmpdir(), 'hvosim-oracle');
const images = [];
let differ = 0;
for (const g of KERNEL_GENERATIONS) {
  const { vmlinuz, kernel } = fetchGeneration(work, g);
  const t0 = performance.now();
  const k = await readKernelImage(vmlinuz);
  const seconds = (performance.now() - t0) / 1000;
  const r = {
    profile: g.name,
    package: kernel,
    compression: k.header.compression,
    imageStart: k.facts.imageStart,
    imageSize: k.facts.imageSize,
    imageFrees: k.facts.imageFrees.map(({ what, kb }) => ({ what, kb })),
    brkArea: k.facts.brkArea,
    pgdatSize: k.facts.pgdatSize,
    percpuStatic: k.facts.percpuStatic,
  };
  images.push(r);
  const b = getProfile(g.name)!.build;
  const logged = b.imageFrees.filter((f) => f.what !== 'unused decrypted').map(({ what, kb }) => ({ what, kb }));
  // Debian's builds have MODULES: the per-cpu unit holds the 8 KiB module reserve.
  const unit = r.percpuStatic === null ? null : pcpuUnitPages(r.percpuStatic, true);
  const same =
    r.imageStart === b.imageStart &&
    r.imageSize === b.imageSize &&
    JSON.stringify(r.imageFrees) === JSON.stringify(logged) &&
    r.pgdatSize === b.pgdatSize &&
    unit === b.pcpuUnitPages;
  if (!same) differ++;
  process.stdout.write(
    `${kernel} (${r.compression}, ${seconds.toFixed(1)} s): imageStart 0x${r.imageStart.toString(16)} imageSize 0x${r.imageSize.toString(16)} ` +
      `brk area 0x${(r.brkArea ?? 0).toString(16)} (brkSize logged 0x${b.brkSize.toString(16)}); ` +
      `pg_data_t ${r.pgdatSize ?? 'not found'} (logged ${b.pgdatSize}); per-cpu unit ${unit ?? '?'} pages (logged ${b.pcpuUnitPages}); ` +
      `${r.imageFrees.map((f) => `${f.what} ${f.kb}K`).join(', ')}: ${same ? "as the profile's build" : "DIFFERS from the profile's build"}\n`,
  );
}
const text = `${JSON.stringify({ images }, null, 2)}\n`;
if (args.includes('--write')) writeFileSync(FIXTURE, text);
else if (readFileSync(FIXTURE, 'utf8') !== text) {
  process.stdout.write(`${FIXTURE} differs from what the images give now (--write records it)\n`);
  differ++;
}
process.exitCode = differ ? 1 : 0;
