// hvosim diff: one machine, two kernel profiles, side by side.
import type { Command } from 'commander';
import { DEFAULT_PROFILE, type KernelProfile, REFERENCE_PROFILE } from '../simulator.js';
import { diedLine, diffBoots, verdictLine, hugepageSizeLabel, hugepagesDiffering, VMEMMAP_LABELS } from '../check/diff.js';
import { parseFaults } from '../check/faults.js';
import { othersOfLog } from '../trace/foreign.js';
import { cmdlineWarnings } from '../report/cmdline.js';
import { InputError } from '../util/errors.js';
import { parseKernel } from './boot.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { firstOf, paint, printJson, table } from './output.js';
import { addBuildOptions, type BuildOptions, buildOrigin, profilesWithOwnBuild } from './build-options.js';
import { kernelWarnings } from '../report/boot-view.js';

/** Most dmesg lines of each side that diff --json quotes. */
const DIFF_DMESG_LINES = 100;

type DiffCliOptions = MachineOptions & BuildOptions & { kernel?: string[]; fault?: string[]; json?: boolean; dmesg?: boolean };

/** A user's build in one line: the files it came from and the facts they gave. */
function ownBuildLine(p: KernelProfile): string | null {
  const b = p.build;
  const parts = [
    b.configFrom
      ? `options${b.configFrom.facts?.length ? ` and ${b.configFrom.facts.filter((f) => f !== 'config').join(', ')}` : ''} from ${b.configFrom.file}`
      : null,
    b.imageFrom ? `${b.imageFrom.facts.join(', ')} from the image ${b.imageFrom.file}` : null,
  ].filter((x): x is string => x !== null);
  return parts.length ? `${parts.join('; ')}; every other build fact is each profile's` : null;
}

/** The two kernels without --kernel: the default profile's base (the generation its series applies to), then it. */
const DEFAULT_KERNELS = [DEFAULT_PROFILE.base ?? REFERENCE_PROFILE.name, DEFAULT_PROFILE.name];

