// The real kernels hvosim is held to: the Debian cloud build each validated profile names
// (src/profiles: `validatedOn`), and the profile each is compared with.
import { DEBIAN_GENERATIONS, profileForRelease, REFERENCE_PROFILE, type ProfileName as Profile } from '../simulator.js';

export interface KernelGeneration {
  /** The generation's name, as `--kernel` takes it (its profile's name). */
  name: string;
  /** The Debian package whose vmlinuz is booted (from 6.19 on, Debian ships the image in linux-binary-*). */
  package: string;
  /** The Debian suite that has it; one outside the system's own sources goes through a private apt configuration. */
  suite: string;
}

/** Every generation hvosim can fetch: one per validated profile. Versions rotate out of the archive: change them in the profile. */
export const KERNEL_GENERATIONS: readonly KernelGeneration[] = DEBIAN_GENERATIONS.map((p) => ({
  name: p.name,
  package: p.validatedOn!.package,
  suite: p.validatedOn!.suite,
}));

/**
 * The hvosim profile a generation is compared with (the profile of that release, src/profiles), and
 * whether that profile was validated on the generation's real boots.
 */
export function comparedProfile(generation: string): { profile: Profile; validated: boolean } {
  const p = profileForRelease(generation) ?? REFERENCE_PROFILE;
  return { profile: p.name, validated: p.validatedOn !== null };
}

export function kernelGeneration(name: string): KernelGeneration | undefined {
  return KERNEL_GENERATIONS.find((g) => g.name === name);
}

/** The version of a `Linux version 7.1.13+deb13-cloud-amd64 (...)` line as [major, minor], or undefined. */
export function linuxVersionOf(lines: readonly { text: string }[]): [number, number] | undefined {
  for (const l of lines) {
    const m = /^Linux version (\d+)\.(\d+)/.exec(l.text);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return undefined;
}

/** The newest generation not newer than a kernel version (7.2 is a 7.1, 6.19 a 7.0); undefined before 6.1. */
export function generationOfVersion(v: [number, number]): KernelGeneration | undefined {
  const key = (x: [number, number]) => x[0] * 1000 + x[1];
  let best: KernelGeneration | undefined;
  for (const g of KERNEL_GENERATIONS) {
    const gv = g.name.split('.').map(Number) as [number, number];
    if (key(gv) <= key(v) && (!best || key(gv) > key(best.name.split('.').map(Number) as [number, number]))) best = g;
  }
  return best;
}

/** The profile a log of kernel version `v` is compared with by default, and why. */
export function profileForVersion(v: [number, number] | undefined): { profile: Profile; note?: string } {
  if (!v) return { profile: REFERENCE_PROFILE.name };
  const g = generationOfVersion(v);
  if (!g)
    return {
      profile: REFERENCE_PROFILE.name,
      note: `Linux ${v.join('.')} is older than any generation hvosim knows; compared with profile ${REFERENCE_PROFILE.name}`,
    };
  const c = comparedProfile(g.name);
  if (c.validated) return { profile: c.profile };
  return {
    profile: c.profile,
    note:
      `Linux ${v.join('.')} (generation ${g.name}) compared with profile ${c.profile}: ` +
      `unvalidated, that profile is not yet held to this kernel's real boots`,
  };
}
