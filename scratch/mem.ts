import { readFileSync } from 'node:fs';
import { parseKernelLog } from '../src/trace/log.js';
import { machineFromLog } from '../src/machine/from-log.js';
import { boot } from '../src/kernel/boot.js';
import { replayedOthers } from '../src/trace/foreign.js';
import { parseMeminfo, parseZoneinfo } from '../src/trace/proc.js';
for (const f of process.argv.slice(2)) {
  const log = parseKernelLog(readFileSync(f, 'utf8'), f);
  const grow = [...log.sections.keys()].find(k => k.startsWith('MEMINFO_AFTER_NR2M='));
  const n = grow ? +grow.split('=')[1]! : undefined;
  const s0 = boot(machineFromLog(log), { profile: '6.1', others: replayedOthers(log) });
  const total0 = s0.zones!.zones.reduce((a, z) => a + z.managed, 0) * 4;
  const mi = parseMeminfo(log.sections.get('MEMINFO') ?? []);
  const zi = parseZoneinfo(log.sections.get('ZONEINFO') ?? []);
  const kz = zi.map(z => z.managed).join(',');
  const oz = zi.map(z => s0.zones!.zones.find(x => x.nid === z.node && x.name === z.zone)?.managed).join(',');
  let g = '';
  if (n !== undefined) {
    const s1 = boot(machineFromLog(log), { profile: '6.1', others: replayedOthers(log), nrHugepages: n });
    const mi1 = parseMeminfo(log.sections.get(grow!) ?? []);
    g = ` grow: kernel ${mi1.get('MemTotal')! - mi.get('MemTotal')!} ours ${(s1.zones!.zones.reduce((a, z) => a + z.managed, 0) * 4) - total0}`;
  }
  console.log(f.split('/').pop(), 'MemTotal k', mi.get('MemTotal'), 'o', total0, 'diff', mi.get('MemTotal')! - total0, 'hvo', s0.hvo, g);
  console.log('   k', kz, '\n   o', oz);
}
