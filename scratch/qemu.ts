import { readFileSync } from 'node:fs';
import { parseKernelLog } from '../src/trace/log.js';
import { machineFromLog } from '../src/machine/from-log.js';
import { q35Machine } from '../src/machine/qemu.js';
import { boot } from '../src/kernel/boot.js';
import { estimatedOthers } from '../src/kernel/others.js';
import { hugepagesByNode, meminfoObject } from '../src/report/proc.js';
import { parseHugepages, parseMeminfo } from '../src/trace/proc.js';
import { loggedCalls, OUR_CALLERS, isPrimary } from '../src/trace/foreign.js';
import { memblockDbgLine } from '../src/kernel/memblock.js';
const norm = (h: any) => JSON.stringify(Object.keys(h).sort().map(k => [k, Object.entries(h[k]).sort()]));
let n = 0, hp = 0, calls = 0, callsOk = 0; const diffs: number[] = [];
for (const f of process.argv.slice(2)) {
  const log = parseKernelLog(readFileSync(f, 'utf8'), f);
  const lm = machineFromLog(log);
  const sizes = lm.nodes.map(nd => nd.ranges.reduce((a, r) => a + r.end - r.start, 0));
  // SRAT ranges include holes for node 0; use the q35 split rules via total sizes from the SRAT, as a user would type -m and -numa.
  const m = q35Machine({ nodeSizes: sizes.map((x, i) => i === 0 ? x - (lm.nodes[0]!.ranges.length > 1 ? 0 : 0) : x), numa: lm.nodes.length > 1, cpuFeatures: ['pdpe1gb'], cmdline: log.cmdline! }, 'qemu');
  const s = boot(m, { profile: '6.1', others: estimatedOthers });
  n++;
  if (norm(hugepagesByNode(s)) === norm(parseHugepages(log.sections.get('HUGEPAGES') ?? []))) hp++; else console.log('HP', f, norm(hugepagesByNode(s)), norm(parseHugepages(log.sections.get('HUGEPAGES') ?? [])));
  const kernel = loggedCalls(log).filter(c => c.ours).map(c => `${memblockDbgLine({ ...c.call, printed: true })} -> ${c.result}`);
  const ours = s.memblock.calls.filter(c => c.printed && isPrimary(c) && OUR_CALLERS.has(c.caller)).map(c => `${memblockDbgLine(c)} -> ${c.result ?? 0}`);
  const os = new Set(ours); for (const k of kernel) { calls++; if (os.has(k)) callsOk++; }
  diffs.push(parseMeminfo(log.sections.get('MEMINFO') ?? []).get('MemTotal')! - meminfoObject(s).MemTotal!);
}
console.log({ n, hp, calls, callsOk, memTotalDiffKb: diffs.join(' ') });
