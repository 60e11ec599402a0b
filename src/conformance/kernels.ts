// The real kernels hvosim is held to: one Debian cloud build per kernel
// generation, and the hvosim profile each is compared with.
import { profileForRelease, REFERENCE_PROFILE, type ProfileName as Profile } from '../simulator.js';

export interface KernelGeneration {
  /** The generation's name, as `--kernel` takes it. */
  name: string;
  /** The Debian package whose /boot/vmlinuz-* is booted (from 6.19 on, Debian ships the image in linux-binary-*). */
  package: string;
  /** The Debian suite that has it; one outside the system's own sources goes through a private apt configuration. */
  suite: string;
  /** What the generation's HVO code is, in a few words. */
  code: string;
}

/** Every generation hvosim can fetch. Versions rotate out of the archive: change them here. */
export const KERNEL_GENERATIONS: readonly KernelGeneration[] = [
  {
    name: '6.1',
    package: 'linux-image-6.1.0-56-cloud-amd64',
    suite: 'bookworm-security',
    code: 'HVO after boot in gather_bootmem_prealloc(), one page at a time',
  },
  {
    name: '6.12',
    package: 'linux-image-6.12.118+deb12-cloud-amd64',
    suite: 'bookworm-security',
    code: 'bootmem pages at parse time, HVO after boot in batches, head vmemmap page copied',
  },
  {
    name: '6.16',
    package: 'linux-image-6.16.12+deb13-cloud-amd64',
    suite: 'trixie-backports',
    code: 'the 6.15-era code: pre-HVO in hugetlb_vmemmap_init_early(), vmemmap_undo_hvo(), fake heads',
  },
  {
    name: '7.0',
    package: 'linux-binary-7.0.13+deb13-cloud-amd64',
    suite: 'trixie-backports',
    code: 'the 6.15-era code, last release before the series',
  },
  {
    name: '7.1',
    package: 'linux-binary-7.1.13+deb13-cloud-amd64',
    suite: 'trixie-backports',
    code: 'the series merged: zone->vmemmap_tails, mask compound_info, population in hugetlb_vmemmap_init_late()',
  },
  {
    name: '7.3',
    package: 'linux-binary-7.3.4+deb13-cloud-amd64',
    suite: 'trixie-backports',
    code: 'the series merged, with the fixes that followed',
  },
];

/**
 * The hvosim profile a generation is compared with (the profile of that release, src/profiles), and
 * whether that profile was validated on the generation's real boots.
 */
export function comparedProfile(generation: string): { profile: Profile; validated: boolean } {
  const p = profileForRelease(generation) ?? REFERENCE_PROFILE;
  return { profile: p.name, validated: p.validatedAgainst !== null };
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
