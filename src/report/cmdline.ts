// What hvosim makes of a kernel command line beyond what the modelled kernel prints:
// the words it does not read, and the ones that look like a misspelt memory parameter
// (the kernel would pass "hugepage=4" to init without a word, and the pool stays empty).

import { bootCommandLine, COMMAND_LINE_SIZE, keptCommandLine, parseArgs } from '../simulator.js';

/** Parameters some modelled step reads. */
export const MODELLED_PARAMS = [
  'hugepages',
  'hugepagesz',
  'default_hugepagesz',
  'hugetlb_free_vmemmap',
  'hugetlb_cma',
  'hugetlb_cma_only',
  'kernelcore',
  'movablecore',
  'movable_node',
  'numa',
  'log_buf_len',
  'memblock',
  'nokaslr',
  'mminit_loglevel',
  'swiotlb',
];

/**
 * Parameters the kernel's boot-time memory setup reads that no modelled step reads: each changes what a boot gets
 * (the memory map, memblock's reservations, the nodes), so a line with one is answered for the boot without it, and
 * says so. (`numa=` is modelled for `off` only.)
 */
const NOT_MODELLED_PARAMS: Record<string, string> = {
  mem: 'it limits the memory the kernel uses to that size',
  memmap: 'it adds, reserves or removes ranges of the firmware memory map',
  crashkernel: 'it reserves memory for a kdump kernel out of memblock',
  cma: 'it reserves a contiguous memory area out of memblock',
};

/** What a numa= value other than off does, or null when hvosim models it (or the kernel ignores it). */
function numaNotModelled(val: string | null): string | null {
  if (val === null || val.startsWith('off')) return null;
  if (val.startsWith('fake=')) return 'it splits memory into emulated NUMA nodes';
  if (val.startsWith('noacpi')) return 'it ignores the ACPI SRAT, leaving one node';
  return null;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

export interface CmdlineNotes {
  /** Words no modelled step reads (they cannot change the modelled memory setup). */
  ignored: string[];
  /** Words one or two letters away from a modelled parameter. */
  suspicious: { word: string; meant: string }[];
  /** Words the kernel's memory setup reads that hvosim does not model, with what they do. */
  notModelled: { word: string; what: string }[];
}

export function cmdlineNotes(cmdline: string): CmdlineNotes {
  const out: CmdlineNotes = { ignored: [], suspicious: [], notModelled: [] };
  // The words as the kernel splits them (quotes, and nothing after "--").
  for (const { param, val } of parseArgs(cmdline)) {
    const w = val === null ? param : `${param}=${val}`;
    const name = param.replace(/-/g, '_');
    const what =
      name === 'numa'
        ? numaNotModelled(val)
        : MODELLED_PARAMS.includes(name)
          ? null
          : Object.hasOwn(NOT_MODELLED_PARAMS, name)
            ? NOT_MODELLED_PARAMS[name]!
            : null;
    if (what) {
      out.notModelled.push({ word: w, what });
      continue;
    }
    if (MODELLED_PARAMS.includes(name) || name.includes('.')) continue;
    let near: string | undefined;
    let best = 3;
    for (const p of MODELLED_PARAMS) {
      const d = p.length > 3 ? distance(name, p) : 99;
      if (d < best) [near, best] = [p, d];
    }
    if (near) out.suspicious.push({ word: w, meant: near });
    else out.ignored.push(w);
  }
  return out;
}

/** The notes as warning lines (empty when there is nothing to say). */
export function cmdlineWarnings(cmdline: string): string[] {
  const n = cmdlineNotes(cmdline);
  const out = [
    ...n.notModelled.map(
      (x) => `"${x.word}": the kernel reads it at boot (${x.what}); hvosim does not model it: these answers are for the boot without it`,
    ),
    ...n.suspicious.map((x) => `"${x.word}": not a parameter the kernel's memory setup reads; did you mean ${x.meant}=?`),
  ];
  const bytes = new TextEncoder().encode(cmdline).length;
  if (bootCommandLine(cmdline).truncated) {
    out.unshift(
      `the command line is ${bytes} bytes, more than the ${COMMAND_LINE_SIZE - 1} the kernel takes (COMMAND_LINE_SIZE ${COMMAND_LINE_SIZE}): ` +
        `its copy has no end, and the boot stops in start_kernel() ` +
        `(a fortify panic in setup_command_line(), as the real 6.1 kernel does)`,
    );
  }
  const quotes = (keptCommandLine(cmdline).match(/"/g) ?? []).length;
  if (quotes % 2) {
    const last = parseArgs(cmdline).at(-1);
    if (last)
      out.push(
        `an unclosed double quote: the kernel reads the rest of the line as one word ` +
          `("${last.val === null ? last.param : `${last.param}=${last.val}`}"), so no parameter in it is seen`,
      );
  }
  return out;
}
