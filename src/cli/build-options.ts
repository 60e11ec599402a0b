// --config FILE and --build FILE: the user's own kernel build, for every command that boots a profile.
import type { Command } from 'commander';
import {
  type BuildDescription,
  factNames,
  getProfile,
  type KernelProfile,
  type ProfileName,
  profileWithBuild,
  profileWithConfig,
  profileWithImage,
  type ReadKconfig,
  resolveProfile,
} from '../simulator.js';
import { buildFromImage } from '../trace/build-from-image.js';
import type { KernelLog } from '../trace/log.js';
import { InputError } from '../util/errors.js';
import { readKernelConfig } from './input.js';
import type { KernelImage } from './kernel-image.js';

export interface BuildOptions {
  build?: string;
  config?: string;
  kernelImage?: string;
}

/** The two options, with the help every command shows for them. */
export function addBuildOptions(c: Command): Command {
  return c
    .option('--config <file>', "your kernel's configuration (.config, /boot/config-*, /proc/config.gz): the options that change the boot")
    .option('--build <file>', 'a build description (hvosim build --json): options and facts learnt from your kernel');
}

/** A --build file, read and checked (zod loads only then); undefined without the option. */
export async function readBuildOption(o: BuildOptions): Promise<BuildDescription | undefined> {
  if (o.build !== undefined && o.config !== undefined) throw new InputError('give --build or --config, not both', { field: '--build' });
  return o.build === undefined ? undefined : (await import('./build-file.js')).readBuildFile(o.build);
}

/** A --kernel-image file, read (its decoders load only then); undefined without the option. */
export async function readImageOption(o: BuildOptions): Promise<KernelImage | undefined> {
  return o.kernelImage === undefined ? undefined : (await import('./kernel-image.js')).readKernelImage(o.kernelImage);
}

/** The configuration the options give: --config's file, else the one the image carries (IKCONFIG), else none. */
export function ownConfig(o: BuildOptions, image?: KernelImage): ReadKconfig | undefined {
  return o.config !== undefined ? readKernelConfig(o.config) : (image?.config ?? undefined);
}

/** The image's facts over a profile's build, read with the configuration's MODULES and AMD_MEM_ENCRYPT (Debian's without one). */
export function imageFactsOver(p: KernelProfile, image: KernelImage, config: ReadKconfig | undefined) {
  return { file: image.file, ...buildFromImage(image.facts, p.build, config?.values) };
}

/**
 * The profile with the build the options describe (its other facts stay the profile's), or the profile itself:
 * a --build file as it is; else --config's options (or those the image carries, IKCONFIG) and the image's facts.
 */
export function profileWithOwnBuild(
  name: ProfileName,
  o: BuildOptions,
  described: BuildDescription | undefined,
  image?: KernelImage,
): ProfileName | KernelProfile {
  if (described) return profileWithBuild(getProfile(name)!, described, o.build!);
  const config = ownConfig(o, image);
  if (!config && !image) return name;
  const p = config ? profileWithConfig(getProfile(name)!, config) : getProfile(name)!;
  return image ? profileWithImage(p, imageFactsOver(p, image, config)) : p;
}

/**
 * A boot from a kernel log: the build's facts that log shows (image size, pg_data_t, per-cpu, ...), read off it as
 * replay reads them; the others stay the profile's build's. (The reader loads only for a log.)
 */
export async function profileWithLogBuild(p: ProfileName | KernelProfile, log: KernelLog): Promise<KernelProfile> {
  const base = resolveProfile(p);
  const learnt = (await import('../trace/build-from-log.js')).buildFromLog(log, base.build);
  if (!learnt.read.length) return base;
  const facts = [...new Set(factNames(learnt.read))];
  return { ...base, build: { ...learnt.build, factsFrom: { file: log.file, facts } } };
}

/** Where a user's build came from, for the JSON of diff and check: the configuration, the image and the log, and the facts each gave. */
export function buildOrigin(p: KernelProfile) {
  const b = p.build;
  return { configFrom: b.configFrom ?? null, imageFrom: b.imageFrom ?? null, factsFrom: b.factsFrom ?? null };
}

/** The options as a command line says them again (in reproducers). */
export function buildOptionsText(o: BuildOptions): string {
  // (Not --kernel-image: replay, which the reproducers run too, reads no image; the log shows the same facts.)
  return o.build !== undefined ? ` --build ${o.build}` : o.config !== undefined ? ` --config ${o.config}` : '';
}

/**
 * Each profile with the build the options describe (--build, else --config and --kernel-image), read once for all
 * of them: what diff (two sides) and check (every case) boot.
 */
export async function profilesWithOwnBuild(names: ProfileName[], o: BuildOptions): Promise<(ProfileName | KernelProfile)[]> {
  const described = await readBuildOption(o);
  const image = described ? undefined : await readImageOption(o);
  return names.map((n) => profileWithOwnBuild(n, o, described, image));
}

/** The options as `hvosim boot` takes them again (a reproducer's): --build or --config, and --kernel-image. */
export function bootBuildArgs(o: BuildOptions): string {
  return `${buildOptionsText(o)}${o.kernelImage !== undefined && o.build === undefined ? ` --kernel-image ${o.kernelImage}` : ''}`;
}
