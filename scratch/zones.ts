import { readFileSync } from 'node:fs';
import { parseKernelLog } from '../src/trace/log.js';
import { machineFromLog } from '../src/machine/from-log.js';
import { boot } from '../src/kernel/boot.js';
import { parseZoneinfo } from '../src/trace/proc.js';
const files = process.argv.slice(2);
let ok = 0, bad = 0;
for (const f of files) {
  const log = parseKernelLog(readFileSync(f, 'utf8'), f);
  const s = boot(machineFromLog(log), { profile: '6.1' });
  const kBlock = log.dmesg.map(l => l.text);
  const i = kBlock.indexOf('Zone ranges:');
  const j = kBlock.findIndex((t, k) => k > i && t.startsWith('Initmem setup node'));
  const kernel = kBlock.slice(i, j).join('\n');
  const oi = s.dmesg.indexOf('Zone ranges:');
  const oj = s.dmesg.findIndex((t, k) => k > oi && t.startsWith('Initmem setup node'));
  const ours = s.dmesg.slice(oi, oj).join('\n');
  const zi = parseZoneinfo(log.sections.get('ZONEINFO') ?? []);
  const zdiff = [];
  for (const z of zi) {
    const o = s.zones!.zones.find(x => x.nid === z.node && x.name === z.zone);
    if (!o || o.spanned !== z.spanned || o.present !== z.present) zdiff.push(`${z.node}/${z.zone} k=${z.spanned}/${z.present} o=${o?.spanned}/${o?.present}`);
  }
  const un = (arr: string[]) => arr.filter(t => /unavailable ranges|Initmem/.test(t)).join('|');
  const unOk = un(kBlock) === un(s.dmesg);
  if (kernel === ours && !zdiff.length && unOk) ok++; else { bad++; console.log(f, kernel === ours ? '' : '\nK:\n' + kernel + '\nO:\n' + ours, zdiff, unOk ? '' : '\n' + un(kBlock) + '\n' + un(s.dmesg)); }
}
console.log({ ok, bad });