export function registerDiff(program: Command): void {
  const cmd = program.command('diff').description('boot one machine with two kernel profiles and show what differs');
  addBuildOptions(machineOptions(cmd, (f, d) => program.createOption(f, d)))
    .option(
      '--kernel <profile>',
      `a kernel profile or kernel version (7.2); give it twice (default: ${DEFAULT_KERNELS.join(' and ')})`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--fault <spec>',
      'inject the same memblock allocation failure into both boots (nth=N, caller=FUNCTION, node=N; repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--dmesg', 'also list every dmesg line only one boot printed')
    .option('--json', 'print the comparison as JSON')
    .option('--kernel-image <path>', 'your kernel (a bzImage): its build facts (place, size, pg_data_t, per-cpu, IKCONFIG) on both sides')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim diff                                           6.15 against hvo-v7 on the default machine
  $ hvosim diff --kernel 6.15 --kernel hvo-v7 --cmdline "hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M"
  $ hvosim diff --kernel 6.1 --kernel hvo-v7 --machine-preset 2s-server --json

Exit status: 0 both boot, 1 one of them died or may run out of memory (the first line says), 2 bad input.`,
    )
    .action(async (o: DiffCliOptions) => {
      const kernels = o.kernel ?? DEFAULT_KERNELS;
      if (kernels.length !== 2) throw new InputError(`give --kernel exactly twice (got ${kernels.length})`, { field: '--kernel' });
      const [ka, kb] = kernels.map((k) => parseKernel(k));
      // A build of the user's (--build, --config, --kernel-image) is booted on both sides, each side's code its profile's.
      const [pa, pb] = await profilesWithOwnBuild([ka!.profile, kb!.profile], o);
      const faults = parseFaults(o.fault ?? []);
      const { machine, log } = await loadMachineAndLog(o);
      const d = diffBoots(machine, pa!, pb!, { others: othersOfLog(log, o.cmdline), faults });
      // What the machine's reader and the command line's words leave out or doubt, as `hvosim boot` says it.
      const warnings = [...machine.warnings, ...cmdlineWarnings(machine.cmdline)];
      // Each side's verdict as `hvosim boot` gives it (bootDeath()), first: a panic or a predicted out-of-memory.
      const label = (k: typeof ka) => (k!.asked === k!.profile ? k!.profile : `${k!.asked} (profile ${k!.profile})`);
      const verdict = verdictLine(d.a, d.b, [label(ka), label(kb)]);
      const died = [d.a, d.b].map(diedLine).filter((l): l is string => l !== null);
      // A boot that died, or may run out of memory, is a finding: exit 1, whatever the format.
      if (died.length) process.exitCode = 1;
      if (o.json) {
        const side = (r: typeof d.a, kernel: typeof ka) => ({
          profile: r.profile,
          kernel,
          verdict: r.verdict,
          died: r.died,
          death: r.death,
          memTotalKb: r.memTotalKb,
          // Null for a kernel without the counters (6.1), as the text leaves them out.
          nr_memmap_boot_pages: r.state.kernel.memmapCounters ? r.memmapBootPages : null,
          nr_memmap_pages: r.state.kernel.memmapCounters ? r.memmapPages : null,
          vmemmap: r.vmemmap,
          hvo: r.state.hvo,
          hugepages: r.hugepages,
          memblockByCaller: r.callsByCaller,
          hugetlbLog: r.hugetlbLog,
          kernelWarnings: firstOf(kernelWarnings(r.state), DIFF_DMESG_LINES),
        });
        // The dmesg lines only one side printed grow with the machine (every memblock call with memblock=debug):
        // the first few, and how many (--dmesg lists them all as text).
        return printJson({
          verdict,
          machine: { name: machine.name, cmdline: machine.cmdline },
          build: typeof pa === 'string' ? null : buildOrigin(pa!),
          warnings,
          died,
          a: side(d.a, ka),
          b: side(d.b, kb),
          dmesgOnlyA: firstOf(d.dmesgOnlyA, DIFF_DMESG_LINES),
          dmesgOnlyB: firstOf(d.dmesgOnlyB, DIFF_DMESG_LINES),
          summary: d.summary,
        });
      }
      const A = d.a.profile;
      const B = d.b.profile;
      const out: string[] = [];
      // Said first, before any table: one side's figures may be of a boot that never finished.
      out.push(died.length ? paint('1;31', `verdict: ${verdict}`) : `verdict: ${verdict}`);
      for (const l of died) out.push(paint('1;31', l));
      if (died.length) out.push('');
      out.push(`hvosim diff: ${machine.name} (${machine.source}), ${A} against ${B}`);
      for (const n of new Set([ka!.note, kb!.note])) if (n) out.push(paint('33', `note: ${n}.`));
      const own = typeof pa === 'string' ? null : ownBuildLine(pa!);
      if (own) out.push(`build (both sides): ${own}`);
      out.push(`command line: ${machine.cmdline || '(empty)'}`);
      for (const w of warnings) out.push(paint('33', `warning: ${w}`));
      out.push('');
      out.push('What differs:', ...d.summary.map((l) => `  ${l}`), '');
      const change = (x: number, y: number) => (x === y ? '' : `${y - x > 0 ? '+' : ''}${y - x}`);
      const num = (x: number, y: number) => [String(x), String(y), change(x, y)];
      out.push(
        'Vmemmap page tables:',
        table([['', A, B, 'change'], ...VMEMMAP_LABELS.map(([k, label]) => [label, ...num(d.a.vmemmap[k], d.b.vmemmap[k])])]),
        '',
      );
      // nr_memmap_boot_pages and nr_memmap_pages are in /proc/vmstat from 6.11 on: 6.1 has no such counters.
      const lacksCounters = !d.a.state.kernel.memmapCounters || !d.b.state.kernel.memmapCounters;
      const acct = [
        ['MemTotal (kB)', ...num(d.a.memTotalKb, d.b.memTotalKb)],
        ...(lacksCounters
          ? []
          : [
              ['nr_memmap_boot_pages', ...num(d.a.memmapBootPages, d.b.memmapBootPages)],
              ['nr_memmap_pages', ...num(d.a.memmapPages, d.b.memmapPages)],
            ]),
        ['memblock calls of every kind', ...num(d.a.state.memblock.calls.length, d.b.state.memblock.calls.length)],
      ];
      out.push('Accounting:', table([['', A, B, 'change'], ...acct]), '');
      const hp = hugepagesDiffering(d.a, d.b);
      if (hp.length)
        out.push(
          'Huge pages per node and size that differ:',
          table([['node', 'size', A, B, 'change'], ...hp.map(([n, z, x, y]) => [n, hugepageSizeLabel(z), ...num(x, y)])]),
          '',
        );
      const keys = [...new Set([...Object.keys(d.a.callsByCaller), ...Object.keys(d.b.callsByCaller)])].sort();
      const rows = keys
        .map((k) => {
          const x = d.a.callsByCaller[k] ?? { calls: 0, bytes: 0 };
          const y = d.b.callsByCaller[k] ?? { calls: 0, bytes: 0 };
          return { k, x, y };
        })
        .filter(({ x, y }) => x.calls !== y.calls || x.bytes !== y.bytes);
      if (rows.length)
        out.push(
          'memblock allocations and frees that differ (function and caller: calls, net bytes):',
          table([['call', A, B], ...rows.map(({ k, x, y }) => [k, `${x.calls}, ${x.bytes}`, `${y.calls}, ${y.bytes}`])]),
          '',
        );
      const hlog = (r: typeof d.a) => (r.hugetlbLog.length ? r.hugetlbLog.map((l) => `  ${l}`) : ['  (none)']);
      out.push(`HugeTLB log (${A}):`, ...hlog(d.a), `HugeTLB log (${B}):`, ...hlog(d.b));
      // The kernel's warnings of each side (pr_warn and worse), when either printed any.
      const warned = [d.a, d.b].map((r) => kernelWarnings(r.state));
      if (warned.some((w) => w.length))
        for (const [i, r] of [d.a, d.b].entries())
          out.push(
            `Kernel warnings (${r.profile}):`,
            ...(warned[i]!.length ? warned[i]!.map((w) => `  ${w.level.padEnd(5)}  ${w.text}`) : ['  (none)']),
          );
      const lines = (n: number) => `${n} line${n === 1 ? '' : 's'}`;
      out.push(
        '',
        `dmesg: ${lines(d.dmesgOnlyA.length)} only ${A} printed, ${lines(d.dmesgOnlyB.length)} only ${B}${o.dmesg ? '' : ' (--dmesg lists them)'}.`,
      );
      if (o.dmesg)
        out.push(
          '',
          `dmesg lines only ${A} printed:`,
          ...d.dmesgOnlyA.map((l) => `- ${l}`),
          `dmesg lines only ${B} printed:`,
          ...d.dmesgOnlyB.map((l) => `+ ${l}`),
        );
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
