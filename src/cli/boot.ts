// hvosim boot: boot a machine through the modelled steps and show what memory looks like after them.
import type { Command } from 'commander';
import { boot, MODELLED_STEPS, NOT_MODELLED } from '../kernel/boot.js';
import { forEachFreeMemRange, memblockDbgLine } from '../kernel/memblock.js';
import type { KernelState } from '../kernel/state.js';
import { PROFILES, type Profile } from '../kernel/state.js';
import { numaNodeSpans } from '../kernel/numa.js';
import { InputError } from '../util/errors.js';
import { hex010 } from '../util/format.js';
import { GiB, TiB, humanSize } from '../util/units.js';
import { setMaxHugePages } from '../kernel/hugetlb.js';
import { estimatedOthers } from '../kernel/others.js';
import { hugepagesByNode, meminfoObject, meminfoText, sysfsHugepagesText, vmstat, vmstatText, zoneinfoText, zones } from '../report/proc.js';
import { replayedOthers } from '../trace/foreign.js';
import { checkedBoot } from '../check/checked-boot.js';
import { faultsNeverFired, parseFaults } from '../check/faults.js';
import { INVARIANTS } from '../check/invariants.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { paint, printJson, progress, table } from './output.js';
import { PRESETS } from '../machine/presets.js';
import { machineRamBytes } from '../machine/types.js';
import { bootDeath, DEFAULT_MARGIN, parseMargin, planOfBoot, type Margin, type Plan, type PlanBest } from '../report/plan.js';
import { cmdlineNotes, cmdlineWarnings } from '../report/cmdline.js';
import { bootPicture } from '../report/picture.js';
import { memoryMapSvg, vmemmapSvg } from '../report/svg.js';
import { writeFileSync } from 'node:fs';
import type { Machine } from '../machine/types.js';
import type { BootOptions } from '../kernel/boot.js';

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

/** A --kernel value, or an input error naming the known profiles. */
export function parseProfile(v: string, field = '--kernel'): Profile {
  if (!PROFILES.includes(v as Profile)) throw new InputError(`unknown kernel profile "${v}" (known: ${PROFILES.join(', ')})`, { field });
  return v as Profile;
}

export function bootJson(s: KernelState, plan?: Plan) {
  return {
    plan,
    cmdlineNotes: cmdlineNotes(s.machine.cmdline),
    machine: { name: s.machine.name, source: s.machine.source, cmdline: s.machine.cmdline },
    profile: s.profile,
    others: s.others?.name ?? 'none',
    modelled: MODELLED_STEPS,
    notModelled: NOT_MODELLED,
    dmesg: s.dmesg,
    meminfo: meminfoObject(s),
    estimates: { MemFree: 'estimate: free pages minus what the running system holds (62 MiB)' },
    vmstat: vmstat(s),
    hugepages: hugepagesByNode(s),
    zones: zones(s),
    hvo: { enabled: s.hugetlb.vmemmapOptimizeEnabled, ...s.hvo },
    memmap: { nr_memmap_boot_pages: s.memmap.bootPages, nr_memmap_pages: s.memmap.pages },
    maxPfn: s.maxPfn,
    nodes: nodeSummaries(s),
    memblock: s.memblock.calls,
    steps: s.steps,
  };
}

type BootCliOptions = MachineOptions & {
  kernel: string;
  json?: boolean;
  dmesg?: boolean;
  memblockLog?: boolean;
  meminfo?: boolean;
  zoneinfo?: boolean;
  vmstat?: boolean;
  sysfs?: boolean;
  nrHugepages?: string;
  fault: string[];
  check?: boolean;
  plan: boolean;
  planMargin?: string;
  svg?: string;
  vmemmapSvg?: string;
};

