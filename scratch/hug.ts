import { readFileSync } from 'node:fs';
import { parseKernelLog } from '../src/trace/log.js';
import { machineFromLog } from '../src/machine/from-log.js';
import { boot } from '../src/kernel/boot.js';
import { loggedCalls, replayedOthers, OUR_CALLERS, isPrimary } from '../src/trace/foreign.js';
import { memblockDbgLine } from '../src/kernel/memblock.js';
import { parseHugepages, parseMeminfo } from '../src/trace/proc.js';
import { hstateName } from '../src/kernel/hugetlb.js';
let tot = 0, okc = 0;
for (const f of process.argv.slice(2)) {
  const log = parseKernelLog(readFileSync(f, 'utf8'), f);
  const others = replayedOthers(log);
  const s = boot(machineFromLog(log), { profile: '6.1', others });
  const kern = loggedCalls(log).filter(c => c.ours).map(c => memblockDbgLine({ ...c.call, printed: true }) + ' -> ' + c.result.toString(16));
  const ours = s.memblock.calls.filter(c => c.printed && isPrimary(c) && OUR_CALLERS.has(c.caller)).map(c => memblockDbgLine(c) + ' -> ' + (c.result ?? 0).toString(16));
  let bad = 0;
  for (let i = 0; i < Math.max(kern.length, ours.length); i++) if (kern[i] !== ours[i]) { if (bad++ < 3) console.log(f, i, '\n K', kern[i], '\n O', ours[i]); }
  tot++; if (!bad) okc++;
  const kh = log.dmesg.map(l => l.text).filter(t => t.startsWith('HugeTLB')).join('\n');
  const oh = s.dmesg.filter(t => t.startsWith('HugeTLB')).join('\n');
  if (kh !== oh) console.log(f, 'HUGETLB\n' + kh + '\n--\n' + oh);
  const hp = parseHugepages(log.sections.get('HUGEPAGES') ?? []);
  const ohp: Record<string, Record<string, number>> = {};
  for (const nid of s.zones!.nodeSpan.keys()) for (const h of s.hugetlb.hstates) (ohp[`node${nid}`] ??= {})[hstateName(s, h).replace('hugepages-', '')] = h.nrHugePagesNode.get(nid) ?? 0;
  if (JSON.stringify(hp) !== JSON.stringify(ohp)) console.log(f, 'HP', JSON.stringify(hp), JSON.stringify(ohp));
  console.log(f.split('/').pop(), 'pending', others.pending(), 'calls', kern.length, ours.length, bad);
}
console.log(okc, '/', tot);
