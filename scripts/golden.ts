// Golden outputs: boots generated machines (and every recorded real log) with each
// kernel profile and prints one hash per boot over everything a user can see and
// the state the reports read. Run before and after a refactor and diff the two:
//   tsx scripts/golden.ts [cases] > before.txt; ...; tsx scripts/golden.ts [cases] > after.txt; diff before.txt after.txt
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../src/check/campaign.js';
import { boot, PROFILE_NAMES } from '../src/simulator.js';
import { estimatedOthers } from '../src/kernel/others.js';
import { PteTables } from '../src/kernel/pgtable-storage.js';
import { parseQemuArgs } from '../src/machine/qemu.js';
import { meminfoText, vmstatText, zoneinfoText, sysfsHugepagesText } from '../src/report/proc.js';
import { parseKernelLog } from '../src/trace/log.js';
import { replayFixture } from '../src/trace/observe.js';

/** Every profile, or those GOLDEN_PROFILES names (comma-separated). */
const PROFILES = process.env.GOLDEN_PROFILES?.split(',') ?? PROFILE_NAMES;

/** A stable serialisation of plain data, Maps, Sets and typed arrays; functions are left out. */
function stable(x: unknown, seen = new Set<unknown>()): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'number') return Number.isFinite(x) ? String(x) : `#${x}`;
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (typeof x === 'function') return 'fn';
  if (seen.has(x)) return '<cycle>';
  seen.add(x);
  let out: string;
  if (ArrayBuffer.isView(x)) out = `[${Array.from(x as unknown as ArrayLike<number>).join(',')}]`;
  else if (Array.isArray(x)) out = `[${x.map((v) => stable(v, seen)).join(',')}]`;
  else if (x instanceof Map) out = `M{${[...x.entries()].map(([k, v]) => `${stable(k, seen)}:${stable(v, seen)}`).join(',')}}`;
  else if (x instanceof Set) out = `S{${[...x].map((v) => stable(v, seen)).join(',')}}`;
  else
    out = `{${Object.keys(x as object)
      // PteTables' record of which runs arrays a table holds alone is storage bookkeeping, not state.
      .filter((k) => !(k === 'owned' && x instanceof PteTables))
      .sort()
      .map((k) => `${k}:${stable((x as Record<string, unknown>)[k], seen)}`)
      .join(',')}}`;
  seen.delete(x);
  return out;
}

function hashBoot(s: ReturnType<typeof boot>): string {
  const h = createHash('sha256');
  h.update(s.dmesg.join('\n'));
  h.update(JSON.stringify(s.memblock.calls));
  h.update(stable({ memory: s.memblock.memory.regions, reserved: s.memblock.reserved.regions }));
  h.update([...meminfoText(s), ...vmstatText(s), ...zoneinfoText(s), ...sysfsHugepagesText(s)].join('\n'));
  h.update(
    stable({
      vmemmap: s.vmemmap,
      hugetlb: s.hugetlb,
      hvo: s.hvo,
      zones: s.zones,
      sparse: s.sparse,
      memmap: s.memmap,
      pageAlloc: s.pageAlloc,
      panic: s.panic,
      steps: s.steps,
    }),
  );
  return h.digest('hex').slice(0, 16);
}

const n = Number(process.argv[2] ?? 150);
const cases = fc.sample(caseArb(true), { numRuns: n, seed: 4242 });
for (const [i, c] of cases.entries()) {
  const m = { ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline };
  for (const p of PROFILES) {
    const nr = i % 5 === 0 ? (i * 37) % 500 : i % 7 === 0 ? 0 : undefined;
    const s = boot(m, { profile: p, faults: c.faults, others: estimatedOthers, nrHugepages: nr });
    console.log(`case ${i} ${p} ${hashBoot(s)}`);
  }
}
const FIXTURE_DIRS = readdirSync('test/fixtures')
  .map((d) => join('test/fixtures', d))
  .sort();
for (const dir of FIXTURE_DIRS) {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.txt'))
    .sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (!text.includes('=====DMESG')) continue;
    const log = parseKernelLog(text, f);
    for (const p of PROFILES) {
      const r = replayFixture(log, p);
      console.log(`log ${dir}/${f} ${p} ${createHash('sha256').update(stable(r)).digest('hex').slice(0, 16)}`);
    }
  }
}
