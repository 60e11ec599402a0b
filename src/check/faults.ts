// Fault injection: which memblock allocations to fail, from a short spec a
// reproducer line can carry: "nth=5", "caller=vmemmap_alloc_block_zero",
// "caller=vmemmap_alloc_block_zero@free_area_init" (only within that boot step), "node=1".
import { type MemblockFaults } from '../simulator.js';
import { InputError } from '../util/errors.js';

/** Parse fault specs (each "nth=N[,N...]", "caller=NAME[,NAME...]" or "node=N[,N...]") into one plan. */
export function parseFaults(specs: string[], field = '--fault'): MemblockFaults | undefined {
  if (!specs.length) return undefined;
  const f: MemblockFaults = {};
  for (const spec of specs) {
    const m = /^(nth|caller|node)=(.+)$/.exec(spec);
    if (!m) throw new InputError(`"${spec}" is not a fault (nth=N, caller=FUNCTION or node=N)`, { field });
    const vals = m[2]!.split(',');
    if (m[1] === 'caller') {
      for (const v of vals) if (!/^[A-Za-z_][A-Za-z0-9_.]*(@[A-Za-z_][A-Za-z0-9_ ()/.,:-]*)?$/.test(v)) throw new InputError(`"${v}" is not a kernel function name (or name@step)`, { field });
      f.callers = [...(f.callers ?? []), ...vals];
      continue;
    }
    const nums = vals.map((v) => {
      if (!/^\d+$/.test(v) || (m[1] === 'nth' && Number(v) < 1)) throw new InputError(`"${v}" in "${spec}" is not a ${m[1] === 'nth' ? 'positive allocation number' : 'node number'}`, { field });
      return Number(v);
    });
    if (m[1] === 'nth') f.nth = [...(f.nth ?? []), ...nums];
    else f.nodes = [...(f.nodes ?? []), ...nums];
  }
  return f;
}

/** The specs that give back this plan (for reproducer lines). */
export function faultSpecs(f: MemblockFaults | undefined): string[] {
  if (!f) return [];
  const out: string[] = [];
  if (f.nth?.length) out.push(`nth=${f.nth.join(',')}`);
  if (f.callers?.length) out.push(`caller=${f.callers.join(',')}`);
  if (f.nodes?.length) out.push(`node=${f.nodes.join(',')}`);
  return out;
}
