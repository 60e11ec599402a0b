// hvosim explain: from a PFN to its struct page, through the simulated vmemmap page tables.
import type { Command } from 'commander';
import {
  boot,
  compoundHead,
  DEFAULT_PROFILE,
  folioOf,
  nidOfPhys,
  PMD_ENTRY_SPAN,
  PMD_TABLE_SPAN,
  PTE_SPAN,
  pteLookup,
  PUD_TABLE_SPAN,
  structPageAddress,
  structPageAt,
  zoneSpanning,
  type KernelProfile,
  type KernelState,
  type ProfileName,
} from '../simulator.js';
import { InputError } from '../util/errors.js';
import { hex, hex018 } from '../util/format.js';
import { humanSize } from '../util/units.js';
import { bootKernelForLog, parseKernel, type KernelJson } from './boot.js';
import { profileWithLogBuild } from './build-options.js';
import { othersOfLog } from '../trace/foreign.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { printJson } from './output.js';
import { pageOwner, type PageOwner } from '../report/pfn-owner.js';

/** Most folio heads explain --json lists for a shared vmemmap page. */
const EXPLAIN_FOLIOS = 64;

type ExplainCliOptions = MachineOptions & { kernel?: string; pfn?: string; phys?: string; json?: boolean };

function parseNumber(v: string, field: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(v)) throw new InputError(`"${v}" is not a number (decimal or 0x hex)`, { field });
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InputError(`"${v}" is too large`, { field });
  return n;
}

/** The walk from a PFN to its struct page, as plain data. */
export function explainPfn(s: KernelState, pfn: number) {
  const sp = s.arch.structPageSize;
  const off = pfn * sp;
  const pt = s.vmemmap;
  const entry = Math.floor(off / PMD_ENTRY_SPAN);
  const pud = pt.pud.get(Math.floor(off / PUD_TABLE_SPAN));
  const pmd = pt.pmd.get(Math.floor(off / PMD_TABLE_SPAN));
  const leaf = pt.pmdLeaf.get(entry);
  const table = pt.pte.get(entry);
  const pteIdx = Math.floor((off % PMD_ENTRY_SPAN) / PTE_SPAN);
  const pte = table ? pteLookup(table, pteIdx) : null;
  const page = structPageAt(s, pfn);
  const stored = page ? pt.stored.get(page.phys) : undefined;
  // Who else maps the page: PTEs, and the folios their struct pages belong to.
  let sharers = 0;
  const folios = new Set<number>();
  if (stored) {
    for (const [entry, t] of pt.pte) {
      for (const r of t.runs) {
        if (r.phys !== page!.phys) continue;
        sharers += r.stride ? 1 : r.count;
        const f = folioOf(s, (entry * PMD_ENTRY_SPAN + r.from * PTE_SPAN) / sp);
        if (f) folios.add(f.pfn);
      }
    }
  }
  const zone = zoneSpanning(s, pfn);
  const zoneNames = s.zones?.names ?? [];
  const nid = nidOfPhys(s, pfn * s.arch.pageSize);
  return {
    pfn,
    phys: pfn * s.arch.pageSize,
    vmemmapAddress: `0x${structPageAddress(s, pfn).toString(16)}`,
    levels: {
      pud: pud === undefined ? null : { table: pud },
      pmd: pmd === undefined ? null : { table: pmd, entry: entry % 512 },
      pmdLeaf: leaf === undefined ? null : { block: leaf },
      pte: table ? { table: table.page, index: pteIdx, maps: pte ? { page: pte.phys, readOnly: pte.readOnly } : null } : null,
    },
    structPage: page
      ? {
          physPage: page.phys,
          slot: page.slot,
          shared: !stored
            ? null
            : stored.kind === 'tail'
              ? {
                  kind: 'tail' as const,
                  mappedByPtes: sharers,
                  folios: [...folios].sort((a, b) => a - b),
                  zone: `${stored.nid}:${zoneNames[stored.zoneIdx]}`,
                  order: stored.order,
                }
              : { kind: 'head' as const, mappedByPtes: sharers, folios: [...folios].sort((a, b) => a - b), basePfn: stored.basePfn },
          initialized: page.initialized,
          unavailable: !!page.unavailable,
          head: page.head,
          compoundInfo: page.compoundInfo,
        }
      : null,
    // What an unwritten struct page reads is whatever the memory held: no answer.
    compoundHead: page?.initialized ? compoundHead(s, pfn) : null,
    pageZonenum: page?.initialized ? zoneNames[page.zoneIdx] : null,
    pageToNid: page?.initialized ? page.nid : null,
    owner: pageOwner(s, pfn),
    really: { zone: zone ? zoneNames[zone.idx] : null, nid: nid < 0 ? null : nid },
    hole: nid < 0 ? holeAround(s, pfn * s.arch.pageSize) : null,
  };
}

