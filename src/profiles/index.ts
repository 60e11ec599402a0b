// The kernel generations hvosim models: the one list of names, and the default.
import { hvoV7 } from './hvo-v7.js';
import { linux61 } from './linux-6.1.js';
import { linux612 } from './linux-6.12.js';
import { linux615 } from './linux-6.15.js';
import { linux616 } from './linux-6.16.js';
import { linux70 } from './linux-7.0.js';
import { linux71 } from './linux-7.1.js';
import { linux72 } from './linux-7.2.js';
import { linux73 } from './linux-7.3.js';
import { releaseFacts, type ReleaseFact } from './release-facts.js';
import type { KernelProfile } from '../kernel/profile.js';

export type { DebianKernel, KernelFeatures, KernelProfile } from '../kernel/profile.js';

/** Every profile, oldest first. */
export const KERNEL_PROFILES: readonly KernelProfile[] = [linux61, linux612, linux615, linux616, linux70, hvoV7, linux71, linux72, linux73];

/** The names users give with --kernel, in the same order. */
export const PROFILE_NAMES: readonly string[] = KERNEL_PROFILES.map((p) => p.name);

/** The profile a boot runs when none is named: the seed. */
export const DEFAULT_PROFILE: KernelProfile = hvoV7;

/** A profile by name, or undefined when hvosim has none of that name. */
export function getProfile(name: string): KernelProfile | undefined {
  return KERNEL_PROFILES.find((p) => p.name === name);
}

/** A kernel version's major and minor ("7.2", "6.18.3", "6.1.0-56-cloud-amd64", "7.1.13+deb13-cloud-amd64", "v7.2-rc3"), or undefined. */
export function kernelRelease(version: string): [number, number] | undefined {
  const m = /^v?(\d{1,4})\.(\d{1,4})(?:\.\d{1,6})?(?:[-+~_][\w.+~-]*)?$/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** What a kernel version is answered by: its release's own profile (exact), else the nearest earlier code, with a note. */
export interface VersionProfile {
  /** The version's major.minor ("7.2"). */
  release: string;
  profile: KernelProfile;
  /** The release is one of the profile's `releases`. */
  exact: boolean;
  /** Why the answer is not that release's own validated code, and what is known to differ. */
  note?: string;
}

/** A release ("7.2") as one number that orders releases. */
const rank = (release: string): number => {
  const [major, minor] = release.split('.').map(Number);
  return major! * 10000 + minor!;
};

/** The facts of a release without a profile, as the tail of the note ("; known to differ: ...; as in 7.1: ..."). */
function factsNote(release: string, answeredBy: string): string {
  const f = releaseFacts(release);
  if (!f) return '; what differs is not known';
  const said = (xs: readonly ReleaseFact[]) =>
    xs.map((x) => `${x.what}${x.modelledBy ? ` (profile ${x.modelledBy} models this)` : ''}`).join('; ');
  return `${f.differs.length ? `; known to differ: ${said(f.differs)}` : ''}${f.same.length ? `; as in ${answeredBy}: ${said(f.same)}` : ''}`;
}

/**
 * The one rule from a kernel version to a profile (`--kernel 7.2`, a log's `Linux version` line):
 * the profile whose `releases` hold its major.minor (exact), else the newest profile whose releases
 * are all older (the nearest earlier code: 6.5 is answered by 6.1, 9.0 by 7.3), else, for a release
 * older than every profile, the oldest profile. Each answer that is not exact, or whose profile is not
 * validated, carries a note saying so and what is known to differ (release-facts.ts). Undefined when
 * the text is not a kernel version.
 */
export function profileForVersion(version: string): VersionProfile | undefined {
  const v = kernelRelease(version);
  if (!v) return undefined;
  const release = `${v[0]}.${v[1]}`;
  const own = KERNEL_PROFILES.find((p) => p.releases.includes(release));
  if (own) {
    const held = own.validatedOn;
    if (held && kernelRelease(held.version)?.join('.') === release) return { release, profile: own, exact: true };
    const code = `Linux ${release} is profile ${own.name}'s code${own.releases.length > 1 ? ` (${own.releases[0]} to ${own.releases.at(-1)})` : ''}`;
    const note = held
      ? `${code}; held to Debian's ${held.version}, not to ${release}'s own boots`
      : `${code}, modelled from source: not yet held to a real kernel`;
    return { release, profile: own, exact: true, note };
  }
  const r = rank(release);
  const released = KERNEL_PROFILES.filter((p) => p.releases.length > 0);
  const newest = (p: KernelProfile) => Math.max(...p.releases.map(rank));
  const oldest = (p: KernelProfile) => Math.min(...p.releases.map(rank));
  const earlier = released.filter((p) => newest(p) < r);
  if (!earlier.length) {
    const first = released.reduce((a, b) => (oldest(b) < oldest(a) ? b : a));
    const note = `Linux ${release} is older than every profile; answered by profile ${first.name} (the oldest code hvosim models); what differs is not known`;
    return { release, profile: first, exact: false, note };
  }
  const nearest = earlier.reduce((a, b) => (newest(b) > newest(a) ? b : a));
  const note = released.every((p) => newest(p) < r)
    ? `Linux ${release} is newer than anything hvosim models; answered by profile ${nearest.name} (the newest code); what changed since is not known`
    : `Linux ${release} has no profile of its own; answered by profile ${nearest.name} (the nearest earlier code)${factsNote(release, nearest.name)}`;
  return { release, profile: nearest, exact: false, note };
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
