// Record host snapshots from real kernels for `hvosim host`'s tests: generated machines booted under QEMU with a
// generation's Debian kernel, twice each. First without huge pages, the guest running the snapshot collector
// as root and as an unprivileged user (CASE.root.snap, CASE.user.snap); then with the case's command line
// (CASE.next.txt, the oracle's fixture without its kernel log): what the snapshot must predict.
//
//   tsx scripts/record-host.ts --kernel 7.3 [--count 10] [--seed 23] [--out DIR] [--work DIR] [--timeout S]
//
// cases.json in DIR names each case's machine (node sizes, CPU) and command line. A case whose files are there is
// not booted again.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConformanceCase, caseQemuArgs, generateCases } from '../src/conformance/cases.js';
import { kernelGeneration } from '../src/conformance/kernels.js';
import { bootUnderQemu, ensureOracle, type Oracle } from '../src/conformance/oracle.js';

/** Boot the case's machine without huge pages and return the console's two snapshots. */
function snapshotBoot(o: Oracle, c: ConformanceCase, timeoutSec: number): Promise<{ root: string; user: string } | string> {
  const args = [
    ...caseQemuArgs(c).split(' '),
    ...['-kernel', o.vmlinuz, '-initrd', o.initrd, '-nographic', '-no-reboot'],
    ...['-append', 'console=ttyS0 nokaslr log_buf_len=4M hvosim_snapshot=1'],
  ];
  return new Promise((resolve) => {
    const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => chunks.push(b));
    p.stderr.on('data', (b: Buffer) => chunks.push(b));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutSec * 1000);
    p.on('close', () => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString('utf8').replace(/\r/g, '');
      const a = out.indexOf('#####SNAPSHOT root\n');
      const b = out.indexOf('#####SNAPSHOT user\n');
      const e = out.indexOf('#####SNAPSHOTS-END');
      if (a < 0 || b < 0 || e < 0) return resolve(`no snapshots on the console: ${out.split('\n').slice(-3).join(' | ')}`);
      resolve({ root: out.slice(a + 19, b), user: out.slice(b + 19, e) });
    });
  });
}

/** The oracle's fixture without its kernel log (the next boot's /proc and /sys is what is compared). */
function withoutDmesg(text: string): string {
  const a = text.indexOf('=====DMESG\n');
  const b = text.indexOf('=====END');
  return a < 0 || b < 0 ? text : `${text.slice(0, a)}${text.slice(b)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kernel: { type: 'string', default: '7.3' },
      count: { type: 'string', default: '10' },
      seed: { type: 'string', default: '23' },
      out: { type: 'string' },
      work: { type: 'string', default: join(tmpdir(), 'hvosim-host-oracle') },
      timeout: { type: 'string', default: '400' },
      only: { type: 'string' },
    },
  });
  const gen = values.kernel!;
  if (!kernelGeneration(gen)) throw new Error(`unknown kernel generation "${gen}"`);
  const out = values.out ?? join(import.meta.dirname, '..', 'test', 'fixtures', 'host', `linux-${gen}`);
  mkdirSync(out, { recursive: true });
  const work = join(values.work!, gen);
  mkdirSync(work, { recursive: true });
  // A kernel another run fetched already (HVOSIM_VMLINUZ_CACHE=DIR holding vmlinuz-GEN and its .package) is copied, not fetched.
  const cache = process.env.HVOSIM_VMLINUZ_CACHE;
  for (const f of [`vmlinuz-${gen}`, `vmlinuz-${gen}.package`])
    if (cache && existsSync(join(cache, f)) && !existsSync(join(work, f))) copyFileSync(join(cache, f), join(work, f));
  const oracle = ensureOracle(work, { generation: gen });
  const cases = generateCases(Number(values.count), Number(values.seed)).map((c) => ({ ...c, nr2m: undefined }));
  const index = join(out, 'cases.json');
  writeFileSync(
    index,
    `${JSON.stringify(
      cases.map(({ nr2m: _, ...c }) => c),
      null,
      1,
    )}\n`,
  );
  let failed = 0;
  for (const c of cases) {
    if (values.only && !values.only.split(',').includes(c.id)) continue;
    const t0 = performance.now();
    const rootFile = join(out, `${c.id}.root.snap`);
    if (
      !existsSync(rootFile) ||
      !existsSync(join(out, `${c.id}.user.snap`)) ||
      readFileSync(join(out, `${c.id}.user.snap`), 'utf8').includes("can't create")
    ) {
      const s = await snapshotBoot(oracle, c, Number(values.timeout));
      if (typeof s === 'string') {
        failed++;
        process.stderr.write(`${c.id} snapshot: FAILED: ${s}\n`);
        continue;
      }
      writeFileSync(join(out, `${c.id}.user.snap`), s.user);
      writeFileSync(rootFile, s.root);
    }
    const nextFile = join(out, `${c.id}.next.txt`);
    if (!existsSync(nextFile) || !readFileSync(nextFile, 'utf8').includes('=====END')) {
      const r = await bootUnderQemu(oracle, c, Number(values.timeout));
      if (!r.ok) {
        failed++;
        process.stderr.write(`${c.id} next: FAILED: ${r.reason}\n${r.tail}\n`);
        continue;
      }
      writeFileSync(nextFile, withoutDmesg(r.text));
    }
    process.stderr.write(`${c.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s (${c.nodes.join('+')} MiB; ${c.cmdline})\n`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e: Error) => {
  process.stderr.write(`record-host: ${e.message}\n`);
  process.exitCode = 2;
});
