// hvosim host: plan the next boot of the machine you are on (or of the one a snapshot was collected on): the
// collector (src/trace/host-collector.ts) reads the host, the snapshot reader builds the machine and the kernel,
// and the boot answers for a command line, saying what it could not read and what that costs.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import {
  boot,
  getProfile,
  type KernelProfile,
  type KernelState,
  type BootOptions,
  parseKconfig,
  profileWithConfig,
  type ProfileName,
} from '../simulator.js';
import { InputError } from '../util/errors.js';
import { HOST_COLLECTOR } from '../trace/host-collector.js';
import { type HostSnapshot, machineFromSnapshot, parseHostSnapshot } from '../trace/host-snapshot.js';
import { othersOfLog } from '../trace/foreign.js';
import type { Machine } from '../machine/types.js';
import { DEFAULT_MARGIN, parseMargin, planOfBoot, type Margin } from '../report/plan.js';
import { cmdlineWarnings } from '../report/cmdline.js';
import { bootJson } from './boot-json.js';
import { type KernelJson, parseKernel, summary } from './boot.js';
import { inputName, readInputFile } from './input.js';
import { printJson } from './output.js';
import { SIZE_EXAMPLES } from '../util/units.js';

/** The host's plan: the machine, the kernel, and what was and was not known. */
export interface HostPlan {
  snapshot: HostSnapshot;
  machine: Machine;
  kernel: KernelJson;
  profile: ProfileName | KernelProfile;
  read: string[];
  unknown: string[];
  state: KernelState;
  others: BootOptions['others'];
}

