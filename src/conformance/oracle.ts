// The real kernel as an oracle: QEMU, a kernel image (Debian's cloud kernel of
// a generation, 6.1 by default, fetched with apt on first use) and a small initramfs of
// our own whose init prints what the kernel says about memory, then powers off.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceCase } from './cases.js';
import { CASE_CPU, caseQemuArgs } from './cases.js';
import { KERNEL_GENERATIONS, kernelGeneration, type KernelGeneration } from './kernels.js';
import { VMEMMAP_WALK_C } from './vmemmap-walk.js';
import { HOST_COLLECTOR } from '../trace/host-collector.js';

/** The init of the initramfs: /proc and /sys dumps in the fixture format, the pool grown if asked, the whole log. */
const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
# Kernel messages stay in the log buffer, off the console, so they cannot cut into the dumps.
dmesg -n 1
mount -t sysfs sysfs /sys
dump() {
  echo "=====MEMINFO$1"; cat /proc/meminfo
  echo "=====VMSTAT$1"; cat /proc/vmstat
  echo "=====HUGEPAGES$1"; for f in /sys/devices/system/node/node*/hugepages/hugepages-*/*_hugepages; do echo "$f $(cat $f)"; done
}
echo "=====CMDLINE"; cat /proc/cmdline
echo "=====IOMEM"; cat /proc/iomem
echo "=====ZONEINFO"; cat /proc/zoneinfo
dump ""
# The vmemmap page tables as they are after boot, when the initramfs has the walker.
if [ -x /bin/vmemmap-walk ]; then echo "=====VMEMMAP"; /bin/vmemmap-walk; fi
if [ -n "$hvosim_nr2m" ]; then
  echo "$hvosim_nr2m" > /proc/sys/vm/nr_hugepages_mempolicy 2>/dev/null || echo "$hvosim_nr2m" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
  dump "_AFTER_NR2M=$hvosim_nr2m"
fi
echo "=====DMESG"; dmesg
echo "=====END"
# The host snapshot's collector, after the fixture: once as root, once as an unprivileged user (hvosim_snapshot=1).
if [ -n "$hvosim_snapshot" ] && [ -x /bin/hvosim-collect ]; then
  mount -t devtmpfs devtmpfs /dev 2>/dev/null; mkdir -p /tmp /etc; chmod 1777 /tmp
  printf 'root:x:0:0::/:/bin/sh\nhvosim:x:1000:1000::/tmp:/bin/sh\n' > /etc/passwd
  printf 'root:x:0:\nhvosim:x:1000:\n' > /etc/group
  echo "#####SNAPSHOT root"; /bin/hvosim-collect
  echo "#####SNAPSHOT user"; su -s /bin/sh hvosim -c /bin/hvosim-collect
  echo "#####SNAPSHOTS-END"
fi
poweroff -f
`;

export interface Oracle {
  work: string;
  vmlinuz: string;
  initrd: string;
  /** What the header of each recorded log names as the kernel. */
  kernel: string;
}

export class OracleError extends Error {}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error || r.status !== 0)
    throw new OracleError(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** QEMU, busybox, cpio and, for the vmemmap walker, a C compiler with a static libc: installed with apt-get when missing. */
function ensureTools(walk: boolean): void {
  const missing = [
    ...(have('qemu-system-x86_64') ? [] : ['qemu-system-x86']),
    ...(existsSync('/bin/busybox') ? [] : ['busybox-static']),
    ...(have('cpio') ? [] : ['cpio']),
    ...(!walk || have('gcc') ? [] : ['gcc']),
    ...(!walk || existsSync('/usr/lib/x86_64-linux-gnu/libc.a') ? [] : ['libc6-dev']),
  ];
  if (!missing.length) return;
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing]);
}

/** The vmemmap walker, built static into the initramfs at `out`. */
function buildVmemmapWalk(work: string, out: string): void {
  const src = join(work, 'vmemmap-walk.c');
  writeFileSync(src, VMEMMAP_WALK_C);
  run('gcc', ['-static', '-O2', '-o', out, src]);
}