/** The operator's answers, as the end of the summary. */
export function planText(p: Plan): string[] {
  const out: string[] = [];
  if (p.sizes.length) {
    out.push(paint('1', 'Huge pages asked and got:'));
    const rows = [['size', 'node', 'asked', 'got']];
    for (const z of p.sizes) {
      for (const r of z.rows) if (r.got || r.asked) rows.push([z.size, `node${r.node}`, r.asked === null ? '' : String(r.asked), String(r.got)]);
      rows.push([z.size, 'all', String(z.asked), String(z.got)]);
    }
    out.push(table(rows));
    for (const z of p.sizes) {
      if (z.got < z.asked) out.push(paint('33', `Why ${z.asked - z.got} ${z.size} page${z.asked - z.got === 1 ? ' is' : 's are'} missing:`), ...z.why.flatMap((w) => [`  ${w.text}`, ...w.examples.map((e) => `    e.g. ${e}`)]));
    }
  } else out.push('Huge pages asked: none (hugepagesz= and hugepages= ask for them).');
  out.push(`Memory given to HugeTLB: ${humanSize(p.hugetlbBytes)}.`);
  out.push(structPagesText(p.structPages));
  for (const z of p.sizes) {
    if (z.noBest) {
      out.push(`Most ${z.size} pages this machine gets: none; ${z.noBest}.`);
      continue;
    }
    if (!z.best) continue;
    const nodes = (b: PlanBest) => Object.entries(b.perNode).map(([n, c]) => `${n} ${c}`).join(', ');
    const b = z.best;
    out.push(`Most ${z.size} pages this machine gets: ${b.pages} (${nodes(b)}), leaving ~${humanSize(b.freeBytes)} free${b.note ? `; ${b.note}` : ''}. Command line:`, `  ${b.cmdline}`);
    const r = z.recommended;
    if (r) out.push(`Keeping ${humanSize(z.marginBytes ?? 0)} free for the running system (--plan-margin): ${r.pages} (${nodes(r)}), leaving ~${humanSize(r.freeBytes)} free. Command line:`, `  ${r.cmdline}`);
    else if (z.marginBytes !== undefined) out.push(`That leaves more than the ${humanSize(z.marginBytes)} the planner keeps free for the running system (--plan-margin).`);
  }
  return out;
}

/** What struct pages cost, and what HVO saved (only when it was on, and only of a vmemmap that was finished). */
export function structPagesText(sp: Plan['structPages']): string {
  if (!sp.complete) return `struct pages: the boot died before the vmemmap was complete, so there is nothing to say about what they cost or what HVO saved.`;
  const now = `${humanSize(sp.withoutHvoBytes)} for every present section, ${humanSize(sp.nowBytes)} now (vmemmap pages and their page tables)`;
  if (!sp.hvo) return `struct pages: ${now}; HVO is off, so it saves nothing.`;
  if (sp.savedBytes <= 0) return `struct pages: ${now}; HVO is on but saved nothing here (no huge page had its vmemmap optimized).`;
  return `struct pages: ${humanSize(sp.withoutHvoBytes)} without HVO, ${humanSize(sp.nowBytes)} now (vmemmap pages and their page tables): HVO saves ${humanSize(sp.savedBytes)}.`;
}

/** A bar over the boot's steps for machines of a TiB or more (a small boot of the same profile counts the steps). */
function bootProgress(m: Machine, profile: Profile): ReturnType<typeof progress> | null {
  if (machineRamBytes(m) < TiB) return null;
  const steps = boot(PRESETS.default!.build(), { profile }).steps.length;
  return progress(`booting ${humanSize(machineRamBytes(m))}`, steps);
}

