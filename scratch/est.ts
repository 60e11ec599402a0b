import { readFileSync } from 'node:fs';
import { parseKernelLog } from '../src/trace/log.js';
import { machineFromLog } from '../src/machine/from-log.js';
import { boot } from '../src/kernel/boot.js';
import { estimatedOthers } from '../src/kernel/others.js';
import { loggedCalls, OUR_CALLERS, isPrimary } from '../src/trace/foreign.js';
import { memblockDbgLine } from '../src/kernel/memblock.js';
import { parseHugepages, parseMeminfo } from '../src/trace/proc.js';
import { hugepagesByNode, meminfoObject } from '../src/report/proc.js';
let hpOk = 0, n = 0, callsOk = 0, callsTot = 0, foreignOk = 0, foreignTot = 0, mt = 0;
for (const f of process.argv.slice(2)) {
  const log = parseKernelLog(readFileSync(f, 'utf8'), f);
  const s = boot(machineFromLog(log), { profile: '6.1', others: estimatedOthers });
  n++;
  const hp = parseHugepages(log.sections.get('HUGEPAGES') ?? []);
  const o = hugepagesByNode(s);
  const norm = (h: any) => JSON.stringify(Object.keys(h).sort().map(k => [k, Object.entries(h[k]).sort()]));
  if (norm(hp) === norm(o)) hpOk++; else console.log(f, norm(hp), norm(o));
  const kern = loggedCalls(log).filter(c => c.ours).map(c => memblockDbgLine({ ...c.call, printed: true }) + ' ' + c.result);
  const ours = s.memblock.calls.filter(c => c.printed && isPrimary(c) && OUR_CALLERS.has(c.caller)).map(c => memblockDbgLine(c) + ' ' + (c.result ?? 0));
  for (let i = 0; i < kern.length; i++) { callsTot++; if (kern[i] === ours[i]) callsOk++; }
  const kf = loggedCalls(log).filter(c => !c.ours).map(c => memblockDbgLine({ ...c.call, printed: true }) + ' ' + c.result);
  const of = s.memblock.calls.filter(c => c.printed && isPrimary(c) && !OUR_CALLERS.has(c.caller)).map(c => memblockDbgLine(c) + ' ' + (c.result ?? 0));
  const ofs = new Set(of);
  for (const k of kf) { foreignTot++; if (ofs.has(k)) foreignOk++; }
  const km = parseMeminfo(log.sections.get('MEMINFO') ?? []).get('MemTotal')!;
  console.log(f.split('/').pop(), 'MemTotal diff kB', km - meminfoObject(s).MemTotal!);
}
console.log({ n, hpOk, callsOk, callsTot, foreignOk, foreignTot });