/** A physical address with no memory: the memory below and above it, and what the firmware map says is there. */
export function holeAround(s: KernelState, phys: number) {
  const regs = s.memblock.memory.regions;
  let below: (typeof regs)[number] | undefined;
  let above: (typeof regs)[number] | undefined;
  for (const r of regs) {
    if (r.base + r.size <= phys) below = r;
    else if (r.base > phys && !above) above = r;
  }
  const range = (r: (typeof regs)[number] | undefined) => (r ? { start: r.base, end: r.base + r.size, nid: r.nid } : null);
  const e = s.e820.find((x) => x.start <= phys && phys < x.end);
  // The hole itself: from the end of the memory below to the start of the memory above.
  return {
    start: below ? below.base + below.size : 0,
    end: above ? above.base : null,
    below: range(below),
    above: range(above),
    e820: e ? { type: e.type, start: e.start, end: e.end } : null,
  };
}

/** Who holds the page, as the explanation's lines: memory and node, each reservation with its call, the pool page, or free. */
export function ownerText(o: PageOwner, hole: boolean, hvoFreed: boolean): string[] {
  const out: string[] = [];
  const fw = o.e820 ? `firmware map: ${o.e820.type} [mem ${hex018(o.e820.start)}-${hex018(o.e820.end - 1)}]` : 'not in the firmware map';
  if (!hole) out.push(`  memory: node ${o.nid}; ${fw}`);
  for (const r of o.reserved) {
    const by = r.caller
      ? `by ${r.caller} (${r.fn}, memblock call ${r.call}, in ${r.step ?? 'no step'})`
      : 'by no recorded memblock call (reserved before the call log begins)';
    out.push(`  reserved [mem ${hex018(r.start)}-${hex018(r.end - 1)}] ${by}: ${r.owner}`);
  }
  if (o.hugePage)
    out.push(
      `  huge page: part of the ${humanSize(2 ** o.hugePage.order * 4096)} page at pfn ${hex(o.hugePage.pfn)} on node ${o.hugePage.nid}` +
        `${o.hugePage.gathered ? ', in the hugetlb pool' : ', taken by hugetlb but never put in the pool (the boot died first)'}`,
    );
  if (o.kernelImage)
    out.push(
      '  kernel image: the page lies in the kernel image (its init parts are freed at the end of boot; hvosim counts them, not where they lie)',
    );
  if (o.nodeData !== null) out.push(`  node data: the page holds NODE_DATA(${o.nodeData}), node ${o.nodeData}'s pg_data_t`);
  if (o.vmemmap) out.push(`  vmemmap: this page is a ${o.vmemmap} of the vmemmap`);
  const memmap = !o.vmemmap && o.reserved.some((r) => r.owner === 'memmap');
  if (memmap)
    out.push(
      `  vmemmap: no longer mapped by the vmemmap${o.freedLate && hvoFreed ? '; HVO gave it to the page allocator when it remapped the vmemmap' : ''}`,
    );
  if (o.freedLate && !(memmap && hvoFreed)) out.push('  freed: given to the page allocator at the end of boot (free_reserved_area())');
  if (o.freeBytes && !o.hugePage)
    out.push(
      o.reserved.length
        ? `  free: ${humanSize(o.freeBytes)} of the page is not reserved (memblock_free_all() gave it to the buddy allocator)`
        : '  free: not reserved in memblock; memblock_free_all() gave it to the buddy allocator',
    );
  return out;
}

