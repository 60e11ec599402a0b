// The real kernels hvosim is held to: the Debian cloud build each validated profile names
// (src/profiles: `validatedOn`), and the profile each is compared with.
import { DEBIAN_GENERATIONS, kernelRelease, profileForVersion, REFERENCE_PROFILE, type ProfileName as Profile } from '../simulator.js';

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
  const p = profileForVersion(generation)?.profile ?? REFERENCE_PROFILE;
  return { profile: p.name, validated: p.validatedOn !== null };
}

export function kernelGeneration(name: string): KernelGeneration | undefined {
  return KERNEL_GENERATIONS.find((g) => g.name === name);
}

/** The kernel version a log's `Linux version 7.1.13+deb13-cloud-amd64 (...)` line names, or undefined. */
export function linuxVersionText(lines: readonly { text: string }[]): string | undefined {
  for (const l of lines) {
    const m = /^Linux version (\S+)/.exec(l.text);
    if (m && kernelRelease(m[1]!)) return m[1];
  }
  return undefined;
}

/** The version of a log's `Linux version` line as [major, minor], or undefined. */
export function linuxVersionOf(lines: readonly { text: string }[]): [number, number] | undefined {
  const v = linuxVersionText(lines);
  return v === undefined ? undefined : kernelRelease(v);
}

/**
 * The profile a log is compared with by default: the one its `Linux version` line maps to
 * (profileForVersion(), the one rule), with the note that says when that is not the release's own
 * validated code; the reference profile when the log names no version.
 */
export function profileOfLog(lines: readonly { text: string }[]): { profile: Profile; version?: string; exact: boolean; note?: string } {
  const version = linuxVersionText(lines);
  const v = version === undefined ? undefined : profileForVersion(version);
  if (!v) return { profile: REFERENCE_PROFILE.name, exact: false };
  return { profile: v.profile.name, version, exact: v.exact, ...(v.note ? { note: v.note } : {}) };
}
