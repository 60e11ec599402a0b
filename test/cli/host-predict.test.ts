// Two real boots per case (scripts/record-host.ts): a snapshot of a boot without huge pages, and the boot with the
// case's command line. `hvosim host --from SNAPSHOT --cmdline CASE` predicts each node's nr_hugepages and MemTotal
// of the second; the rates, per generation and per privilege, are printed and held to a floor.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConformanceCase } from '../../src/conformance/cases.js';
import { caseKernelCmdline } from '../../src/conformance/oracle.js';
import { planHost } from '../../src/cli/host.js';
import { hugepagesByNode, meminfoObject } from '../../src/report/proc.js';
import { ROOT } from '../helpers.js';

const HOST = join(ROOT, 'test/fixtures/host');
const generations = existsSync(HOST) ? readdirSync(HOST).filter((d) => d.startsWith('linux-')) : [];

/** "nodeN size" -> nr_hugepages, and MemTotal, of an oracle fixture's dumps. */
function observed(text: string): { pages: Map<string, number>; memTotal: number } {
  const pages = new Map<string, number>();
  for (const m of text.matchAll(/^\/sys\/devices\/system\/node\/(node\d+)\/hugepages\/hugepages-(\d+kB)\/nr_hugepages (\d+)$/gm))
    pages.set(`${m[1]} ${m[2]}`, Number(m[3]));
  const mt = /^MemTotal:\s+(\d+) kB/m.exec(text);
  return { pages, memTotal: Number(mt?.[1]) };
}

interface Outcome {
  pagesExact: boolean;
  memTotalDiffKb: number;
}

function predict(gen: string, c: ConformanceCase, snapFile: string, nextText: string): Outcome {
  const h = planHost(readFileSync(snapFile, 'utf8'), snapFile, { kernel: gen.replace('linux-', ''), cmdline: caseKernelCmdline(c) });
  const obs = observed(nextText);
  const got = new Map<string, number>();
  for (const [node, sizes] of Object.entries(hugepagesByNode(h.state)))
    for (const [size, n] of Object.entries(sizes)) got.set(`${node} ${size}`, n);
  const keys = new Set([...got.keys(), ...obs.pages.keys()]);
  const exact = [...keys].every((k) => (got.get(k) ?? 0) === (obs.pages.get(k) ?? 0));
  return { pagesExact: exact, memTotalDiffKb: meminfoObject(h.state).MemTotal! - obs.memTotal };
}

/** MemTotal within this much counts as right (the boot loader's initrd place and the other subsystems are estimates without the log's memblock lines). */
const MEMTOTAL_KB = 4096;

for (const gen of generations) {
  const dir = join(HOST, gen);
  const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as ConformanceCase[]).filter((c) =>
    existsSync(join(dir, `${c.id}.next.txt`)),
  );
  for (const who of ['root', 'user'] as const) {
    const have = cases.filter((c) => existsSync(join(dir, `${c.id}.${who}.snap`)));
    test(`${gen}, snapshots as ${who}: nr_hugepages per node and MemTotal of the next boot`, (t) => {
      const out = have.map((c) => ({
        c,
        o: predict(gen, c, join(dir, `${c.id}.${who}.snap`), readFileSync(join(dir, `${c.id}.next.txt`), 'utf8')),
      }));
      const pages = out.filter((x) => x.o.pagesExact).length;
      const mem = out.filter((x) => Math.abs(x.o.memTotalDiffKb) <= MEMTOTAL_KB).length;
      t.diagnostic(
        `${gen} ${who}: nr_hugepages exact on every node ${pages}/${out.length}; MemTotal within ${MEMTOTAL_KB} kB ${mem}/${out.length} ` +
          `(off by ${out.map((x) => `${x.c.id} ${x.o.memTotalDiffKb}`).join(', ')} kB)`,
      );
      // The issue asks for at least 10 generated cases per generation; every one is held, not a rate.
      assert.ok(out.length >= 10, `${out.length} cases of ${gen} as ${who}`);
      assert.equal(pages, out.length, 'nr_hugepages per node');
      // As root the log gives the exact map: MemTotal exact. Without root, node edges to a memory block: within a page.
      const worst = Math.max(...out.map((x) => Math.abs(x.o.memTotalDiffKb)));
      assert.ok(worst <= (who === 'root' ? 0 : 4), `MemTotal off by up to ${worst} kB`);
    });
  }
}