/** The snapshot of this host: the collector run with sh (the same script a machine without Node runs). */
export function collectHost(): string {
  const r = spawnSync('sh', ['-s'], { input: HOST_COLLECTOR, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.error || r.status !== 0)
    throw new InputError(
      `the collector did not run (sh -s): ${r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? `status ${r.status}`}`,
    );
  return r.stdout;
}

/** The kernel a snapshot boots: --kernel when given, else the host's own release; the host's configuration with its own. */
export function hostKernel(
  snap: HostSnapshot,
  asked: string | undefined,
): { kernel: KernelJson; profile: ProfileName | KernelProfile; notes: string[] } {
  const notes: string[] = [];
  let kernel: KernelJson;
  if (asked !== undefined) kernel = { ...parseKernel(asked), from: '--kernel' };
  else if (snap.release) {
    try {
      kernel = { ...parseKernel(snap.release), from: 'log' };
    } catch {
      kernel = { ...parseKernel('hvo-v7'), from: 'default', approximate: true };
      notes.push(`the host's kernel ${snap.release} is no release hvosim knows: profile ${kernel.profile} stands for it`);
    }
  } else {
    kernel = { ...parseKernel('hvo-v7'), from: 'default', approximate: true };
    notes.push("the host's kernel release was not read: the default profile stands for it");
  }
  const p = getProfile(kernel.profile)!;
  const own =
    snap.release && p.validatedOn && snap.release.startsWith(p.validatedOn.version) && p.validatedOn.package.includes(snap.release);
  if (p.validatedOn && !own && asked === undefined)
    notes.push(
      `profile ${p.name} is held to Debian's ${p.validatedOn.package}; ${snap.release} is another build of its code: build facts approximate`,
    );
  if (!p.validatedOn) notes.push(`profile ${p.name} is not held to a real kernel: its numbers are a guess`);
  let profile: ProfileName | KernelProfile = kernel.profile;
  if (snap.config && asked === undefined) profile = profileWithConfig(p, parseKconfig(snap.config, `${snap.file} (its CONFIG)`));
  else if (snap.config) notes.push(`the host's configuration is of ${snap.release}, not applied to --kernel ${asked}`);
  else notes.push(`no kernel configuration read: profile ${p.name}'s build options stand in`);
  return { kernel, profile, notes };
}

/** Plan the next boot of a snapshot's host for a command line (its own memory words when none is given). */
export function planHost(text: string, file: string, o: { kernel?: string; cmdline?: string } = {}): HostPlan {
  const snapshot = parseHostSnapshot(text, file);
  const { machine: m0, read, unknown } = machineFromSnapshot(snapshot);
  // The collector's notes: what it could not read is not known; the rest says where a part came from.
  for (const n of snapshot.notes)
    (/unreadable|absent|neither|not root|wrapped|cut short|zeros/.test(n) ? unknown : read).push(`collector: ${n}`);
  const k = hostKernel(snapshot, o.kernel);
  unknown.push(...k.notes);
  const machine = o.cmdline === undefined ? m0 : { ...m0, cmdline: o.cmdline };
  const log = snapshot.log;
  const others = othersOfLog(log, o.cmdline);
  const state = boot(machine, { profile: k.profile, others });
  return { snapshot, machine, kernel: k.kernel, profile: k.profile, read, unknown, state, others };
}

export function registerHost(program: Command): void {
  program
    .command('host')
    .description('plan the next boot of this machine (or of a snapshot of another): pages per node, MemTotal, the largest safe ask')
    .option('--from <snapshot>', 'a snapshot the collector wrote (hvosim host --collector > collect.sh; sh collect.sh snap.txt)')
    .option('--collector', 'print the POSIX shell collector and exit (for machines without Node)')
    .option('--snapshot <file>', 'write the snapshot of this host to FILE (- for stdout) and exit')
    .option('--kernel <name|version>', "the next boot's kernel (default: the running one's release)")
    .option('--cmdline <string>', "the next boot's command line (default: the memory words of the running one)")
    .option('--plan-margin <size|N%>', 'memory the recommendation leaves free after boot (default 2% of MemTotal, 256 MiB to 16 GiB)')
    .option('--json', 'print the answers as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim host --cmdline "hugepagesz=1G hugepages=8"          this machine, its next boot
  $ hvosim host --collector > collect.sh                         then on the other machine: sh collect.sh snap.txt
  $ hvosim host --from snap.txt --kernel 7.3 --cmdline "hugepagesz=1G hugepages=4"

Run as root for the exact map (the kernel log's e820 and SRAT lines); without root the nodes are known
to a memory block. The snapshot holds the memory layout and configuration only.`,
    )
    .action(
      async (o: {
        from?: string;
        collector?: boolean;
        snapshot?: string;
        kernel?: string;
        cmdline?: string;
        planMargin?: string;
        json?: boolean;
      }) => {
        if (o.collector) return void process.stdout.write(HOST_COLLECTOR);
        const margin: Margin | null = o.planMargin === undefined ? DEFAULT_MARGIN : parseMargin(o.planMargin);
        if (!margin)
          throw new InputError(`"${o.planMargin}" is not a size (${SIZE_EXAMPLES}) or a share of MemTotal (2%)`, {
            field: '--plan-margin',
          });
        const text = o.from !== undefined ? readInputFile(o.from) : collectHost();
        if (o.snapshot !== undefined) {
          if (o.from !== undefined)
            throw new InputError("--snapshot writes this host's snapshot: leave out --from", { field: '--snapshot' });
          if (o.snapshot === '-') return void process.stdout.write(text);
          (await import('node:fs')).writeFileSync(o.snapshot, text);
          return;
        }
        const file = o.from !== undefined ? inputName(o.from) : 'this host';
        const h = planHost(text, file, { kernel: o.kernel, cmdline: o.cmdline });
        const s = h.state;
        const warnings = [...h.machine.warnings, ...cmdlineWarnings(h.machine.cmdline)];
        const plan = planOfBoot(s, h.machine, { profile: h.profile, others: h.others }, margin);
        const who = h.snapshot.root ? 'root' : 'an unprivileged user';
        if (o.json)
          return printJson({
            ...bootJson(s, warnings, plan),
            format: 'hvosim-host/1',
            snapshot: { file, root: h.snapshot.root, release: h.snapshot.release ?? null },
            read: h.read,
            unknown: h.unknown,
            kernel: h.kernel,
          });
        const head = [
          `hvosim host: ${file}, collected as ${who}${h.snapshot.release ? `, running Linux ${h.snapshot.release}` : ''}`,
          ...h.read.map((r) => `read: ${r}`),
          ...h.unknown.map((u) => `not known: ${u}`),
          '',
        ];
        process.stdout.write(`${head.join('\n')}\n${summary(s, warnings, plan, h.kernel)}`);
      },
    );
}
