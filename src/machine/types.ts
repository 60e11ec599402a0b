// A machine: what the firmware tells the kernel about memory, plus the CPU and the command line.
import type { E820Entry } from './e820.js';
import type { CpuVendor } from './qemu-cpu.js';

export interface NodeRange {
  start: number;
  /** Exclusive end. */
  end: number;
  hotplug?: boolean;
}

export interface MachineNode {
  id: number;
  /** Memory affinity ranges (ACPI SRAT), in firmware order. */
  ranges: NodeRange[];
}

export interface Machine {
  name: string;
  arch: string;
  /** The firmware memory map, as the BIOS-e820 lines print it. */
  e820: E820Entry[];
  /** NUMA nodes; empty means no SRAT (the kernel fakes one node). */
  nodes: MachineNode[];
  /** CPU flags the kernel checks (pdpe1gb), and the vendor where the memory layout depends on it (QEMU's AMD HyperTransport hole). */
  cpu: { features: string[]; vendor?: CpuVendor };
  /** Kernel command line. */
  cmdline: string;
  /** Where the description came from (file name, "qemu", "preset laptop"). */
  source: string;
  /**
   * What the boot loader decided, when known (from a real boot's log): where
   * the kernel image sits (KASLR moves it) and where the initrd was loaded.
   */
  loader?: { kernelImage?: { start: number; size: number }; initrd?: { start: number; size: number } };
  /** ACPI tables the firmware placed, in the order the kernel reserves them (acpi_reserve_initial_tables). */
  acpiTables?: { signature: string; start: number; size: number }[];
  /** Things accepted with a warning (a memoryless node, ...). */
  warnings: string[];
}

/** Total usable RAM in the e820 map. */
export function machineRamBytes(m: Machine): number {
  return m.e820.filter((e) => e.type === 'usable').reduce((s, e) => s + (e.end - e.start), 0);
}
