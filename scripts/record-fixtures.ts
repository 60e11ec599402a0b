// Record real-kernel fixtures with the conformance oracle: the named cases of
// scripts/fixtures.list booted under QEMU with one kernel generation's Debian
// kernel (or a kernel image), one at a time, into test/fixtures/linux-<version>/.
//
//   tsx scripts/record-fixtures.ts --kernel 7.1 [--out DIR] [--work DIR] [--kernel-image PATH] [NAME...]
//
// A case whose complete log is already there is not booted again (delete the file to record it anew).
// Each line of the list: NAME|NODE_SIZES|CMDLINE[|FLAGS], FLAGS words: kaslr, cpu=QEMU_CPU;
// "oracle_nr2m=N" in CMDLINE writes N to nr_hugepages after boot and dumps /proc again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConformanceCase } from '../src/conformance/cases.js';
import { kernelGeneration } from '../src/conformance/kernels.js';
import { bootUnderQemu, ensureOracle } from '../src/conformance/oracle.js';

/** NODE_SIZES ("2G 1536M") in MiB. */
function sizes(s: string): number[] {
  return s
    .trim()
    .split(/\s+/)
    .map((x) => {
      const m = /^(\d+)([GM])$/i.exec(x);
      if (!m) throw new Error(`bad node size "${x}"`);
      return Number(m[1]) * (m[2]!.toUpperCase() === 'G' ? 1024 : 1);
    });
}

/** The cases of a list file, in order. */
export function readCaseList(text: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, nodes, cmdline = '', flags = ''] = line.split('|');
    const words = cmdline.trim().split(/\s+/).filter(Boolean);
    const grow = words.find((w) => w.startsWith('oracle_nr2m='));
    const c: ConformanceCase = { id: name!.trim(), nodes: sizes(nodes!), cmdline: words.filter((w) => w !== grow).join(' ') };
    if (grow) c.nr2m = Number(grow.slice('oracle_nr2m='.length));
    for (const f of flags.trim().split(/\s+/).filter(Boolean)) {
      if (f === 'kaslr') c.kaslr = true;
      else if (f.startsWith('cpu=')) c.cpu = f.slice(4);
      else throw new Error(`${name}: unknown flag "${f}"`);
    }
    out.push(c);
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      kernel: { type: 'string', default: '6.1' },
      'kernel-image': { type: 'string' },
      list: { type: 'string', default: join(import.meta.dirname, 'fixtures.list') },
      out: { type: 'string' },
      work: { type: 'string', default: join(tmpdir(), 'hvosim-oracle') },
      timeout: { type: 'string', default: '300' },
    },
  });
  const gen = values.kernel!;
  if (!values['kernel-image'] && !kernelGeneration(gen)) throw new Error(`unknown kernel generation "${gen}"`);
  const out = values.out ?? join(import.meta.dirname, '..', 'test', 'fixtures', `linux-${gen}`);
  mkdirSync(out, { recursive: true });
  const oracle = ensureOracle(values.work!, { kernelImage: values['kernel-image'], generation: gen });
  const cases = readCaseList(readFileSync(values.list!, 'utf8')).filter((c) => !positionals.length || positionals.includes(c.id));
  let failed = 0;
  for (const c of cases) {
    const file = join(out, `${c.id}.txt`);
    if (existsSync(file) && readFileSync(file, 'utf8').includes('=====END')) continue;
    const r = await bootUnderQemu(oracle, c, Number(values.timeout));
    if (r.ok) {
      writeFileSync(file, r.text);
      process.stderr.write(`${c.id}: ${r.seconds.toFixed(1)} s, ${r.text.split('\n').length} lines -> ${file}\n`);
    } else {
      failed++;
      process.stderr.write(`${c.id}: FAILED after ${r.seconds.toFixed(1)} s: ${r.reason}\n${r.tail}\n`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  main().catch((e: Error) => {
    process.stderr.write(`record-fixtures: ${e.message}\n`);
    process.exitCode = 2;
  });
}
