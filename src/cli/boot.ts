// hvosim boot: boot a machine through the modelled steps and show what memory looks like after them.
import type { Command } from 'commander';
import {
  boot,
  DEFAULT_PROFILE,
  getProfile,
  kconfigText,
  type KernelProfile,
  memblockDbgLine,
  PROFILE_NAMES,
  resolveKernel,
  setMaxHugePages,
  type BootOptions,
  type KernelFeatures,
  type KernelState,
  type ProfileName,
} from '../simulator.js';
import { InputError } from '../util/errors.js';
import { countOfSize, hex010 } from '../util/format.js';
import { TiB, humanSize, SIZE_EXAMPLES } from '../util/units.js';
import { hugepagesByNode, meminfoObject, meminfoText, sysfsHugepagesText, vmstatText, zoneinfoText, zones } from '../report/proc.js';
import { othersOfLog } from '../trace/foreign.js';
import { faultsNeverFired, parseFaults } from '../check/faults.js';
import { readBuildOption, profileWithLogBuild, profileWithOwnBuild, readImageOption } from './build-options.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { wholeOption } from './options.js';
import { machineOptions } from './machine.js';
import {
  closeNdjson,
  joinCapped,
  LINE_ITEMS,
  oneOnStdout,
  openNdjson,
  paint,
  printJson,
  progress,
  table,
  writeNdjson,
  type NdjsonTarget,
} from './output.js';
import { bootJson, dmesgRecords, memblockRecords, pageRecords } from './boot-json.js';
import { kernelWarnings, runtimeUseOrigin, timingNotes, unvalidatedNote } from '../report/boot-view.js';
import { PRESETS } from '../machine/presets.js';
import { machineRamBytes } from '../machine/types.js';
import { bootDeath, cmaAreaTexts, DEFAULT_MARGIN, parseMargin, planOfBoot, type Margin, type Plan, type PlanBest } from '../report/plan.js';
import { cmdlineWarnings } from '../report/cmdline.js';
import { writeFileSync } from 'node:fs';
import type { Machine } from '../machine/types.js';

/** What a --kernel value stood for, as the commands say it (`kernel` in --json): null `asked` for a log that names no version. */
export interface KernelJson {
  asked: string | null;
  profile: ProfileName;
  exact: boolean;
  note: string | null;
  /** The profile only stands for the release asked (another release's code, or not held to its own boots): `note` says how. */
  approximate: boolean;
  /** Where the profile came from (boot): --kernel, the log's "Linux version" line, a --build file, or the default. */
  from?: '--kernel' | 'log' | '--build' | '--kernel-image' | 'default';
  /** The version the --from-dmesg log names (boot), or null when it names none. */
  logVersion?: string | null;
}

/**
 * The profile a boot from a kernel log runs: --kernel when given (with a word if the log is of another
 * release), else the one the log's own "Linux version" line maps to (`ofLog`: profileOfLog(), as replay takes it).
 */
export function bootKernelForLog(
  ofLog: { profile: ProfileName; version?: string; exact: boolean; note?: string },
  given: KernelJson | undefined,
): KernelJson {
  const logVersion = ofLog.version ?? null;
  if (given) {
    const differs = logVersion !== null && ofLog.profile !== given.profile;
    const word = differs
      ? `the log is of Linux ${logVersion} (profile ${ofLog.profile}); --kernel ${given.asked} boots it as profile ${given.profile}`
      : null;
    return {
      ...given,
      from: '--kernel',
      logVersion,
      note: [given.note, word].filter((x) => x).join('; ') || null,
      approximate: given.approximate || differs,
    };
  }
  if (logVersion === null) {
    return {
      asked: null,
      profile: DEFAULT_PROFILE.name,
      exact: false,
      approximate: true,
      note: `the log names no kernel version (no "Linux version" line): booted with the default profile ${DEFAULT_PROFILE.name}`,
      from: 'default',
      logVersion,
    };
  }
  const approximate = !ofLog.exact || !!ofLog.note;
  return { asked: logVersion, profile: ofLog.profile, exact: ofLog.exact, note: ofLog.note ?? null, approximate, from: 'log', logVersion };
}