/** The readable summary npm start shows. */
function summary(s: KernelState, warnings: string[], plan?: Plan): string {
  const m = s.machine;
  const out: string[] = [];
  // A boot that dies is said first.
  if (s.panic) out.push(paint('1;31', `THE BOOT DIED after ${s.steps.at(-1)?.fn}: ${s.panic}`));
  else if (bootDeath(s)) out.push(paint('1;31', bootDeath(s)!));
  out.push(`hvosim boot: ${m.name} (${m.source}), kernel profile ${s.profile}`);
  out.push(`command line: ${m.cmdline || '(empty)'}`);
  out.push(`other subsystems' memblock calls: ${s.others?.name ?? 'none'}`);
  for (const w of warnings) out.push(paint('33', `warning: ${w}`));

  const ps = s.arch.pageSize;
  out.push('', paint('1', 'Zones (pages of 4 KiB):'));
  const zrows = [['node', 'zone', 'range', 'spanned', 'present', 'managed']];
  for (const z of zones(s)) {
    if (!z.spanned) continue;
    zrows.push([String(z.node), z.zone, `[mem ${hex010(z.start * ps)}-${hex010((z.start + z.spanned) * ps - 1)}]`, String(z.spanned), String(z.present), String(z.managed)]);
  }
  out.push(table(zrows));
  out.push('', paint('1', 'Huge pages per node:'));
  const hp = hugepagesByNode(s);
  const sizes = [...new Set(Object.values(hp).flatMap((r) => Object.keys(r)))];
  const hrows = [['node', ...sizes.map((x) => `hugepages-${x}`), 'memory']];
  for (const [node, row] of Object.entries(hp)) {
    const bytes = sizes.reduce((a, x) => a + (row[x] ?? 0) * parseInt(x, 10) * 1024, 0);
    hrows.push([node, ...sizes.map((x) => String(row[x] ?? 0)), humanSize(bytes)]);
  }
  out.push(table(hrows));
  const mi = meminfoObject(s);
  const hvo = s.hvo;
  out.push('');
  if (!s.hugetlb.vmemmapOptimizeEnabled) out.push('HVO: off (hugetlb_free_vmemmap=on turns it on; CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON is off in the modelled builds).');
  else {
    const parts = [`HVO: on.`];
    if (hvo.preHvo) parts.push(`${hvo.preHvo} boot-time gigantic pages got their HVO mapping from hugetlb (${s.profile === '6.15' ? 'before zones existed' : 'once zones existed'}).`);
    if (hvo.zoneInvalid) parts.push(`${hvo.zoneInvalid} spanned two zones and were given back.`);
    if (hvo.fallback) parts.push(`${hvo.fallback} fell back to a normal vmemmap.`);
    if (hvo.optimized) parts.push(`${hvo.optimized} huge pages optimized by remapping; ${hvo.vmemmapPagesFreed} vmemmap pages (${humanSize(hvo.vmemmapPagesFreed * ps)}) given back, ${hvo.pteTables} PTE tables allocated to split the vmemmap.`);
    out.push(parts.join(' '));
  }
  if (s.profile !== '6.1') out.push(`nr_memmap_boot_pages: ${s.memmap.bootPages}   nr_memmap_pages: ${s.memmap.pages}`);
  // HugePages_Total and Hugepagesize count the default size only; Hugetlb is every size.
  out.push(`MemTotal: ${mi.MemTotal} kB   HugePages_Total: ${mi.HugePages_Total} (default size only)   Hugepagesize: ${mi.Hugepagesize} kB (the default size)   Hugetlb: ${mi.Hugetlb} kB (all sizes)   MemFree: ~${mi.MemFree} kB (estimate)`);
  const notes = s.dmesg.filter((l) => l.startsWith('HugeTLB: ') || l.startsWith('Booting kernel:'));
  if (notes.length) out.push('', paint('1', 'Kernel log (HugeTLB):'), ...notes.map((l) => '  ' + l));
  if (plan) out.push('', ...planText(plan));
  out.push('', `Not modelled: ${NOT_MODELLED.join('; ')}.`);
  return out.join('\n') + '\n';
}

