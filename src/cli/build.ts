// hvosim build: what hvosim knows of a kernel build, learnt from its configuration and its boot log, written
// as a build description (--json) that `boot --build FILE` uses; and the reader of such a file.
import type { Command } from 'commander';
import { profileOfLog } from '../conformance/kernels.js';
import {
  BUILD_FACTS,
  type BuildDescription,
  factNames,
  getProfile,
  kconfigText,
  profileForVersion,
  profileWithConfig,
} from '../simulator.js';
import { describeBuild } from '../trace/build-from-log.js';
import { parseKernelLog } from '../trace/log.js';
import { InputError } from '../util/errors.js';
import { parseKernel } from './boot.js';
import { imageFactsOver, ownConfig } from './build-options.js';
import { inputName, readInputFile } from './input.js';
import type { KernelImage } from './kernel-image.js';
import { printJson } from './output.js';

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description("what hvosim knows of a kernel build: its configuration's options and the facts its boot log shows")
    .option('--kernel <profile>', "the profile whose code the build runs (default: the log's own version, else 6.1)")
    .option('--config <file>', "the build's configuration (.config, /boot/config-*, /proc/config.gz)")
    .option('--from-dmesg <file>', 'a boot log of the build (memblock=debug lines read where present)')
    .option('--kernel-image <file>', "the build's bzImage (vmlinuz): its load address, size, freed parts and embedded configuration")
    .option('--json', 'print the build description, for boot --build FILE')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim build --config /boot/config-$(uname -r) --from-dmesg boot.log --json > mybuild.json
  $ hvosim build --kernel-image /boot/vmlinuz-$(uname -r) --config /boot/config-$(uname -r) --json > mybuild.json
  $ hvosim boot --build mybuild.json --qemu "-m 8G" --cmdline "hugepagesz=1G hugepages=4"`,
    )
    .action(async (o: { kernel?: string; config?: string; fromDmesg?: string; kernelImage?: string; json?: boolean }) => {
      if (o.config === undefined && o.fromDmesg === undefined && o.kernelImage === undefined)
        throw new InputError('give --config, --from-dmesg, --kernel-image or several', { field: 'build' });
      const log = o.fromDmesg === undefined ? undefined : parseKernelLog(readInputFile(o.fromDmesg), inputName(o.fromDmesg));
      // The image and its decoders load only for --kernel-image.
      const image = o.kernelImage === undefined ? undefined : await (await import('./kernel-image.js')).readKernelImage(o.kernelImage);
      // The profile: --kernel, else the log's `Linux version`, else the image's version string, else 6.1.
      const name =
        o.kernel !== undefined
          ? parseKernel(o.kernel).profile
          : log
            ? profileOfLog(log.dmesg).profile
            : image?.release
              ? (profileForVersion(image.release)?.profile.name ?? '6.1')
              : '6.1';
      // --config, else the configuration the image carries (IKCONFIG).
      const cfg = ownConfig(o, image);
      const base = getProfile(name)!;
      const profile = cfg ? profileWithConfig(base, cfg) : base;
      const fromImage = image && imageFactsOver(profile, image, cfg);
      const d = describeBuild(name, profile, cfg, log, fromImage);
      if (o.json) return printJson(d);
      process.stdout.write(`${buildText(d, name, image).join('\n')}\n`);
    });
}

/** The description as text: each fact with where it came from (the log, the image, or the profile's Debian build). */
function buildText(d: BuildDescription, name: string, image: KernelImage | undefined): string[] {
  const out = [`hvosim build: profile ${name}`];
  if (image)
    out.push(
      `image: ${image.file}: ${image.header.version ?? 'no version string'} (boot protocol ${image.header.protocol}, ${image.header.compression})`,
    );
  out.push(`options: ${kconfigText(d.config)} (${d.from.config ? `from ${d.from.config}` : `profile ${name}'s Debian build`})`);
  if (d.from.notModelled.length) out.push(`set but not modelled (the profile's build stands in): ${d.from.notModelled.join(', ')}`);
  const fromLog = factNames(d.from.factsFromLog);
  const fromImage = factNames(d.from.factsFromImage ?? []);
  for (const k of BUILD_FACTS) {
    const v = d.facts[k];
    const text =
      typeof v === 'number'
        ? `${v} (0x${v.toString(16)})`
        : 'bootNodeKernel' in v
          ? `boot node ${v.bootNodeKernel}K kernel, ${v.bootNodeUser}K init; ${v.otherNode}K each other node`
          : v.map((f) => (typeof f === 'number' ? String(f) : `${f.what} ${f.kb}K`)).join(', ');
    const from = fromLog.includes(k)
      ? 'the log'
      : fromImage.includes(k)
        ? 'the image'
        : d.from.factsFromConfig?.includes(k)
          ? `the configuration, over profile ${name}'s`
          : `profile ${name}`;
    out.push(`${k.padEnd(15)} ${text}  [${from}]`);
  }
  if (d.from.factsFromImage?.some((r) => r.includes('"unused decrypted"')))
    out.push(
      `note: imageFrees' "unused decrypted" (AMD_MEM_ENCRYPT's part of .bss) is profile ${name}'s: no section of the image says how much is used`,
    );
  if (image && image.facts.pgdatSize === null && !fromLog.includes('pgdatSize'))
    out.push(
      `note: the image's alloc_node_data() was not found in a form hvosim reads (its "NODE_DATA" line and a whole size); ` +
        `pgdatSize is ${d.from.factsFromConfig?.includes('pgdatSize') ? "the profile's, its zonelists resized for the configuration" : `profile ${name}'s`}`,
    );
  if (image?.facts.brkArea && !fromLog.includes('brkSize'))
    out.push(
      `note: the image's brk area is ${image.facts.brkArea / 1024} KiB; how much of it the boot reserves (brkSize) only a boot log shows` +
        (d.from.factsFromConfig?.includes('brkSize')
          ? " (the configuration gives its early page tables; DMI's part is the profile's)"
          : ''),
    );
  return out;
}