export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description('walk from a PFN to its struct page: vmemmap address, page-table levels, the physical page, sharing, compound_head()');
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option(
      '--kernel <profile>',
      `kernel profile or kernel version (7.2) (default: ${DEFAULT_PROFILE.name}; with --from-dmesg, the profile of the log's own "Linux version" line)`,
    )
    .option('--pfn <n>', 'the page frame number (decimal or 0x hex)')
    .option('--phys <addr>', 'a physical address (its page is explained)')
    .option('--json', 'print the walk as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim explain --pfn 0x140040                        a tail of the default machine's first 1 GiB page
  $ hvosim explain --kernel 6.15 --phys 0x180000000
  $ hvosim explain --kernel 6.1 --pfn 0x140001 --json`,
    )
    .action(async (o: ExplainCliOptions) => {
      const given = o.kernel === undefined ? undefined : parseKernel(o.kernel);
      let kernel: KernelJson = given ? { ...given, from: '--kernel' } : { ...parseKernel(DEFAULT_PROFILE.name), from: 'default' };
      if ((o.pfn === undefined) === (o.phys === undefined)) throw new InputError('give exactly one of --pfn and --phys');
      const { machine, log } = await loadMachineAndLog(o);
      // A machine from a kernel log is explained as boot --from-dmesg boots it: the log's kernel (unless --kernel names
      // another), the build's facts and the other subsystems' calls the log shows.
      let profile: ProfileName | KernelProfile = kernel.profile;
      if (log) {
        const ofLog = (await import('../conformance/kernels.js')).profileOfLog(log.dmesg);
        kernel = bootKernelForLog(ofLog, given);
        profile = kernel.profile === ofLog.profile ? await profileWithLogBuild(kernel.profile, log) : kernel.profile;
      }
      const s = boot(machine, { profile, others: othersOfLog(log, o.cmdline) });
      const pfn = o.pfn !== undefined ? parseNumber(o.pfn, '--pfn') : Math.floor(parseNumber(o.phys!, '--phys') / s.arch.pageSize);
      if (pfn >= s.maxPfn)
        throw new InputError(`pfn ${hex(pfn)} is beyond the end of memory (max_pfn ${hex(s.maxPfn)})`, {
          field: o.pfn !== undefined ? '--pfn' : '--phys',
        });
      const e = explainPfn(s, pfn);
      if (o.json) {
        // A zone's shared tail page serves every gigantic page of the zone (65,000 on a 64 TiB machine): the first folios, and how many.
        const sh = e.structPage?.shared;
        const bounded = sh
          ? {
              ...e,
              structPage: { ...e.structPage!, shared: { ...sh, folios: sh.folios.slice(0, EXPLAIN_FOLIOS), folioCount: sh.folios.length } },
            }
          : e;
        return printJson({ ...bounded, panic: s.panic, kernel });
      }
      const out: string[] = [`pfn ${hex(pfn)} (physical ${hex018(e.phys)}), kernel ${kernel.profile}, ${machine.name}`];
      if (kernel.note) out.push(`note: ${kernel.note}.`);
      if (s.panic) out.push(`note: the boot died after ${s.steps.at(-1)?.fn} (${s.panic}): this is the memory as it stood then.`);
      if (e.hole) {
        // Said first: there is no memory here, so there is no page to explain.
        const h = e.hole;
        const mem = (r: { start: number; end: number; nid: number } | null) =>
          r ? `[mem ${hex018(r.start)}-${hex018(r.end - 1)}] on node ${r.nid}` : 'none';
        out.push(
          `  a hole: no memory at this address (` +
            `${
              h.e820
                ? `the firmware map has "${h.e820.type}" [mem ${hex018(h.e820.start)}-${hex018(h.e820.end - 1)}] here` +
                  `${h.e820.type === 'usable' ? ', but memblock holds no whole page of it' : ''}`
                : 'the firmware map does not list it'
            }` +
            `); the hole runs from ${hex018(h.start)} to ${h.end === null ? 'the end of memory' : hex018(h.end - 1)}`,
        );
        out.push(`  memory below it: ${mem(h.below)}`);
        out.push(`  memory above it: ${mem(h.above)}`);
      }
      out.push(...ownerText(e.owner, !!e.hole, s.hvo.vmemmapPagesFreed > 0));
      out.push(`  struct page at ${e.vmemmapAddress} (vmemmap + ${hex(pfn * s.arch.structPageSize)})`);
      const l = e.levels;
      out.push(`  PUD table: ${l.pud ? hex(l.pud.table) : 'none'}`);
      out.push(`  PMD table: ${l.pmd ? `${hex(l.pmd.table)}, entry ${l.pmd.entry}` : 'none'}`);
      if (l.pmdLeaf) out.push(`  PMD entry: a 2 MiB leaf onto ${hex(l.pmdLeaf.block)}`);
      else if (l.pte)
        out.push(
          `  PMD entry: PTE table ${hex(l.pte.table)}; PTE ${l.pte.index} ` +
            `${l.pte.maps ? `maps ${hex(l.pte.maps.page)} ${l.pte.maps.readOnly ? 'read-only' : 'writable'}` : 'is none'}`,
        );
      else out.push('  PMD entry: none (the struct page is not mapped)');
      const p = e.structPage;
      if (!p) out.push('  struct page: not reachable');
      else if (!p.initialized)
        out.push(
          `  struct page: physical page ${hex(p.physPage)}, slot ${p.slot}, never written: ` +
            'its flags and compound_info are whatever that memory held, so compound_head(), page_zonenum() and page_to_nid() read nothing meaningful',
        );
      else {
        const how = p.unavailable ? ', written by memmap_init() for a hole (init_unavailable_range(): PG_reserved)' : '';
        out.push(`  struct page: physical page ${hex(p.physPage)}, slot ${p.slot}${how}`);
        const whom = (f: number[]) =>
          `${f.length} folio${f.length === 1 ? '' : 's'} (heads ${f.slice(0, 8).map(hex).join(', ')}${f.length > 8 ? ', ...' : ''})`;
        if (p.shared?.kind === 'tail')
          out.push(
            `  shared: the shared tail page of zone ${p.shared.zone} for order ${p.shared.order}, ` +
              `mapped by ${p.shared.mappedByPtes} PTEs of ${whom(p.shared.folios)}`,
          );
        if (p.shared?.kind === 'head')
          out.push(
            `  shared: the head vmemmap page of pfn ${hex(p.shared.basePfn)}, mapped by ${p.shared.mappedByPtes} PTEs of ${whom(p.shared.folios)}`,
          );
        const info = p.compoundInfo;
        out.push(
          `  flags: ${p.head ? 'PG_head, ' : ''}node ${e.pageToNid}, zone ${e.pageZonenum}; compound_info: ` +
            `${
              info.kind === 'none'
                ? 'none (not a tail)'
                : info.kind === 'ptr'
                  ? `head pointer to pfn ${hex(info.headPfn)} | 1`
                  : `mask of ${64 - info.shift} high bits | 1`
            }`,
        );
      }
      if (p?.initialized)
        out.push(
          `  compound_head() = pfn ${e.compoundHead === null ? '(unmapped)' : hex(e.compoundHead)}; ` +
            `page_zonenum() = ${e.pageZonenum}; page_to_nid() = ${e.pageToNid}`,
        );
      else if (!p) out.push('  compound_head(), page_zonenum(), page_to_nid(): no struct page to read');
      if (e.hole)
        out.push(
          `  the PFN is in no node${e.really.zone ? `; zone ${e.really.zone} spans the hole but has no memory there` : ''}` +
            `${p?.unavailable ? `; memmap_init() gave its struct page the zone and node of the memory after the hole` : ''}`,
        );
      else out.push(`  the PFN really lies in ${e.really.zone ? `zone ${e.really.zone}` : 'no zone'} of node ${e.really.nid}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