export function registerBoot(program: Command): void {
  const cmd = program.command('boot').description('boot a machine the way the kernel does and show zones, huge pages per node, HVO and /proc');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--kernel <profile>', `kernel profile (${PROFILES.join(', ')})`, 'hvo-v7')
    .option('--fault <spec>', 'inject a memblock allocation failure: nth=N, caller=FUNCTION or node=N (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--check', 'check every invariant after every step; exit 1 and list what broke')
    .option('--nr-hugepages <n>', 'after boot, write N to /proc/sys/vm/nr_hugepages (grows the default-size pool)')
    .option('--json', 'print the whole boot as JSON (dmesg, meminfo, hugepages, zones, memblock calls, ...)')
    .option('--dmesg', 'print the simulated kernel log')
    .option('--memblock-log', 'print the memblock=debug lines (needs memblock=debug on the command line)')
    .option('--meminfo', 'print /proc/meminfo (the fields hvosim models)')
    .option('--zoneinfo', 'print the zone sizes of /proc/zoneinfo')
    .option('--vmstat', 'print the /proc/vmstat counters hvosim models')
    .option('--sysfs', 'print /sys/devices/system/node/node*/hugepages/*/*_hugepages')
    .option('--svg <file>', 'write the physical memory map (zones, holes, reservations by owner, huge pages) as SVG')
    .option('--vmemmap-svg <file>', 'write the vmemmap picture (PMD leaves, PTE tables, HVO-shared pages) as SVG')
    .option('--no-plan', 'skip the planner (pages asked and got, why missing, the best command line: it boots the machine again)')
    .option('--plan-margin <size|N%>', 'memory the planner\'s recommendation leaves free after boot (MemFree): a size (4G) or a share of MemTotal (5%); default 2% of MemTotal, at least 256 MiB, at most 16 GiB')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim boot                                          the default machine
  $ hvosim boot --machine-preset 2s-server --dmesg
  $ hvosim boot --from-dmesg ../shared/fixtures/linux-6.1/p02-2node-1g2-hvo.txt --memblock-log
  $ hvosim boot --qemu "-m 4G" --cmdline "hugepagesz=1G hugepages=2" --json
  $ hvosim boot --cmdline "hugetlb_free_vmemmap=on" --nr-hugepages 300 --meminfo
  $ hvosim boot --kernel 6.15 --cmdline "hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M" --check
  $ hvosim boot --kernel hvo-v7 --fault caller=vmemmap_alloc_block_zero --check

A machine from --from-dmesg boots with the other subsystems' memblock calls
taken from that log; any other machine uses hvosim's estimate of them.`,
    )
    .action(async (o: BootCliOptions) => {
      const profile = parseProfile(o.kernel);
      const margin: Margin | null = o.planMargin === undefined ? DEFAULT_MARGIN : parseMargin(o.planMargin);
      if (!margin) throw new InputError(`"${o.planMargin}" is not a size (4G, 512M) or a share of MemTotal (2%)`, { field: '--plan-margin' });
      const faults = parseFaults(o.fault);
      let nr: number | undefined;
      if (o.nrHugepages !== undefined) {
        if (!/^\d+$/.test(o.nrHugepages)) throw new InputError(`"${o.nrHugepages}" is not a page count`, { field: '--nr-hugepages' });
        nr = Number(o.nrHugepages);
      }
      const { machine: m, log } = await loadMachineAndLog(o);
      const useLog = log && o.cmdline === undefined && log.dmesg.some((l) => l.text.startsWith('memblock_'));
      const others = useLog ? replayedOthers(log) : estimatedOthers;
      if (o.check) {
        const r = checkedBoot(m, { profile, faults, others, nrHugepages: nr });
        for (const w of faultsNeverFired(r.state)) process.stderr.write(`hvosim: warning: ${w}\n`);
        if (r.state.panic) process.stdout.write(`the boot died after ${r.state.steps.at(-1)?.fn}: ${r.state.panic}\n`);
        else if (bootDeath(r.state)) process.stdout.write(`${bootDeath(r.state)}\n`);
        for (const v of r.violations) process.stdout.write(`${v.invariant}: after ${v.step}${v.atEnd ? '' : ' (healed by the end)'}: ${v.message}\n`);
        if (!r.violations.length && !bootDeath(r.state)) process.stdout.write(`all ${INVARIANTS.length} invariants hold after every step (${r.state.steps.length} steps)\n`);
        process.exitCode = r.violations.length || bootDeath(r.state) ? 1 : 0;
        return;
      }
      const opts: BootOptions = { profile, faults, others };
      const bar = bootProgress(m, profile);
      const s = boot(m, bar ? { ...opts, afterStep: (st) => bar.update(st.steps.length) } : opts);
      bar?.stop();
      // A fault that never fired changed nothing: say so (stderr, and in --json).
      const unfired = faultsNeverFired(s);
      for (const w of unfired) process.stderr.write(`hvosim: warning: ${w}\n`);
      // A boot the kernel would not survive (or that hvosim predicts runs out of memory) is a finding.
      if (bootDeath(s)) process.exitCode = 1;
      const warnings = [...m.warnings, ...cmdlineWarnings(m.cmdline)];
      if (nr !== undefined) {
        const r = setMaxHugePages(s, nr);
        if (!r.ok) warnings.push(`nr_hugepages=${nr}: ${r.reason}`);
      }
      if (o.svg || o.vmemmapSvg) {
        const pic = bootPicture(s);
        const write = (file: string, text: string) => {
          try {
            writeFileSync(file, text);
          } catch (e) {
            throw new InputError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
          }
        };
        if (o.svg) write(o.svg, memoryMapSvg(pic));
        if (o.vmemmapSvg) write(o.vmemmapSvg, vmemmapSvg(pic));
      }
      const plan = o.plan && nr === undefined ? planOfBoot(s, m, opts, margin) : undefined;
      if (o.json) return printJson(unfired.length ? { ...bootJson(s, plan), faultsNeverFired: unfired } : bootJson(s, plan));
      const lines = (x: string[]) => void process.stdout.write(x.join('\n') + '\n');
      if (o.dmesg) return lines(s.dmesg);
      if (o.meminfo) return lines(meminfoText(s));
      if (o.zoneinfo) return lines(zoneinfoText(s));
      if (o.vmstat) return lines(vmstatText(s));
      if (o.sysfs) return lines(sysfsHugepagesText(s));
      if (o.memblockLog) {
        if (!s.memblock.debug) throw new InputError('the command line has no memblock=debug, so the kernel would print no memblock lines', { field: '--memblock-log' });
        return lines(s.memblock.calls.filter((c) => c.printed).map(memblockDbgLine));
      }
      process.stdout.write(summary(s, warnings, plan));
    });
}
