// hvosim machine: show the machine a command would boot (validates the input).
import type { Command, Option } from 'commander';
import { machineRamBytes } from '../machine/types.js';
import { formatE820Line } from '../machine/e820.js';
import { hex010 } from '../util/format.js';
import { humanSize } from '../util/units.js';
import { loadMachine, type MachineOptions } from './input.js';
import { printJson, table } from './output.js';

export function machineOptions(cmd: Command, makeOption: (flags: string, desc: string) => Option): Command {
  return cmd
    .addOption(makeOption('--machine <file.json>', 'machine description file (JSON)'))
    .addOption(makeOption('--from-dmesg <file>', 'take the machine from a kernel log (BIOS-e820, SRAT, command line)'))
    .addOption(makeOption('--qemu <args>', 'take the machine from a QEMU command line (q35)'))
    .addOption(makeOption('--machine-preset <name>', 'a built-in machine: default, laptop, 2s-server, 4s-3t, 64t'))
    .addOption(makeOption('--cmdline <string>', "kernel command line (replaces the machine's own)"));
}

export function registerMachine(program: Command): void {
  const cmd = program
    .command('machine')
    .description('show the machine as hvosim reads it: firmware memory map, NUMA nodes, CPU, command line');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--json', 'print the machine as a machine file (for --machine)')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim machine --machine-preset 2s-server
  $ hvosim machine --qemu "-machine q35 -m 6G -object memory-backend-ram,id=m0,size=3G -numa node,memdev=m0 ` +
        `-object memory-backend-ram,id=m1,size=3G -numa node,memdev=m1"
  $ hvosim machine --from-dmesg test/fixtures/linux-6.1/p05-4node-default1g.txt --json`,
    )
    .action(async (o: MachineOptions & { json?: boolean }) => {
      const m = await loadMachine(o);
      if (o.json) {
        // A machine file, which --machine reads back to the same boot; the warnings are no part of it: said on stderr.
        const { machineFile } = await import('../machine/json.js');
        for (const w of m.warnings) process.stderr.write(`hvosim: warning: ${w}\n`);
        return printJson(machineFile(m));
      }
      const out: string[] = [];
      out.push(`${m.name}  (${m.arch}, ${humanSize(machineRamBytes(m))} RAM, from ${m.source})`);
      out.push(`CPU: ${m.cpu.vendor ?? 'vendor not given'}, features: ${m.cpu.features.join(' ') || '(none)'}`);
      out.push(`Command line: ${m.cmdline || '(empty)'}`);
      out.push('', 'Firmware memory map:');
      out.push(...m.e820.map((e) => `  ${formatE820Line(e)}`));
      out.push('', 'NUMA nodes:');
      if (!m.nodes.length) out.push('  (no SRAT: the kernel fakes one node)');
      else {
        const rows = [['node', 'ranges', 'size']];
        for (const n of m.nodes) {
          rows.push([
            String(n.id),
            n.ranges.map((r) => `[mem ${hex010(r.start)}-${hex010(r.end - 1)}]${r.hotplug ? ' hotplug' : ''}`).join(' '),
            humanSize(n.ranges.reduce((s, r) => s + r.end - r.start, 0)),
          ]);
        }
        out.push(
          ...table(rows)
            .split('\n')
            .map((l) => `  ${l}`),
        );
      }
      for (const w of m.warnings) out.push(`warning: ${w}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
