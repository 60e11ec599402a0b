// hvosim diff: one machine, two kernel profiles, side by side.
import type { Command } from 'commander';
import { diffBoots, type VmemmapSummary } from '../check/diff.js';
import { parseFaults } from '../check/faults.js';
import { estimatedOthers } from '../kernel/others.js';
import { replayedOthers } from '../trace/foreign.js';
import { InputError } from '../util/errors.js';
import { parseProfile } from './boot.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { firstOf, printJson, table } from './output.js';

/** Most dmesg lines of each side that diff --json quotes. */
const DIFF_DMESG_LINES = 100;

type DiffCliOptions = MachineOptions & { kernel: string[]; fault: string[]; json?: boolean; dmesg?: boolean };

const VMEMMAP_ROWS: [keyof VmemmapSummary, string][] = [
  ['pudTables', 'PUD tables'],
  ['pmdTables', 'PMD tables'],
  ['pmdLeaves', 'PMD leaves (2 MiB of vmemmap each)'],
  ['pteTables', 'PTE tables'],
  ['ptePages', 'PTEs mapping a page of their own'],
  ['sharedPtes', 'PTEs mapping a shared page'],
  ['readOnlyPtes', 'read-only PTEs'],
  ['headPages', 'mirrored head pages (fake heads, copies)'],
  ['tailPages', 'shared tail pages (per zone and order)'],
];

export function registerDiff(program: Command): void {
  const cmd = program.command('diff').description('boot one machine with two kernel profiles and show what differs');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--kernel <profile>', 'a kernel profile; give it twice (default: 6.15 and hvo-v7)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--fault <spec>', 'inject the same memblock allocation failure into both boots (nth=N, caller=FUNCTION, node=N)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--dmesg', 'also list every dmesg line only one boot printed')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim diff                                           6.15 against hvo-v7 on the default machine
  $ hvosim diff --kernel 6.15 --kernel hvo-v7 --cmdline "hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M"
  $ hvosim diff --kernel 6.1 --kernel hvo-v7 --machine-preset 2s-server --json`,
    )
    .action(async (o: DiffCliOptions) => {
      const kernels = o.kernel.length ? o.kernel : ['6.15', 'hvo-v7'];
      if (kernels.length !== 2) throw new InputError(`give --kernel exactly twice (got ${kernels.length})`, { field: '--kernel' });
      const [pa, pb] = kernels.map((k) => parseProfile(k));
      const faults = parseFaults(o.fault);
      const { machine, log } = await loadMachineAndLog(o);
      const useLog = log && o.cmdline === undefined && log.dmesg.some((l) => l.text.startsWith('memblock_'));
      const d = diffBoots(machine, pa!, pb!, { others: useLog ? replayedOthers(log) : estimatedOthers, faults });
      if (o.json) {
        const side = (r: typeof d.a) => ({ profile: r.profile, memTotalKb: r.memTotalKb, nr_memmap_boot_pages: r.memmapBootPages, nr_memmap_pages: r.memmapPages, vmemmap: r.vmemmap, hvo: r.state.hvo, hugepages: r.hugepages, memblockByCaller: r.callsByCaller, hugetlbLog: r.hugetlbLog });
        // The dmesg lines only one side printed grow with the machine (every memblock call with memblock=debug): the first few, and how many (--dmesg lists them all as text).
        return printJson({ machine: { name: machine.name, cmdline: machine.cmdline }, a: side(d.a), b: side(d.b), dmesgOnlyA: firstOf(d.dmesgOnlyA, DIFF_DMESG_LINES), dmesgOnlyB: firstOf(d.dmesgOnlyB, DIFF_DMESG_LINES), summary: d.summary });
      }
      const A = d.a.profile;
      const B = d.b.profile;
      const out: string[] = [`hvosim diff: ${machine.name} (${machine.source}), ${A} against ${B}`, `command line: ${machine.cmdline || '(empty)'}`, ''];
      out.push('What differs:', ...d.summary.map((l) => `  ${l}`), '');
      const num = (x: number, y: number) => [String(x), String(y), x === y ? '' : `${y - x > 0 ? '+' : ''}${y - x}`];
      out.push('Vmemmap page tables:', table([['', A, B, 'change'], ...VMEMMAP_ROWS.map(([k, label]) => [label, ...num(d.a.vmemmap[k], d.b.vmemmap[k])])]), '');
      const acct = [
        ['MemTotal (kB)', ...num(d.a.memTotalKb, d.b.memTotalKb)],
        ['nr_memmap_boot_pages', ...num(d.a.memmapBootPages, d.b.memmapBootPages)],
        ['nr_memmap_pages', ...num(d.a.memmapPages, d.b.memmapPages)],
        ['memblock calls', ...num(d.a.state.memblock.calls.length, d.b.state.memblock.calls.length)],
      ];
      out.push('Accounting:', table([['', A, B, 'change'], ...acct]), '');
      const keys = [...new Set([...Object.keys(d.a.callsByCaller), ...Object.keys(d.b.callsByCaller)])].sort();
      const rows = keys
        .map((k) => {
          const x = d.a.callsByCaller[k] ?? { calls: 0, bytes: 0 };
          const y = d.b.callsByCaller[k] ?? { calls: 0, bytes: 0 };
          return { k, x, y };
        })
        .filter(({ x, y }) => x.calls !== y.calls || x.bytes !== y.bytes);
      if (rows.length) out.push('memblock calls that differ (function caller: calls, net bytes):', table([['call', A, B], ...rows.map(({ k, x, y }) => [k, `${x.calls}, ${x.bytes}`, `${y.calls}, ${y.bytes}`])]), '');
      out.push(`HugeTLB log (${A}):`, ...d.a.hugetlbLog.map((l) => `  ${l}`), `HugeTLB log (${B}):`, ...d.b.hugetlbLog.map((l) => `  ${l}`));
      out.push('', `dmesg: ${d.dmesgOnlyA.length} lines only ${A} printed, ${d.dmesgOnlyB.length} only ${B}${o.dmesg ? '' : ' (--dmesg lists them)'}.`);
      if (o.dmesg) out.push('', `dmesg lines only ${A} printed:`, ...d.dmesgOnlyA.map((l) => `- ${l}`), `dmesg lines only ${B} printed:`, ...d.dmesgOnlyB.map((l) => `+ ${l}`));
      process.stdout.write(out.join('\n') + '\n');
    });
}
