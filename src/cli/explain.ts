// hvosim explain: from a PFN to its struct page, through the simulated vmemmap page tables.
import type { Command } from 'commander';
import { boot } from '../kernel/boot.js';
import { estimatedOthers } from '../kernel/others.js';
import { compoundHead, folioOf, structPageAddress, structPageAt, zoneSpanning } from '../kernel/page.js';
import { nidOfPhys } from '../kernel/page-alloc.js';
import { PMD_ENTRY_SPAN, PMD_TABLE_SPAN, PTE_SPAN, PUD_TABLE_SPAN, pteLookup } from '../kernel/pgtable.js';
import type { KernelState } from '../kernel/state.js';
import { InputError } from '../util/errors.js';
import { hex, hex018 } from '../util/format.js';
import { parseProfile } from './boot.js';
import { loadMachineAndLog, type MachineOptions } from './input.js';
import { machineOptions } from './machine.js';
import { printJson } from './output.js';

/** Most folio heads explain --json lists for a shared vmemmap page. */
const EXPLAIN_FOLIOS = 64;

type ExplainCliOptions = MachineOptions & { kernel: string; pfn?: string; phys?: string; json?: boolean };

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
  return {
    pfn,
    phys: pfn * s.arch.pageSize,
    vmemmapAddress: '0x' + structPageAddress(s, pfn).toString(16),
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
              ? { kind: 'tail' as const, mappedByPtes: sharers, folios: [...folios].sort((a, b) => a - b), zone: `${stored.nid}:${zoneNames[stored.zoneIdx]}`, order: stored.order }
              : { kind: 'head' as const, mappedByPtes: sharers, folios: [...folios].sort((a, b) => a - b), basePfn: stored.basePfn },
          initialized: page.initialized,
          head: page.head,
          compoundInfo: page.compoundInfo,
        }
      : null,
    compoundHead: compoundHead(s, pfn),
    pageZonenum: page ? zoneNames[page.zoneIdx] : null,
    pageToNid: page ? page.nid : null,
    really: { zone: zone ? zoneNames[zone.idx] : null, nid: nidOfPhys(s, pfn * s.arch.pageSize) },
  };
}

export function registerExplain(program: Command): void {
  const cmd = program.command('explain').description("walk from a PFN to its struct page: vmemmap address, page-table levels, the physical page, sharing, compound_head()");
  machineOptions(cmd, (f, d) => program.createOption(f, d))
    .option('--kernel <profile>', 'kernel profile', 'hvo-v7')
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
      const profile = parseProfile(o.kernel);
      if ((o.pfn === undefined) === (o.phys === undefined)) throw new InputError('give exactly one of --pfn and --phys');
      const { machine } = await loadMachineAndLog(o);
      const s = boot(machine, { profile, others: estimatedOthers });
      const pfn = o.pfn !== undefined ? parseNumber(o.pfn, '--pfn') : Math.floor(parseNumber(o.phys!, '--phys') / s.arch.pageSize);
      if (pfn >= s.maxPfn) throw new InputError(`pfn ${hex(pfn)} is beyond the end of memory (max_pfn ${hex(s.maxPfn)})`, { field: o.pfn !== undefined ? '--pfn' : '--phys' });
      const e = explainPfn(s, pfn);
      if (o.json) {
        // A zone's shared tail page serves every gigantic page of the zone (65,000 on a 64 TiB machine): the first folios, and how many.
        const sh = e.structPage?.shared;
        const bounded = sh ? { ...e, structPage: { ...e.structPage!, shared: { ...sh, folios: sh.folios.slice(0, EXPLAIN_FOLIOS), folioCount: sh.folios.length } } } : e;
        return printJson(bounded);
      }
      const out: string[] = [`pfn ${hex(pfn)} (physical ${hex018(e.phys)}), kernel ${profile}, ${machine.name}`];
      out.push(`  struct page at ${e.vmemmapAddress} (vmemmap + ${hex(pfn * s.arch.structPageSize)})`);
      const l = e.levels;
      out.push(`  PUD table: ${l.pud ? hex(l.pud.table) : 'none'}`);
      out.push(`  PMD table: ${l.pmd ? `${hex(l.pmd.table)}, entry ${l.pmd.entry}` : 'none'}`);
      if (l.pmdLeaf) out.push(`  PMD entry: a 2 MiB leaf onto ${hex(l.pmdLeaf.block)}`);
      else if (l.pte) out.push(`  PMD entry: PTE table ${hex(l.pte.table)}; PTE ${l.pte.index} ${l.pte.maps ? `maps ${hex(l.pte.maps.page)} ${l.pte.maps.readOnly ? 'read-only' : 'writable'}` : 'is none'}`);
      else out.push('  PMD entry: none (the struct page is not mapped)');
      const p = e.structPage;
      if (!p) out.push('  struct page: not reachable');
      else {
        out.push(`  struct page: physical page ${hex(p.physPage)}, slot ${p.slot}${p.initialized ? '' : ' (never written)'}`);
        const whom = (f: number[]) => `${f.length} folio${f.length === 1 ? '' : 's'} (heads ${f.slice(0, 8).map(hex).join(', ')}${f.length > 8 ? ', ...' : ''})`;
        if (p.shared?.kind === 'tail') out.push(`  shared: the shared tail page of zone ${p.shared.zone} for order ${p.shared.order}, mapped by ${p.shared.mappedByPtes} PTEs of ${whom(p.shared.folios)}`);
        if (p.shared?.kind === 'head') out.push(`  shared: the head vmemmap page of pfn ${hex(p.shared.basePfn)}, mapped by ${p.shared.mappedByPtes} PTEs of ${whom(p.shared.folios)}`);
        const info = p.compoundInfo;
        out.push(`  flags: ${p.head ? 'PG_head, ' : ''}node ${e.pageToNid}, zone ${e.pageZonenum}; compound_info: ${info.kind === 'none' ? 'none (not a tail)' : info.kind === 'ptr' ? `head pointer to pfn ${hex(info.headPfn)} | 1` : `mask of ${64 - info.shift} high bits | 1`}`);
      }
      out.push(`  compound_head() = pfn ${e.compoundHead === null ? '(unmapped)' : hex(e.compoundHead)}; page_zonenum() = ${e.pageZonenum}; page_to_nid() = ${e.pageToNid}`);
      out.push(`  the PFN really lies in zone ${e.really.zone} of node ${e.really.nid}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
