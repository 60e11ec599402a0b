// Machine description files (JSON), validated with zod. Two ways to give the memory:
//   { "q35": { "nodes": ["3G", "3G"] } }          QEMU's q35 layout, one size per node
//   { "e820": [...], "nodes": [{ "id": 0, "ranges": [...] }] }   an explicit firmware map
// Sizes and addresses are numbers or strings ("4G", "1500M", "0x100000000").
import { findNodeAtLocation, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { parseSize, SIZE_EXAMPLES } from '../util/units.js';
import type { E820Type } from './e820.js';
import { q35Machine } from './qemu.js';
import type { Machine } from './types.js';
import { validateMachine } from './validate.js';

const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseSize(v);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: `expected a size or address like ${SIZE_EXAMPLES}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const e820Type = z.enum(['usable', 'reserved', 'ACPI data', 'ACPI NVS', 'unusable', 'persistent', 'soft reserved', 'reserved kern']);

const range = z.strictObject({ start: size, size: size, hotplug: z.boolean().optional() });

export const machineSchema = z
  .strictObject({
    name: z.string().optional(),
    arch: z.literal('x86_64').optional(),
    cpu: z
      .strictObject({ features: z.array(z.string()), vendor: z.enum(['AMD', 'Intel', 'Hygon', 'Zhaoxin', 'other']).optional() })
      .optional(),
    cmdline: z.string().optional(),
    q35: z.strictObject({ nodes: z.array(size).min(1), numa: z.boolean().optional() }).optional(),
    e820: z
      .array(z.strictObject({ start: size, size: size, type: e820Type }))
      .min(1)
      .optional(),
    nodes: z.array(z.strictObject({ id: z.number().int().min(0).max(1023), ranges: z.array(range) })).optional(),
    // What a real boot's log tells of the boot loader and the firmware's ACPI tables (a --from-dmesg machine):
    // machine --json writes them so that the file boots as the log's machine does.
    loader: z
      .strictObject({
        kernelImage: z.strictObject({ start: size, size: size }).optional(),
        initrd: z.strictObject({ start: size, size: size }).optional(),
      })
      .optional(),
    acpiTables: z.array(z.strictObject({ signature: z.string(), start: size, size: size })).optional(),
  })
  .superRefine((m, ctx) => {
    if (!m.q35 && !m.e820)
      ctx.addIssue({ code: 'custom', message: 'give the memory either as "q35" or as "e820" (and "nodes")', path: [] });
    if (m.q35 && (m.e820 || m.nodes))
      ctx.addIssue({ code: 'custom', message: '"q35" lays out memory itself: do not also give "e820" or "nodes"', path: ['q35'] });
  });

export type MachineJson = z.input<typeof machineSchema>;

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parse and validate a machine file; every problem is an InputError naming file, line and field. */
export function loadMachineJson(text: string, file: string): Machine {
  // A UTF-8 byte order mark (some editors write one) is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length || !tree) {
    const e = errors[0];
    throw new InputError(e ? `invalid JSON: ${printParseErrorCode(e.error)}` : 'empty file', {
      file,
      line: e ? lineOf(text, e.offset) : 1,
    });
  }
  const raw: unknown = JSON.parse(text);
  const parsed = machineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    // Point at the deepest node of the path that exists in the file.
    let node: ReturnType<typeof findNodeAtLocation>;
    for (let n = path.length; n >= 0 && !node; n--) node = findNodeAtLocation(tree, path.slice(0, n));
    const field = path.length ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + p)).join('') : undefined;
    throw new InputError(issue.message, { file, line: node ? lineOf(text, node.offset) : undefined, field });
  }
  try {
    return machineOfFile(parsed.data, file);
  } catch (e) {
    // A check past the schema names its field ("q35.nodes[1]", "nodes[0]"): point at its line too.
    if (!(e instanceof InputError) || e.where?.line !== undefined || !e.where?.field) throw e;
    const path = [...e.where.field.matchAll(/[^.[\]]+/g)].map(([p]) => (/^\d+$/.test(p) ? Number(p) : p));
    let node: ReturnType<typeof findNodeAtLocation>;
    for (let n = path.length; n > 0 && !node; n--) node = findNodeAtLocation(tree, path.slice(0, n));
    throw node ? new InputError(e.message, { ...e.where, file, line: lineOf(text, node.offset) }) : e;
  }
}

function machineOfFile(m: z.output<typeof machineSchema>, file: string): Machine {
  const cmdline = m.cmdline ?? '';
  const features = m.cpu?.features ?? ['pdpe1gb'];
  let machine: Machine;
  if (m.q35) {
    machine = q35Machine(
      {
        nodeSizes: m.q35.nodes,
        numa: m.q35.numa ?? true,
        cpuFeatures: features,
        cpuVendor: m.cpu?.vendor,
        cmdline,
        where: { file, total: 'q35.nodes', node: (i) => `q35.nodes[${i}]` },
      },
      file,
    );
  } else {
    machine = {
      name: file,
      arch: 'x86_64',
      e820: m.e820!.map((e) => ({ start: e.start, end: e.start + e.size, type: e.type as E820Type })),
      nodes: (m.nodes ?? []).map((n) => ({
        id: n.id,
        ranges: n.ranges.map((r) => ({ start: r.start, end: r.start + r.size, ...(r.hotplug ? { hotplug: true } : {}) })),
      })),
      cpu: { features, ...(m.cpu?.vendor ? { vendor: m.cpu.vendor } : {}) },
      cmdline,
      source: file,
      warnings: [],
    };
  }
  if (m.name) machine.name = m.name;
  if (m.loader) machine.loader = m.loader;
  if (m.acpiTables) machine.acpiTables = m.acpiTables;
  return validateMachine(machine, file);
}

const hexOf = (n: number) => `0x${n.toString(16)}`;

/**
 * A machine as a machine file (`hvosim machine --json`): its firmware map and nodes written out (start and
 * size, as the file takes them), its CPU, command line, and what a log told of the loader and ACPI tables.
 * loadMachineJson() reads it back to the same machine; where it came from and its warnings are not part of it.
 */
export function machineFile(m: Machine): MachineJson {
  const span = (r: { start: number; end: number }) => ({ start: hexOf(r.start), size: hexOf(r.end - r.start) });
  return {
    name: m.name,
    cpu: { features: [...m.cpu.features], ...(m.cpu.vendor ? { vendor: m.cpu.vendor } : {}) },
    cmdline: m.cmdline,
    e820: m.e820.map((e) => ({ ...span(e), type: e.type })),
    nodes: m.nodes.map((n) => ({ id: n.id, ranges: n.ranges.map((r) => ({ ...span(r), ...(r.hotplug ? { hotplug: true } : {}) })) })),
    ...(m.loader
      ? {
          loader: {
            ...(m.loader.kernelImage
              ? { kernelImage: { start: hexOf(m.loader.kernelImage.start), size: hexOf(m.loader.kernelImage.size) } }
              : {}),
            ...(m.loader.initrd ? { initrd: { start: hexOf(m.loader.initrd.start), size: hexOf(m.loader.initrd.size) } } : {}),
          },
        }
      : {}),
    ...(m.acpiTables
      ? { acpiTables: m.acpiTables.map((t) => ({ signature: t.signature, start: hexOf(t.start), size: hexOf(t.size) })) }
      : {}),
  };
}