/** A --kernel value: a profile's name or a kernel version ("7.2", "6.18.3"); an input error when it is neither. */
export function parseKernel(v: string, field = '--kernel'): KernelJson {
  const k = resolveKernel(v);
  if (!k)
    throw new InputError(`unknown kernel "${v}": neither a profile (${PROFILE_NAMES.join(', ')}) nor a kernel version (7.2, 6.18.3)`, {
      field,
    });
  return { asked: v, profile: k.profile.name, exact: k.exact, note: k.note ?? null, approximate: !k.exact || !!k.note };
}

/** A --kernel value's profile (parseKernel(); a command that shows the note takes parseKernel() itself). */
export function parseProfile(v: string, field = '--kernel'): ProfileName {
  return parseKernel(v, field).profile;
}

type BootCliOptions = MachineOptions & {
  kernel: string;
  config?: string;
  build?: string;
  kernelImage?: string;
  json?: boolean;
  jsonMemblock?: string;
  jsonDmesg?: string;
  jsonPages?: string;
  dmesg?: boolean;
  memblockLog?: boolean;
  meminfo?: boolean;
  zoneinfo?: boolean;
  vmstat?: boolean;
  sysfs?: boolean;
  nrHugepages?: string;
  fault?: string[];
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
      for (const r of z.rows)
        if (r.got || r.asked) rows.push([z.size, `node${r.node}`, r.asked === null ? '' : String(r.asked), String(r.got)]);
      rows.push([z.size, 'all', String(z.asked), String(z.got)]);
    }
    out.push(table(rows));
    for (const z of p.sizes) {
      if (z.got < z.asked)
        out.push(
          paint('33', `Why ${countOfSize(z.asked - z.got, 'page', z.size)} ${z.asked - z.got === 1 ? 'is' : 'are'} missing:`),
          ...z.why.slice(0, LINE_ITEMS).flatMap((w) => [`  ${w.text}`, ...w.examples.map((e) => `    e.g. ${e}`)]),
          ...(z.why.length > LINE_ITEMS ? [`  and ${z.why.length - LINE_ITEMS} more nodes (--json lists every node)`] : []),
        );
    }
  } else if (!p.unsupported.length) out.push('Huge pages asked: none (hugepagesz= and hugepages= ask for them).');
  if (p.unsupported.length)
    out.push(
      paint('33', `Huge pages asked${p.sizes.length ? ' too' : ''}, of a size the kernel refused:`),
      ...p.unsupported.map((u) => `  ${u}.`),
    );
  out.push(`Memory given to HugeTLB: ${humanSize(p.hugetlbBytes)}.`);
  out.push(structPagesText(p.structPages));
  for (const z of p.sizes) {
    if (z.noBest) {
      out.push(`Most ${z.size} pages this machine gets: none; ${z.noBest}.`);
      continue;
    }
    if (!z.best) continue;
    const nodes = (b: PlanBest) =>
      joinCapped(
        Object.entries(b.perNode).map(([n, c]) => `${n} ${c}`),
        LINE_ITEMS,
        'more nodes',
      );
    const b = z.best;
    out.push(
      `Most ${z.size} pages this machine gets: ${b.pages} (${nodes(b)}), leaving ~${humanSize(b.freeBytes)} free${b.note ? `; ${b.note}` : ''}. Command line:`,
      `  ${b.cmdline}`,
    );
    const r = z.recommended;
    if (r)
      out.push(
        `Keeping ${humanSize(z.marginBytes ?? 0)} free for the running system (--plan-margin): ` +
          `${r.pages} (${nodes(r)}), leaving ~${humanSize(r.freeBytes)} free. Command line:`,
        `  ${r.cmdline}`,
      );
    else if (z.marginBytes !== undefined && b.freeBytes >= z.marginBytes)
      out.push(`That leaves more than the ${humanSize(z.marginBytes)} the planner keeps free for the running system (--plan-margin).`);
    else if (z.marginBytes !== undefined)
      out.push(
        `Even with no ${z.size} pages the machine keeps less than the ${humanSize(z.marginBytes)} free ` +
          'that the planner keeps for the running system (--plan-margin): nothing to recommend.',
      );
  }
  return out;
}

