// A build description (hvosim build --json) read from its text and checked (zod): the --build file
// (build-file.ts, loaded only when --build is given) and the web page's build field.
import { z } from 'zod';
import { type BuildDescription, getProfile } from '../simulator.js';
import { InputError } from '../util/errors.js';

const kb = z.number().int().nonnegative();
const schema = z.strictObject({
  format: z.literal('hvosim-build/1'),
  kernel: z.string(),
  config: z.strictObject({
    ZONE_DMA: z.boolean(),
    ZONE_DMA32: z.boolean(),
    ZONE_DEVICE: z.boolean(),
    CONTIG_ALLOC: z.boolean(),
    MEMORY_HOTREMOVE: z.boolean(),
    HUGETLB_PAGE_OPTIMIZE_VMEMMAP: z.boolean(),
    HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON: z.boolean(),
    // Added after the format's first files: absent, the profile's build says.
    CPUMASK_OFFSTACK: z.boolean().optional(),
    FIRMWARE_MEMMAP: z.boolean().optional(),
    HIBERNATION: z.boolean().optional(),
    CMA: z.boolean().optional(),
    TRANSPARENT_HUGEPAGE: z.boolean().optional(),
    TMPFS: z.boolean().optional(),
  }),
  facts: z.strictObject({
    imageStart: kb,
    imageSize: kb,
    pgdatSize: kb,
    brkSize: kb,
    realModeSize: kb,
    prbDescSize: kb,
    printkInfoSize: kb,
    pcpuUnitPages: kb,
    // Added with LOG_BUF_SHIFT: absent, the profile's build says.
    logBufShift: z.number().int().min(12).max(25).optional(),
    pcpuFirstChunkAllocs: z.array(kb).optional(),
    bootCpumasks: kb.optional(),
    imageFrees: z.array(z.strictObject({ what: z.string(), kb, early: z.boolean().optional() })),
    // Added with the run-time model of the page allocator: absent, the profile's build says.
    runtimeUseKb: z.strictObject({ bootNodeKernel: kb, bootNodeUser: kb, otherNode: kb }).optional(),
    kernelUseAtHugetlbInitKb: kb.optional(),
  }),
  from: z.strictObject({
    config: z.string().nullable(),
    log: z.string().nullable(),
    factsFromLog: z.array(z.string()),
    notModelled: z.array(z.string()),
    // Added with --kernel-image: the image read and the facts it gave.
    image: z.string().nullable().optional(),
    factsFromImage: z.array(z.string()).optional(),
    // Added with the facts a configuration moves (buildFromConfig()).
    factsFromConfig: z.array(z.string()).optional(),
  }),
});

/**
 * A build description from its text (`name`: the file or field it came from, in the error): one error line naming
 * the field when it is not one. `field`: what to name when the text is no JSON at all.
 */
export function parseBuildJson(text: string, name: string, field = '--build'): BuildDescription {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON: ${(e as Error).message}`, { file: name, field });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`not a build description (hvosim build --json): ${issue.message}`, {
      file: name,
      field: issue.path.join('.') || field,
    });
  }
  const p = getProfile(r.data.kernel);
  if (!p) throw new InputError(`unknown kernel profile "${r.data.kernel}"`, { file: name, field: 'kernel' });
  const { config, facts } = r.data;
  return {
    ...r.data,
    // The options a file of an older format leaves out are the profile's build's (the schema's are KernelConfig's).
    config: { ...p.build.config, ...config },
    facts: {
      ...facts,
      pcpuFirstChunkAllocs: facts.pcpuFirstChunkAllocs ?? p.build.pcpuFirstChunkAllocs,
      bootCpumasks: facts.bootCpumasks ?? p.build.bootCpumasks,
      logBufShift: facts.logBufShift ?? p.build.logBufShift,
      runtimeUseKb: facts.runtimeUseKb ?? p.build.runtimeUseKb,
      kernelUseAtHugetlbInitKb: facts.kernelUseAtHugetlbInitKb ?? p.build.kernelUseAtHugetlbInitKb,
    },
  };
}
