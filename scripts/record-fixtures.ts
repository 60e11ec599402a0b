// Record real-kernel fixtures with the conformance oracle: the named cases of
// scripts/fixtures.list booted under QEMU with one kernel generation's Debian
// kernel (or a kernel image), one at a time, into test/fixtures/linux-<version>/.
//
//   tsx scripts/record-fixtures.ts --kernel 7.1 [--out DIR] [--work DIR] [--kernel-image PATH [--kernel-name NAME]] [--walk-vmemmap] [NAME...]
// (--walk-vmemmap: the guest also prints its vmemmap page tables, a =====VMEMMAP section; the v* cases need it)
// (--kernel-name: what the header's kernel= names instead of the image's path, e.g. a custom build's
// linux-source-7.3_7.3.4-1~bpo13+1+min, as scripts/build-kernel.sh writes it beside the bzImage; no spaces)
//
// A case whose complete log is already there is not booted again (delete the file to record it anew).
// Each line of the list: NAME|NODE_SIZES|CMDLINE[|FLAGS], FLAGS words: kaslr, cpu=QEMU_CPU;
// "oracle_nr2m=N" in CMDLINE writes N to nr_hugepages after boot and dumps /proc again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCaseList } from '../src/conformance/cases.js';
import { kernelGeneration } from '../src/conformance/kernels.js';
import { bootUnderQemu, ensureOracle } from '../src/conformance/oracle.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      kernel: { type: 'string', default: '6.1' },
      'kernel-image': { type: 'string' },
      'kernel-name': { type: 'string' },
      list: { type: 'string', default: join(import.meta.dirname, 'fixtures.list') },
      out: { type: 'string' },
      work: { type: 'string', default: join(tmpdir(), 'hvosim-oracle') },
      timeout: { type: 'string', default: '300' },
      'walk-vmemmap': { type: 'boolean', default: false },
    },
  });
  const gen = values.kernel!;
  if (!values['kernel-image'] && !kernelGeneration(gen)) throw new Error(`unknown kernel generation "${gen}"`);
  const out = values.out ?? join(import.meta.dirname, '..', 'test', 'fixtures', `linux-${gen}`);
  mkdirSync(out, { recursive: true });
  const oracle = ensureOracle(values.work!, { kernelImage: values['kernel-image'], generation: gen, walkVmemmap: values['walk-vmemmap'] });
  const name = values['kernel-name'];
  if (name !== undefined) {
    if (!values['kernel-image'] || !/^\S+$/.test(name)) throw new Error('--kernel-name needs --kernel-image, and a name without spaces');
    oracle.kernel = name;
  }
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

main().catch((e: Error) => {
  process.stderr.write(`record-fixtures: ${e.message}\n`);
  process.exitCode = 2;
});
