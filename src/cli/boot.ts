// hvosim boot: boot a machine through the modelled steps and show what memory looks like after them.
import type { Command } from 'commander';
import { boot, MODELLED_STEPS, NOT_MODELLED } from '../kernel/boot.js';
import { forEachFreeMemRange, memblockDbgLine } from '../kernel/memblock.js';
import type { KernelState } from '../kernel/state.js';
import { PROFILES, type Profile } from '../kernel/state.js';
import { numaNodeSpans } from '../kernel/numa.js';
import { InputError } from '../util/errors.js';
import { hex010 } from '../util/format.js';
import { GiB, humanSize } from '../util/units.js';
import { loadMachine, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { printJson, table } from './output.js';

export interface NodeSummary {
  node: number;
  start: number;
  end: number;
  memory: number;
  reserved: number;
  free: number;
  /** Whole, free, 1 GiB-aligned 1 GiB blocks on the node at this point of the boot. */
  free1gBlocks: number;
  nodeData: number;
}

export function nodeSummaries(s: KernelState): NodeSummary[] {
  const mb = s.memblock;
  const out: NodeSummary[] = [];
  for (const [nid, span] of numaNodeSpans(s.numa)) {
    let memory = 0;
    for (const r of mb.memory.regions) if (r.nid === nid) memory += r.size;
    let free = 0;
    let blocks = 0;
    forEachFreeMemRange(mb, nid, 0, (lo, hi) => {
      free += hi - lo;
      const a = Math.ceil(lo / GiB) * GiB;
      if (hi > a) blocks += Math.floor((hi - a) / GiB);
      return false;
    });
    out.push({ node: nid, start: span.start, end: span.end, memory, reserved: memory - free, free, free1gBlocks: blocks, nodeData: s.nodeData.get(nid) ?? 0 });
  }
  return out;
}

export function bootJson(s: KernelState) {
  return {
    machine: { name: s.machine.name, source: s.machine.source, cmdline: s.machine.cmdline },
    profile: s.profile,
    modelled: MODELLED_STEPS,
    notModelled: NOT_MODELLED,
    dmesg: s.dmesg,
    maxPfn: s.maxPfn,
    nodes: nodeSummaries(s),
    memblock: s.memblock.calls,
    steps: s.steps,
  };
}

export function registerBoot(program: Command): void {
  const cmd = program.command('boot').description('boot a machine through the modelled steps of the kernel and summarise memory per node');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--kernel <profile>', `kernel profile: ${PROFILES.join(', ')}`, 'hvo-v7')
    .option('--json', 'print the whole boot as JSON (dmesg, memblock calls, nodes)')
    .option('--dmesg', 'print the simulated kernel log')
    .option('--memblock-log', 'print the memblock=debug lines (needs memblock=debug on the command line)')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim boot                                          the default machine
  $ hvosim boot --machine-preset 2s-server --dmesg
  $ hvosim boot --from-dmesg ../shared/fixtures/linux-6.1/p02-2node-1g2-hvo.txt --memblock-log
  $ hvosim boot --qemu "-m 4G" --cmdline "memblock=debug hugepagesz=1G hugepages=2" --json

Modelled so far: ${MODELLED_STEPS.join(', ')}.
Not yet: ${NOT_MODELLED.join('; ')}.`,
    )
    .action((o: MachineOptions & { kernel: string; json?: boolean; dmesg?: boolean; memblockLog?: boolean }) => {
      if (!PROFILES.includes(o.kernel as Profile)) throw new InputError(`unknown kernel profile "${o.kernel}" (known: ${PROFILES.join(', ')})`, { field: '--kernel' });
      const m = loadMachine(o);
      const s = boot(m, { profile: o.kernel as Profile });
      if (o.json) return printJson(bootJson(s));
      if (o.dmesg) return void process.stdout.write(s.dmesg.join('\n') + '\n');
      if (o.memblockLog) {
        if (!s.memblock.debug) throw new InputError('the command line has no memblock=debug, so the kernel would print no memblock lines', { field: '--memblock-log' });
        return void process.stdout.write(s.memblock.calls.filter((c) => c.printed).map(memblockDbgLine).join('\n') + '\n');
      }
      const out: string[] = [];
      out.push(`hvosim boot: ${m.name} (${m.source}), kernel profile ${s.profile}`);
      out.push(`command line: ${m.cmdline || '(empty)'}`);
      for (const w of m.warnings) out.push(`warning: ${w}`);
      out.push('', `After ${s.steps[s.steps.length - 1]?.fn ?? 'boot'} (${s.memblock.calls.length} memblock calls, max_pfn ${'0x' + s.maxPfn.toString(16)}):`);
      const rows = [['node', 'span', 'RAM', 'reserved', 'free', 'free 1G blocks', 'NODE_DATA']];
      for (const n of nodeSummaries(s)) {
        rows.push([String(n.node), `[mem ${hex010(n.start)}-${hex010(n.end - 1)}]`, humanSize(n.memory), humanSize(n.reserved), humanSize(n.free), String(n.free1gBlocks), n.nodeData ? hex010(n.nodeData) : 'none']);
      }
      out.push(table(rows));
      out.push('', `Modelled: ${MODELLED_STEPS.join(', ')}.`, `Not modelled yet: ${NOT_MODELLED.join('; ')}.`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
