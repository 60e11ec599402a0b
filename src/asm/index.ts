// The architectures' facts, by name (src/arch/ holds their code).
import type { Arch } from './types.js';
import { x86_64 } from './x86_64.js';

export type { Arch, ZoneLimit } from './types.js';
export { x86_64 };

const ARCHES: Record<string, Arch> = { x86_64 };

/** Look an architecture up by name; undefined when we do not model it. */
export function getArch(name: string): Arch | undefined {
  return ARCHES[name];
}

/**
 * The architecture a boot runs on when none is given, and the one whose vmemmap
 * geometry pgtable.ts keeps as module constants (its hot paths index tables
 * with them). hvosim models one architecture; a second one makes that geometry
 * a per-boot value.
 */
export const DEFAULT_ARCH: Arch = x86_64;
