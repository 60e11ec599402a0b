// The simulator in the browser: the same modules the command line runs, in a worker so
// a 64 TiB boot does not freeze the page. It keeps the last boots, so scrubbing the
// timeline only redraws.
import {
  boot,
  estimatedOthers,
  getArch,
  getProfile,
  type KernelProfile,
  type KernelState,
  memblockDbgLine,
  parseKconfig,
  type ProfileName,
  profileWithBuild,
  profileWithConfig,
} from '../src/simulator.js';
import { parseBuildJson } from '../src/cli/build-json.js';
import { loadMachineJson } from '../src/machine/json.js';
import { machineRamBytes, type Machine } from '../src/machine/types.js';
import { humanSize } from '../src/util/units.js';
import { bootPicture, vmemmapPicture, type BootPicture, type VmemmapPicture } from '../src/report/picture.js';
import { planOfBoot } from '../src/report/plan.js';
import { kernelWarnings } from '../src/report/boot-view.js';
import { meminfoObject, hugepagesByNode } from '../src/report/proc.js';
import { cmdlineWarnings } from '../src/report/cmdline.js';
import { diffBoots, vmemmapSummary } from '../src/check/diff.js';
import { InputError } from '../src/util/errors.js';
import type { Request, Response, View } from './protocol.js';

const MACHINE_FILE = 'machine.json';
/** The last boots, and what booted them (to boot again up to a step, for the vmemmap as of that step). */
const booted: Record<
  'a' | 'b',
  { s: KernelState; machine: Machine; profile: ProfileName | KernelProfile; vmemmapAt: Map<number, VmemmapPicture> } | null
> = { a: null, b: null };

const BUILD_FIELD = 'build';

/**
 * A profile with the user's pasted build: a build description (JSON, as `hvosim build --json` writes it) or a
 * .config (as `--config` reads it); the profile itself when the field is empty.
 */
function withBuild(name: ProfileName, text: string): ProfileName | KernelProfile {
  if (!text.trim()) return name;
  const p = getProfile(name)!;
  if (text.trimStart().startsWith('{')) return profileWithBuild(p, parseBuildJson(text, BUILD_FIELD, 'the build'), BUILD_FIELD);
  return profileWithConfig(p, parseKconfig(text, BUILD_FIELD));
}

/** What a pasted build gave, in one line (the command line's "build:" line and note). */
function buildNote(p: ProfileName | KernelProfile): string | null {
  if (typeof p === 'string' || !p.build.configFrom) return null;
  const from = p.build.configFrom;
  const facts = (from.facts ?? []).filter((f) => f !== 'config');
  return (
    `build: the options${facts.length ? ` and ${facts.join(', ')}` : ''} from the pasted build; every other build fact is each profile's` +
    (from.notModelled.length ? `. Set but not modelled (the profile's build stands in): ${from.notModelled.join(', ')}` : '')
  );
}

function keep(which: 'a' | 'b', s: KernelState, machine: Machine, profile: ProfileName | KernelProfile): void {
  booted[which] = { s, machine, profile, vmemmapAt: new Map() };
}

/**
 * The vmemmap as it stood after `step`: page tables are not recorded step by step, so the
 * machine is booted again (deterministically, the same inputs) and the picture taken when that
 * step ends. Kept per step, so scrubbing back and forth boots once per step.
 */
function vmemmapAtStep(which: 'a' | 'b', step: number): VmemmapPicture {
  const b = booted[which]!;
  if (step >= b.s.steps.length - 1) return vmemmapPicture(b.s);
  let pic = b.vmemmapAt.get(step);
  if (!pic) {
    boot(b.machine, {
      profile: b.profile,
      others: estimatedOthers,
      afterStep: (s) => {
        if (s.steps.length - 1 === step) pic = vmemmapPicture(s);
      },
    });
    pic ??= vmemmapPicture(b.s);
    b.vmemmapAt.set(step, pic);
  }
  return pic;
}

function pictureAt(which: 'a' | 'b', step: number): BootPicture {
  const b = booted[which]!;
  return { ...bootPicture(b.s, step), vmemmap: vmemmapAtStep(which, step) };
}

function stepCalls(s: KernelState, step: number): string[] {
  const st = s.steps[step];
  if (!st) return [];
  const end = s.steps[step + 1]?.firstCall ?? s.memblock.calls.length;
  const out: string[] = [];
  for (let i = st.firstCall; i < end && out.length < 200; i++) out.push(memblockDbgLine(s.memblock.calls.get(i)));
  if (end - st.firstCall > 200) out.push(`... and ${end - st.firstCall - 200} more calls`);
  return out;
}