/** Most kernel warnings the text summary quotes; --dmesg has them all. */
const SUMMARY_WARNING_LINES = 20;

/** The lines the kernel printed at pr_warn or worse, as a block of the summary (nothing when there are none). */
export function kernelWarningsText(s: KernelState): string[] {
  const w = kernelWarnings(s);
  if (!w.length) return [];
  const out = ['', paint('1;33', "Kernel warnings (the log's pr_warn and pr_err lines; --dmesg shows them in place):")];
  for (const x of w.slice(0, SUMMARY_WARNING_LINES)) out.push(`  ${x.level.padEnd(5)}  ${x.text}`);
  if (w.length > SUMMARY_WARNING_LINES) out.push(`  ... and ${w.length - SUMMARY_WARNING_LINES} more`);
  return out;
}

/** What struct pages cost, and what HVO saved (only when it was on, and only of a vmemmap that was finished). */
export function structPagesText(sp: Plan['structPages']): string {
  if (!sp.complete)
    return `struct pages: the boot died before the vmemmap was complete, so there is nothing to say about what they cost or what HVO saved.`;
  const now = `${humanSize(sp.withoutHvoBytes)} for every present section, ${humanSize(sp.nowBytes)} now (vmemmap pages and their page tables)`;
  if (!sp.hvo) return `struct pages: ${now}; HVO is off, so it saves nothing.`;
  if (sp.savedBytes <= 0) return `struct pages: ${now}; HVO is on but saved nothing here (no huge page had its vmemmap optimized).`;
  return (
    `struct pages: ${humanSize(sp.withoutHvoBytes)} without HVO, ${humanSize(sp.nowBytes)} now (vmemmap pages and their page tables): ` +
    `HVO saves ${humanSize(sp.savedBytes)}.`
  );
}

/** A bar over the boot's steps for machines of a TiB or more (a small boot of the same profile counts the steps). */
function bootProgress(m: Machine, profile: ProfileName | KernelProfile): ReturnType<typeof progress> | null {
  if (machineRamBytes(m) < TiB) return null;
  const steps = boot(PRESETS.default!.build(), { profile }).steps.length;
  return progress(`booting ${humanSize(machineRamBytes(m))}`, steps);
}

/** When hugetlb built boot-time gigantic pages' HVO mapping, by KernelFeatures.bootVmemmap: every value named. */
const HVO_MAPPED: Readonly<Record<KernelFeatures['bootVmemmap'], string>> = {
  gather: 'once zones existed',
  early: 'before zones existed',
  deferred: 'once zones existed',
  'sparse-init': 'once zones existed',
};

