// The firmware memory map (e820) as the kernel prints it at boot.
import { parseHex } from '../util/format.js';

export type E820Type = 'usable' | 'reserved' | 'ACPI data' | 'ACPI NVS' | 'unusable' | 'persistent' | 'soft reserved' | 'reserved kern';

export interface E820Entry {
  start: number;
  /** Exclusive end. */
  end: number;
  type: E820Type;
}

// From 7.0 (the e820 cleanup series) the table says "System RAM" and "device reserved", pads the type
// with one more space, and prints the holes between entries as "BIOS-e820: [gap a-b]" lines.
const RE_E820 = /^BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] +(.+)$/;
const TYPES: Record<string, E820Type> = {
  usable: 'usable',
  'System RAM': 'usable',
  reserved: 'reserved',
  'device reserved': 'reserved',
  'ACPI data': 'ACPI data',
  'ACPI NVS': 'ACPI NVS',
  unusable: 'unusable',
  'persistent (type 7)': 'persistent',
  'persistent RAM (type 7)': 'persistent',
  'persistent RAM (type 12)': 'persistent',
  persistent: 'persistent',
  'soft reserved': 'soft reserved',
  'reserved kern': 'reserved kern',
};

/** One "BIOS-e820: [mem a-b] type" line (either generation's wording), or null ("[gap a-b]" lines too). Unknown types ("type 12") count as reserved. */
export function parseE820Line(text: string): E820Entry | null {
  const m = RE_E820.exec(text);
  if (!m) return null;
  const type = TYPES[m[3]!.trim()] ?? 'reserved';
  return { start: parseHex(m[1]!), end: parseHex(m[2]!) + 1, type };
}

/** e820__print_table() line for one entry. */
export function formatE820Line(e: E820Entry): string {
  const pa = (x: number) => `0x${BigInt(x).toString(16).padStart(16, '0')}`;
  return `BIOS-e820: [mem ${pa(e.start)}-${pa(e.end - 1)}] ${e.type}`;
}
