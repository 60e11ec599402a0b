// Fault injection: which memblock allocations to fail, from a short spec a
// reproducer line can carry: "nth=5", "caller=vmemmap_alloc_block_zero",
// "caller=vmemmap_alloc_block_zero@free_area_init" (only within that boot step), "node=1".
import { numaNodeSpans, type KernelState, type MemblockFaults } from '../simulator.js';
import { InputError } from '../util/errors.js';
import { parseWhole } from '../util/integers.js';

/** Parse fault specs (each "nth=N[,N...]", "caller=NAME[,NAME...]" or "node=N[,N...]") into one plan. */
export function parseFaults(specs: string[], field = '--fault'): MemblockFaults | undefined {
  if (!specs.length) return undefined;
  const f: MemblockFaults = {};
  for (const spec of specs) {
    const m = /^(nth|caller|node)=(.+)$/.exec(spec);
    if (!m) throw new InputError(`"${spec}" is not a fault (nth=N, caller=FUNCTION or node=N)`, { field });
    const vals = m[2]!.split(',');
    if (m[1] === 'caller') {
      for (const v of vals)
        if (!/^[A-Za-z_][A-Za-z0-9_.]*(@[A-Za-z_][A-Za-z0-9_ ()/.,:-]*)?$/.test(v))
          throw new InputError(`"${v}" is not a kernel function name (or name@step)`, { field });
      f.callers = [...(f.callers ?? []), ...vals];
      continue;
    }
    const nums = vals.map((v) => {
      // Read exactly: a number beyond a double's whole numbers would stand for a neighbour.
      const n = parseWhole(v, m[1] === 'nth' ? 1 : 0);
      if (n === null)
        throw new InputError(
          `"${v}" in "${spec}" is not a ${m[1] === 'nth' ? 'positive allocation number' : 'node number'} (a whole number up to ${Number.MAX_SAFE_INTEGER})`,
          { field },
        );
      return n;
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

/**
 * The injected faults that never fired in a finished boot, each with why: an
 * allocation number past the boot's last allocation, a caller that made no
 * allocation (in the named step), a node the machine does not have. A fault
 * that never fires changes nothing, and the operator should hear so.
 */
export function faultsNeverFired(s: KernelState): string[] {
  const mb = s.memblock;
  const f = mb.faults;
  if (!f) return [];
  const out: string[] = [];
  const died = s.panic ? ' before it died' : '';
  for (const n of f.nth ?? []) {
    if (n > mb.allocCount) out.push(`fault nth=${n} never fired: the boot made only ${mb.allocCount} memblock allocations${died}`);
  }
  if (f.callers?.length) {
    // The step of each call: steps are in call order.
    const stepAt = (i: number) => {
      let k = 0;
      while (k + 1 < s.steps.length && s.steps[k + 1]!.firstCall <= i) k++;
      return s.steps[k]?.fn;
    };
    for (const c of f.callers) {
      const [name, step] = c.split('@') as [string, string?];
      let fired = false;
      for (let i = 0; i < mb.calls.length && !fired; i++) {
        if (mb.calls.resultAt(i) === undefined || mb.calls.callerAt(i) !== name) continue;
        fired = step === undefined || stepAt(i) === step;
      }
      if (!fired) out.push(`fault caller=${c} never fired: ${name} made no memblock allocation${step ? ` in ${step}` : ''}${died}`);
    }
  }
  const nodes = numaNodeSpans(s.numa);
  for (const n of f.nodes ?? [])
    if (!nodes.has(n)) out.push(`fault node=${n} never fired: the machine has no node ${n} (nodes: ${[...nodes.keys()].join(', ')})`);
  return out;
}