/** What the page shows of a finished boot, as of its last step. */
function view(s: KernelState, m: Machine, profile: ProfileName | KernelProfile): View {
  const at = s.steps.length - 1;
  const mi = meminfoObject(s);
  return {
    profile: s.profile.name,
    picture: bootPicture(s, at),
    plan: planOfBoot(s, m, { profile, others: estimatedOthers }),
    memTotalKb: mi.MemTotal ?? 0,
    hugetlbKb: mi.Hugetlb ?? 0,
    memblockCalls: s.memblock.calls.length,
    hugepages: hugepagesByNode(s),
    panic: s.panic,
    hugetlbLog: s.dmesg.filter((l) => l.startsWith('HugeTLB')),
    kernelWarnings: kernelWarnings(s).map((w) => w.text),
    stepCalls: stepCalls(s, at),
    vmemmap: vmemmapSummary(s),
  };
}

/**
 * Why booting this machine here would be very slow, or null. Beyond MAX_PHYSMEM_BITS the kernel
 * uses none of the RAM, yet the boot still walks all of it, and the planner boots again and again:
 * past 64 TiB the time grows with the RAM (a minute and a half for 1 PiB on the command line).
 */
export function slowBootReason(m: Machine): string | null {
  const arch = getArch(m.arch);
  if (!arch) return null; // the boot says it is not modelled
  const ram = machineRamBytes(m);
  const limit = 2 ** arch.maxPhysmemBits;
  if (ram <= limit) return null;
  return (
    `This machine has ${humanSize(ram)} of RAM, more than the ${humanSize(limit)} ${arch.name} addresses ` +
    `(MAX_PHYSMEM_BITS ${arch.maxPhysmemBits}): with it in the memory map the kernel's boot dies in free_area_init(). ` +
    'Boot anyway to see where (Cancel stops it), or make the machine smaller.'
  );
}

function handle(req: Request): Response {
  if (req.kind === 'step') {
    const b = booted[req.which];
    if (!b) return { id: req.id, ok: false, error: { field: 'general', message: 'nothing booted yet' } };
    return {
      id: req.id,
      ok: true,
      kind: 'step',
      which: req.which,
      picture: pictureAt(req.which, req.step),
      stepCalls: stepCalls(b.s, req.step),
    };
  }
  let m: Machine;
  try {
    m = loadMachineJson(req.machineText, MACHINE_FILE);
  } catch (e) {
    if (e instanceof InputError) return { id: req.id, ok: false, error: { field: 'machine', message: e.describe() } };
    throw e;
  }
  m = { ...m, cmdline: req.cmdline };
  let pa: ProfileName | KernelProfile;
  let pb: ProfileName | KernelProfile | null;
  try {
    pa = withBuild(req.profile, req.buildText);
    pb = req.compare ? withBuild(req.compare, req.buildText) : null;
  } catch (e) {
    if (e instanceof InputError) return { id: req.id, ok: false, error: { field: 'build', message: e.describe() } };
    throw e;
  }
  const note = buildNote(pa);
  if (!req.force) {
    const reason = slowBootReason(m);
    if (reason) return { id: req.id, ok: true, kind: 'confirm', reason };
  }
  const machineWarnings = m.warnings;
  const cmdWarnings = cmdlineWarnings(req.cmdline);
  if (pb) {
    const d = diffBoots(m, pa, pb, { others: estimatedOthers });
    keep('a', d.a.state, m, pa);
    keep('b', d.b.state, m, pb);
    return {
      id: req.id,
      ok: true,
      kind: 'boot',
      machineWarnings,
      cmdWarnings,
      buildNote: note,
      a: view(d.a.state, m, pa),
      b: view(d.b.state, m, pb),
      diff: {
        summary: d.summary,
        dmesgOnlyA: d.dmesgOnlyA,
        dmesgOnlyB: d.dmesgOnlyB,
        // Null for a kernel without the counter (6.1: it came in 6.11).
        memmapBootPages: [d.a, d.b].map((x) => (x.state.kernel.memmapCounters ? x.memmapBootPages : null)) as [
          number | null,
          number | null,
        ],
      },
    };
  }
  const s = boot(m, { profile: pa, others: estimatedOthers });
  keep('a', s, m, pa);
  booted.b = null;
  return { id: req.id, ok: true, kind: 'boot', machineWarnings, cmdWarnings, buildNote: note, a: view(s, m, pa) };
}

self.onmessage = (ev: MessageEvent<Request>) => {
  let res: Response;
  try {
    res = handle(ev.data);
  } catch (e) {
    res = { id: ev.data.id, ok: false, error: { field: 'general', message: `internal error: ${(e as Error).message}` } };
  }
  (self as unknown as Worker).postMessage(res);
};
