// The kernel generations hvosim models: the one list of names, and the default.
import { hvoV7 } from './hvo-v7.js';
import { linux61 } from './linux-6.1.js';
import { linux612 } from './linux-6.12.js';
import { linux615 } from './linux-6.15.js';
import { linux616 } from './linux-6.16.js';
import { linux70 } from './linux-7.0.js';
import { linux71 } from './linux-7.1.js';
import { linux73 } from './linux-7.3.js';
import type { KernelProfile } from '../kernel/profile.js';

export type { DebianKernel, KernelFeatures, KernelProfile } from '../kernel/profile.js';

/** Every profile, oldest first. */
export const KERNEL_PROFILES: readonly KernelProfile[] = [linux61, linux612, linux615, linux616, linux70, hvoV7, linux71, linux73];

/** The names users give with --kernel, in the same order. */
export const PROFILE_NAMES: readonly string[] = KERNEL_PROFILES.map((p) => p.name);

/** The profile a boot runs when none is named: the seed. */
export const DEFAULT_PROFILE: KernelProfile = hvoV7;

/** A profile by name, or undefined when hvosim has none of that name. */
export function getProfile(name: string): KernelProfile | undefined {
  return KERNEL_PROFILES.find((p) => p.name === name);
}

/** The profile that stands for a kernel release ("6.1.0-56-cloud-amd64", "7.0.13+deb13-cloud-amd64"), or undefined. */
export function profileForRelease(release: string): KernelProfile | undefined {
  const m = /^(\d+\.\d+)/.exec(release);
  return m ? KERNEL_PROFILES.find((p) => p.releases.includes(m[1]!)) : undefined;
}

/** The generations whose real Debian build is booted and replayed (`hvosim conformance --kernel NAME`), oldest first. */
export const DEBIAN_GENERATIONS: readonly KernelProfile[] = KERNEL_PROFILES.filter((p) => p.validatedOn !== null);

/** What a profile is validated against, in words ("Debian PACKAGE (VERSION) under QEMU: FIXTURES"), or null. */
export function validatedAgainst(p: KernelProfile): string | null {
  const v = p.validatedOn;
  return v ? `Debian ${v.package} (${v.version}) under QEMU: ${v.fixtures}` : null;
}

/** The profile of the real kernel hvosim is held to by default (the recorded fixtures, live conformance). */
export const REFERENCE_PROFILE: KernelProfile = linux61;

/** The name of a profile (one of PROFILE_NAMES; parse user input with getProfile()). */
export type ProfileName = string;