/** The readable summary npm start shows. */
export function summary(s: KernelState, warnings: string[], plan?: Plan, kernel?: KernelJson): string {
  const m = s.machine;
  const out: string[] = [];
  // A boot that dies is said first.
  const death = s.panic ? null : bootDeath(s);
  if (s.panic) out.push(paint('1;31', `THE BOOT DIED after ${s.steps.at(-1)?.fn}: ${s.panic}`));
  else if (death) out.push(paint('1;31', death));
  const asked =
    kernel?.from === 'log'
      ? ` (for Linux ${kernel.asked}, the log's "Linux version" line${kernel.approximate ? ', approximately' : ''})`
      : kernel?.asked && kernel.asked !== s.profile.name
        ? ` (for Linux ${kernel.asked})`
        : '';
  out.push(`hvosim boot: ${m.name} (${m.source}), kernel profile ${s.profile.name}${asked}`);
  if (kernel?.note) out.push(paint('33', `note: ${kernel.note}.`));
  const guess = unvalidatedNote(s);
  if (guess) out.push(paint('33', `note: ${guess}.`));
  const img = s.build.imageFrom;
  if (img)
    out.push(
      `build: ${img.facts.join(', ')} from the image ${img.file}${s.build.configFrom ? '' : `; every other build fact is profile ${s.profile.name}'s`}`,
    );
  const from = s.build.configFrom;
  const learnt = s.build.factsFrom;
  const rest = `every other build fact is profile ${s.profile.name}'s`;
  if (from) {
    const facts = from.facts?.filter((f) => f !== 'config') ?? [];
    out.push(
      `build: ${kconfigText(s.build.config)} from ${from.file}` +
        `${facts.length ? `; ${facts.join(', ')} from it too` : ''}${learnt ? '' : `; ${rest}`}`,
    );
    if (from.notModelled.length)
      out.push(
        paint(
          '33',
          `note: ${from.file} sets options hvosim does not model yet (profile ${s.profile.name}'s build stands in): ${from.notModelled.join(', ')}.`,
        ),
      );
  }
  if (learnt) out.push(`build: ${learnt.facts.join(', ')} read from the log (${learnt.file}); ${rest}`);
  out.push(`command line: ${m.cmdline || '(empty)'}`);
  out.push(`other subsystems' memblock calls: ${s.others?.name ?? 'none'}`);
  for (const w of warnings) out.push(paint('33', `warning: ${w}`));

  const ps = s.arch.pageSize;
  out.push('', paint('1', 'Zones (pages of 4 KiB):'));
  const zrows = [['node', 'zone', 'range', 'spanned', 'present', 'managed']];
  for (const z of zones(s)) {
    if (!z.spanned) continue;
    zrows.push([
      String(z.node),
      z.zone,
      `[mem ${hex010(z.start * ps)}-${hex010((z.start + z.spanned) * ps - 1)}]`,
      String(z.spanned),
      String(z.present),
      String(z.managed),
    ]);
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
  if (!s.hugetlb.vmemmapOptimizeEnabled)
    out.push(
      'HVO: off (hugetlb_free_vmemmap=on turns it on; CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON is off in the modelled builds).',
    );
  else {
    const parts = [`HVO: on.`];
    if (hvo.preHvo)
      parts.push(`${hvo.preHvo} boot-time gigantic pages got their HVO mapping from hugetlb (${HVO_MAPPED[s.kernel.bootVmemmap]}).`);
    if (hvo.zoneInvalid) parts.push(`${hvo.zoneInvalid} spanned two zones and were given back.`);
    if (hvo.fallback) parts.push(`${hvo.fallback} fell back to a normal vmemmap.`);
    if (hvo.optimized) {
      const back = hvo.vmemmapPagesFreed - hvo.vmemmapPagesLeaked;
      parts.push(
        `${hvo.optimized} huge pages optimized by remapping; ${back} vmemmap pages (${humanSize(back * ps)}) given back, ` +
          `${hvo.pteTables} PTE tables allocated to split the vmemmap.`,
      );
      // The kernel's own leak (free_bootmem_page() on a page of a section it never registered), said where it happens.
      if (hvo.vmemmapPagesLeaked)
        parts.push(
          `${hvo.vmemmapPagesLeaked} more (${humanSize(hvo.vmemmapPagesLeaked * ps)}) are lost, as in this kernel: ` +
            `they back the memmap of sections hugetlb took over at boot, which free_bootmem_page() cannot free.`,
        );
    }
    out.push(parts.join(' '));
  }
  if (s.kernel.memmapCounters) out.push(`nr_memmap_boot_pages: ${s.memmap.bootPages}   nr_memmap_pages: ${s.memmap.pages}`);
  // HugePages_Total and Hugepagesize count the default size only; Hugetlb is every size.
  out.push(
    `MemTotal: ${mi.MemTotal} kB   HugePages_Total: ${mi.HugePages_Total} (default size only)   ` +
      `Hugepagesize: ${mi.Hugepagesize} kB (the default size)   Hugetlb: ${mi.Hugetlb} kB (all sizes)   ` +
      `MemFree: ~${mi.MemFree} kB (estimate)`,
  );
  // hugetlb_cma=: the areas the kernel reserved (CmaTotal counts in MemTotal: the pages are the allocator's, MIGRATE_CMA).
  if (s.cma.areas.length)
    out.push(`CMA: CmaTotal: ${mi.CmaTotal} kB   CmaFree: ${mi.CmaFree} kB (part of MemTotal); areas: ${cmaAreaTexts(s).join('; ')}`);
  out.push(...kernelWarningsText(s));
  const notes = s.dmesg.filter((l, i) => /^(HugeTLB|hugetlb_cma|cma): /.test(l) && !s.dmesgLevels.has(i));
  if (notes.length)
    out.push('', paint('1', s.cma.areas.length ? 'Kernel log (HugeTLB, CMA):' : 'Kernel log (HugeTLB):'), ...notes.map((l) => `  ${l}`));
  if (plan) out.push('', ...planText(plan));
  out.push('', `Not modelled: ${s.profile.notModelled.join('; ')}.`);
  return `${out.join('\n')}\n`;
}

export function registerBoot(program: Command): void {
  const cmd = program
    .command('boot')
    .description('boot a machine the way the kernel does and show zones, huge pages per node, HVO and /proc');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--build <file>', 'a build description (hvosim build --json): its options and facts')
    .option('--config <file>', "the kernel build's configuration (.config, /boot/config-*, /proc/config.gz): the options hvosim models")
    .option('--kernel-image <file>', "the build's bzImage (vmlinuz): its place, size, freed parts and embedded configuration")
    .option(
      '--kernel <profile>',
      `kernel profile (${PROFILE_NAMES.join(', ')}) or kernel version (7.2, 6.18.3) (default: ${DEFAULT_PROFILE.name}; ` +
        'with --from-dmesg, the profile of the log\'s own "Linux version" line)',
    )
    .option(
      '--fault <spec>',
      'inject a memblock allocation failure: nth=N, caller=FUNCTION or node=N (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--check', 'check every invariant after every step; exit 1 and list what broke')
    .option('--nr-hugepages <n>', 'after boot, write N to /proc/sys/vm/nr_hugepages (grows the default-size pool)')
    .option(
      '--json',
      'print a summary of the boot as JSON, of the same few kilobytes at any machine size (meminfo, vmstat, hugepages, zones, nodes, HVO, the plan, counts)',
    )
    .option(
      '--json-memblock <file>',
      'write every memblock call as NDJSON (one JSON object per line, as made) to FILE, or to stdout with -',
    )
    .option(
      '--json-dmesg <file>',
      'write the kernel log as NDJSON (one line per object, with the step that printed it) to FILE, or - for stdout',
    )
    .option('--json-pages <file>', 'write every huge page in a pool as NDJSON (address, size, node, zone, HVO) to FILE, or - for stdout')
    .option('--dmesg', 'print the simulated kernel log')
    .option('--memblock-log', 'print the memblock=debug lines (needs memblock=debug on the command line)')
    .option('--meminfo', 'print /proc/meminfo (the fields hvosim models)')
    .option('--zoneinfo', 'print the zone sizes of /proc/zoneinfo')
    .option('--vmstat', 'print the /proc/vmstat counters hvosim models')
    .option('--sysfs', 'print /sys/devices/system/node/node*/hugepages/*/*_hugepages')
    .option('--svg <file>', 'write the physical memory map (zones, holes, reservations by owner, huge pages) as SVG')
    .option('--vmemmap-svg <file>', 'write the vmemmap picture (PMD leaves, PTE tables, HVO-shared pages) as SVG')
    .option('--no-plan', 'skip the planner (pages asked and got, why missing, the best command line: it boots the machine again)')
    .option(
      '--plan-margin <size|N%>',
      "memory the planner's recommendation leaves free after boot (MemFree): a size (4G) or a share of MemTotal (5%); " +
        'default 2% of MemTotal, at least 256 MiB, at most 16 GiB',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim boot                                          the default machine
  $ hvosim boot --machine-preset 2s-server --dmesg
  $ hvosim boot --from-dmesg test/fixtures/linux-6.1/p02-2node-1g2-hvo.txt --memblock-log
  $ hvosim boot --qemu "-m 6G -cpu max" --cmdline "hugepagesz=1G hugepages=2" --json
  $ hvosim boot --machine-preset 64t --json --json-memblock calls.ndjson --json-pages pages.ndjson
  $ hvosim boot --cmdline "memblock=debug" --json-dmesg - | jq -r .text
  $ hvosim boot --cmdline "hugetlb_free_vmemmap=on" --nr-hugepages 300 --meminfo
  $ hvosim boot --kernel 6.15 --cmdline "hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on movablecore=2300M" --check
  $ hvosim boot --kernel hvo-v7 --fault caller=vmemmap_alloc_block_zero --check

A machine from --from-dmesg boots with the other subsystems' memblock calls
taken from that log; any other machine uses hvosim's estimate of them.`,
    )
    .action(async (o: BootCliOptions) => {
      const given = o.kernel === undefined ? undefined : parseKernel(o.kernel);
      let kernel: KernelJson = given ? { ...given, from: '--kernel' } : { ...parseKernel(DEFAULT_PROFILE.name), from: 'default' };
      // --build: a build description (hvosim build --json), on its own profile unless --kernel names another;
      // --config: the profile's build with the file's options (its other build facts stay the profile's).
      // --kernel-image: the image's facts (and its IKCONFIG unless --config), on its version's profile unless --kernel.
      const described = await readBuildOption(o);
      if (described && o.kernelImage !== undefined)
        throw new InputError('give --build or --kernel-image, not both (hvosim build --kernel-image puts the image in the file)', {
          field: '--kernel-image',
        });
      const image = await readImageOption(o);
      if (described && !given) kernel = { ...parseKernel(described.kernel), from: '--build' };
      if (image?.release && !given && resolveKernel(image.release)) kernel = { ...parseKernel(image.release), from: '--kernel-image' };
      const margin: Margin | null = o.planMargin === undefined ? DEFAULT_MARGIN : parseMargin(o.planMargin);
      if (!margin)
        throw new InputError(`"${o.planMargin}" is not a size (${SIZE_EXAMPLES}) or a share of MemTotal (2%)`, { field: '--plan-margin' });
      const faults = parseFaults(o.fault ?? []);
      // The streams, checked and opened before the boot: a path that cannot be written fails at once.
      const asked = o.json
        ? '--json'
        : (['dmesg', 'meminfo', 'zoneinfo', 'vmstat', 'sysfs', 'memblockLog', 'check'] as const)
            .filter((k) => o[k])
            .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)[0];
      oneOnStdout([
        [asked ?? '', asked !== undefined],
        ['--json-memblock -', o.jsonMemblock === '-'],
        ['--json-dmesg -', o.jsonDmesg === '-'],
        ['--json-pages -', o.jsonPages === '-'],
      ]);
      if (o.check && (o.jsonMemblock || o.jsonDmesg || o.jsonPages))
        throw new InputError('--check prints what broke, not the boot: leave out --json-memblock, --json-dmesg and --json-pages', {
          field: '--check',
        });
      let nr: number | undefined;
      if (o.nrHugepages !== undefined) {
        nr = wholeOption(o.nrHugepages, '--nr-hugepages', { what: 'a page count', min: 0, max: Number.MAX_SAFE_INTEGER });
      }
      const { machine: m, log } = await loadMachineAndLog(o);
      // A machine from a kernel log boots with that kernel's profile, unless --kernel or --build says otherwise.
      // (profileOfLog() is read only then: the boot's own bundle leaves src/conformance/ out.)
      const ofLog = log && !described && !image?.release ? (await import('../conformance/kernels.js')).profileOfLog(log.dmesg) : undefined;
      if (ofLog) kernel = bootKernelForLog(ofLog, given);
      let profile: ProfileName | KernelProfile = profileWithOwnBuild(kernel.profile, o, described, image);
      // The log's own kernel (not another one --kernel asks for): its build's facts as the log shows them, as replay takes them.
      if (log && ofLog && kernel.profile === ofLog.profile) profile = await profileWithLogBuild(profile, log);
      // A log of another build than the profile's Debian one, with no configuration given: its options are not known.
      const release = log?.dmesg.map((l) => /^Linux version (\S+)/.exec(l.text)?.[1]).find((r) => r);
      const debian = getProfile(kernel.profile)?.validatedOn?.package;
      if (release && debian && !debian.includes(release) && o.config === undefined && !described && !image)
        kernel = {
          ...kernel,
          note:
            `${kernel.note ? `${kernel.note} ` : ''}The log's kernel (${release}) is not ${debian}: its configuration options are taken ` +
            "to be that build's (ZONE_DMA, ZONE_DEVICE, HVO, ...); give --config with its .config to boot with its own",
        };
      const others = othersOfLog(log, o.cmdline);
      if (o.check) {
        // The invariants load only for --check (and the pictures only for --svg): not on every boot's path.
        const [{ checkedBoot }, { INVARIANTS }] = await Promise.all([import('../check/checked-boot.js'), import('../check/invariants.js')]);
        const r = checkedBoot(m, { profile, faults, others, nrHugepages: nr });
        const unfiredCheck = faultsNeverFired(r.state);
        for (const w of unfiredCheck) process.stderr.write(`hvosim: warning: ${w}\n`);
        // What the machine's reader and the command line's words leave out or doubt: in --json, else on stderr.
        const checkWarnings = [...m.warnings, ...cmdlineWarnings(m.cmdline)];
        if (!o.json) for (const w of checkWarnings) process.stderr.write(`hvosim: warning: ${w}\n`);
        // Why the boot dies (a panic, or a predicted out-of-memory), worked out once.
        const death = bootDeath(r.state);
        if (o.json) {
          // One violation per invariant at most: bounded, whatever the machine.
          printJson({
            format: 'hvosim-boot-check/1',
            panic: r.state.panic ?? null,
            diedAfter: r.state.panic ? (r.state.steps.at(-1)?.fn ?? null) : null,
            death: death ?? null,
            invariants: INVARIANTS.length,
            steps: r.state.steps.length,
            violations: r.violations,
            ...(unfiredCheck.length ? { faultsNeverFired: unfiredCheck } : {}),
            warnings: checkWarnings,
            kernel,
          });
          process.exitCode = r.violations.length || death ? 1 : 0;
          return;
        }
        if (kernel.note) process.stdout.write(`note: ${kernel.note}.\n`);
        if (r.state.panic) process.stdout.write(`the boot died after ${r.state.steps.at(-1)?.fn}: ${r.state.panic}\n`);
        else if (death) process.stdout.write(`${death}\n`);
        for (const v of r.violations)
          process.stdout.write(`${v.invariant}: after ${v.step}${v.atEnd ? '' : ' (healed by the end)'}: ${v.message}\n`);
        if (!r.violations.length && !death)
          process.stdout.write(`all ${INVARIANTS.length} invariants hold after every step (${r.state.steps.length} steps)\n`);
        process.exitCode = r.violations.length || death ? 1 : 0;
        return;
      }
      const streams: [NdjsonTarget | undefined, (s: KernelState) => Iterable<unknown>][] = [];
      try {
        if (o.jsonMemblock !== undefined) streams.push([openNdjson(o.jsonMemblock, '--json-memblock'), memblockRecords]);
        if (o.jsonDmesg !== undefined) streams.push([openNdjson(o.jsonDmesg, '--json-dmesg'), dmesgRecords]);
        if (o.jsonPages !== undefined) streams.push([openNdjson(o.jsonPages, '--json-pages'), pageRecords]);
      } catch (e) {
        closeNdjson(streams.map(([t]) => t));
        throw e;
      }
      const opts: BootOptions = { profile, faults, others };
      const bar = bootProgress(m, profile);
      const s = boot(m, bar ? { ...opts, afterStep: (st) => bar.update(st.steps.length) } : opts);
      bar?.stop();
      // The summary and --json say the kernel's note; the kernel's own text (--meminfo, a stream on stdout) leaves it to stderr.
      const raw = o.dmesg || o.meminfo || o.zoneinfo || o.vmstat || o.sysfs || o.memblockLog || streams.some(([t]) => t!.fd === null);
      if (kernel.note && !o.json && raw) process.stderr.write(`hvosim: note: ${kernel.note}\n`);
      // A fault that never fired changed nothing: say so (stderr, and in --json).
      const unfired = faultsNeverFired(s);
      for (const w of unfired) process.stderr.write(`hvosim: warning: ${w}\n`);
      // A boot the kernel would not survive (or that hvosim predicts runs out of memory) is a finding.
      if (bootDeath(s)) process.exitCode = 1;
      const warnings = [...m.warnings, ...cmdlineWarnings(m.cmdline), ...timingNotes(s)];
      if (nr !== undefined) {
        const r = setMaxHugePages(s, nr);
        if (!r.ok) warnings.push(`nr_hugepages=${nr}: ${r.reason}`);
        // Where a full node stops the pool depends on what the running system holds there: an estimate, and said.
        else if (r.got !== undefined && r.got < nr)
          warnings.push(
            `nr_hugepages=${nr}: the pool grew to ${r.got} pages before the nodes ran out; where it stops depends on what the ` +
              `running kernel and init hold (runtimeUseKb: ${runtimeUseOrigin(s)}), a page or two either way on the boots measured`,
          );
      }
      // The kernel's own text (--meminfo, a stream on stdout) has no room for them: stderr.
      if (raw && !o.json) for (const w of warnings) process.stderr.write(`hvosim: warning: ${w}\n`);
      if (o.svg || o.vmemmapSvg) {
        const [{ bootPicture }, { memoryMapSvg, vmemmapSvg }] = await Promise.all([
          import('../report/picture.js'),
          import('../report/svg.js'),
        ]);
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
      for (const [t, records] of streams) await writeNdjson(t!, records(s));
      // A stream on stdout is all stdout carries; the boot's death is still said, on stderr.
      if (streams.some(([t]) => t!.fd === null)) {
        if (s.panic) process.stderr.write(`hvosim: the boot died after ${s.steps.at(-1)?.fn}: ${s.panic}\n`);
        else if (bootDeath(s)) process.stderr.write(`hvosim: ${bootDeath(s)}\n`);
        return;
      }
      const plan = o.plan && nr === undefined ? planOfBoot(s, m, opts, margin) : undefined;
      if (o.json) return printJson({ ...bootJson(s, warnings, plan), kernel, ...(unfired.length ? { faultsNeverFired: unfired } : {}) });
      const lines = (x: string[]) => void process.stdout.write(`${x.join('\n')}\n`);
      if (o.dmesg) return lines(s.dmesg);
      if (o.meminfo) return lines(meminfoText(s));
      if (o.zoneinfo) return lines(zoneinfoText(s));
      if (o.vmstat) return lines(vmstatText(s));
      if (o.sysfs) return lines(sysfsHugepagesText(s));
      if (o.memblockLog) {
        if (!s.memblock.debug)
          throw new InputError('the command line has no memblock=debug, so the kernel would print no memblock lines', {
            field: '--memblock-log',
          });
        return lines(s.memblock.calls.filter((c) => c.printed).map(memblockDbgLine));
      }
      process.stdout.write(summary(s, warnings, plan, kernel));
    });
}