/** The system's Debian mirrors, by suite, from /etc/apt/sources.list.d/*.sources (deb822) and /etc/apt/sources.list. */
function systemMirrors(): { uri: string; suites: string[] }[] {
  const out: { uri: string; suites: string[] }[] = [];
  const files: string[] = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  if (existsSync('/etc/apt/sources.list.d'))
    for (const f of readdirSync('/etc/apt/sources.list.d')) if (/\.(sources|list)$/.test(f)) files.push(join('/etc/apt/sources.list.d', f));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
        const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.trim().split(/\s+/);
        if (uri && suites) out.push({ uri, suites });
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m) out.push({ uri: m[1]!, suites: [m[2]!] });
      }
    }
  }
  return out;
}

/** The mirror of a suite: the system's own for it, else the system's Debian archive (not its security one), else deb.debian.org. */
export function mirrorFor(suite: string, mirrors: { uri: string; suites: string[] }[]): string {
  const own = mirrors.find((m) => m.suites.includes(suite));
  if (own) return own.uri;
  const security = suite.endsWith('-security');
  const archive = mirrors.find((m) => /debian/.test(m.uri) && /security/.test(m.uri) === security);
  return archive?.uri ?? (security ? 'http://deb.debian.org/debian-security' : 'http://deb.debian.org/debian');
}

/**
 * The vmlinuz of a kernel generation, downloaded once into WORK with apt-get through a private
 * configuration under WORK/apt (the suite's sources list, lists and cache): nothing in /etc/apt changes.
 */
