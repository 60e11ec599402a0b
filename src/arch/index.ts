// The architectures' boot code, by the name a machine gives (Machine.arch): what start_kernel()
// calls in each (src/kernel/state.ts: ArchSetup). Their facts are in src/asm.
import { x86_64 } from '../asm/index.js';
import type { ArchSetup } from '../kernel/state.js';
import { kernelImage, setupArchMemory } from './x86_64/setup.js';

const ARCH_SETUPS: Readonly<Record<string, ArchSetup>> = {
  x86_64: { facts: x86_64, setupArchMemory, kernelImage },
};

/** The boot code of an architecture, or undefined when hvosim does not model it. */
export function archSetup(name: string): ArchSetup | undefined {
  return ARCH_SETUPS[name];
}