export function fetchGeneration(work: string, g: KernelGeneration): { vmlinuz: string; kernel: string } {
  const vmlinuz = join(work, `vmlinuz-${g.name}`);
  const stamp = `${vmlinuz}.package`;
  if (existsSync(vmlinuz) && existsSync(stamp)) return { vmlinuz, kernel: readFileSync(stamp, 'utf8').trim() };
  const apt = join(work, 'apt');
  mkdirSync(join(apt, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(apt, 'cache', 'archives', 'partial'), { recursive: true });
  const sources = join(apt, `sources-${g.suite}.list`);
  writeFileSync(sources, `deb ${mirrorFor(g.suite, systemMirrors())} ${g.suite} main\n`);
  const opts = [
    '-o',
    `Dir::Etc::SourceList=${sources}`,
    '-o',
    'Dir::Etc::SourceParts=/dev/null',
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache=${join(apt, 'cache')}`,
  ];
  const deb = join(work, `deb-${g.name}`);
  rmSync(deb, { recursive: true, force: true });
  mkdirSync(deb, { recursive: true });
  run('apt-get', [...opts, 'update', '-qq']);
  run('apt-get', [...opts, 'download', g.package], { cwd: deb });
  const pkg = readdirSync(deb).find((f) => f.endsWith('.deb'));
  if (!pkg) throw new OracleError(`apt-get download ${g.package} (${g.suite}) gave no package`);
  run('dpkg-deb', ['-x', join(deb, pkg), join(deb, 'root')]);
  // Up to 7.2 the image is /boot/vmlinuz-VERSION; from 7.3 Debian ships it as /usr/lib/modules/VERSION/vmlinuz.
  const root = join(deb, 'root');
  const boot = join(root, 'boot');
  const mods = join(root, 'usr', 'lib', 'modules');
  const img = [
    ...(existsSync(boot)
      ? readdirSync(boot)
          .filter((f) => f.startsWith('vmlinuz-'))
          .map((f) => join(boot, f))
      : []),
    ...(existsSync(mods)
      ? readdirSync(mods)
          .map((v) => join(mods, v, 'vmlinuz'))
          .filter((f) => existsSync(f))
      : []),
  ][0];
  if (!img) throw new OracleError(`${pkg} holds no /boot/vmlinuz-* nor /usr/lib/modules/*/vmlinuz`);
  copyFileSync(img, vmlinuz);
  rmSync(deb, { recursive: true, force: true });
  const kernel = pkg.replace(/_.*$/, '');
  writeFileSync(stamp, `${kernel}\n`);
  return { vmlinuz, kernel };
}

/** Set up (once) what booting needs: tools, the kernel image (KERNEL_IMAGE, or the generation's Debian kernel; 6.1 by default), our initramfs. */
export function ensureOracle(work: string, opts: { kernelImage?: string; generation?: string; walkVmemmap?: boolean } = {}): Oracle {
  mkdirSync(work, { recursive: true });
  ensureTools(opts.walkVmemmap === true);
  let vmlinuz: string;
  let kernel: string;
  if (opts.kernelImage) {
    if (!existsSync(opts.kernelImage)) throw new OracleError(`no kernel image at ${opts.kernelImage}`);
    vmlinuz = opts.kernelImage;
    kernel = opts.kernelImage;
  } else {
    const g = kernelGeneration(opts.generation ?? '6.1');
    if (!g)
      throw new OracleError(
        `no Debian kernel known for generation "${opts.generation}" (known: ${KERNEL_GENERATIONS.map((x) => x.name).join(', ')})`,
      );
    ({ vmlinuz, kernel } = fetchGeneration(work, g));
  }
  const ird = join(work, 'initramfs');
  rmSync(ird, { recursive: true, force: true });
  for (const d of ['bin', 'proc', 'sys', 'dev']) mkdirSync(join(ird, d), { recursive: true });
  copyFileSync('/bin/busybox', join(ird, 'bin', 'busybox'));
  writeFileSync(join(ird, 'init'), INIT);
  chmodSync(join(ird, 'init'), 0o755);
  writeFileSync(join(ird, 'bin', 'hvosim-collect'), HOST_COLLECTOR);
  chmodSync(join(ird, 'bin', 'hvosim-collect'), 0o755);
  if (opts.walkVmemmap) buildVmemmapWalk(work, join(ird, 'bin', 'vmemmap-walk'));
  const initrd = join(work, 'initrd.gz');
  run('sh', ['-c', `cd '${ird}' && find . | cpio -o -H newc 2>/dev/null | gzip > '${initrd}'`]);
  return { work, vmlinuz, initrd, kernel };
}

/** The kernel command line a case boots with. */
export function caseKernelCmdline(c: ConformanceCase): string {
  return [
    `console=ttyS0 ${c.kaslr ? 'kaslr' : 'nokaslr'} memblock=debug log_buf_len=4M`,
    c.cmdline,
    c.nr2m !== undefined ? `hvosim_nr2m=${c.nr2m}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The whole QEMU command that boots a case (for reproducers). */
export function caseQemuCommand(o: Oracle, c: ConformanceCase): string {
  return `qemu-system-x86_64 ${caseQemuArgs(c)} -kernel ${o.vmlinuz} -initrd ${o.initrd} -nographic -no-reboot -append '${caseKernelCmdline(c)}'`;
}

/** QEMUs running now: killed if hvosim is stopped, so none is left behind. */
const live = new Set<ReturnType<typeof spawn>>();
let handlers = false;
function killLiveOnExit(): void {
  if (handlers) return;
  handlers = true;
  const killAll = () => {
    for (const p of live) p.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

export type BootOutcome = { ok: true; text: string; seconds: number } | { ok: false; reason: string; seconds: number; tail: string };

/** Boot a case under QEMU; the recorded log in the fixture format, or why there is none. */
export function bootUnderQemu(o: Oracle, c: ConformanceCase, timeoutSec: number): Promise<BootOutcome> {
  const t0 = performance.now();
  const args = [
    ...caseQemuArgs(c).split(' '),
    '-kernel',
    o.vmlinuz,
    '-initrd',
    o.initrd,
    '-nographic',
    '-no-reboot',
    '-append',
    caseKernelCmdline(c),
  ];
  return new Promise((resolve) => {
    killLiveOnExit();
    const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(p);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => chunks.push(b));
    p.stderr.on('data', (b: Buffer) => chunks.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutSec * 1000);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `qemu did not start: ${e.message}`, seconds: (performance.now() - t0) / 1000, tail: '' });
    });
    p.on('close', () => {
      live.delete(p);
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const out = Buffer.concat(chunks).toString('utf8').replace(/\r/g, '');
      const a = out.indexOf('=====CMDLINE');
      const b = out.indexOf('=====END');
      const tail = out.split('\n').slice(-5).join('\n');
      if (timedOut) return resolve({ ok: false, reason: `hung: no power-off within ${timeoutSec} s`, seconds, tail });
      if (a < 0 || b < 0)
        return resolve({ ok: false, reason: 'the boot ended without the dumps (a panic, or garbage on the console)', seconds, tail });
      const nodes = c.nodes.map((m) => `${m}M`).join(' ');
      const header = `# qemu: q35 cpu=${c.cpu ?? CASE_CPU} smp=1 nodes=[${nodes}] kernel=${o.kernel} hvosim-case=${c.id}`;
      resolve({ ok: true, text: `${header}\n${out.slice(a, b + '=====END'.length)}\n`, seconds });
    });
  });
}
