// Fuzzing the input readers: kernel logs (every form the log readers take) and machine files.
// Each input is either one of the project's real inputs mutated (lines dropped, repeated, cut,
// bytes changed, prefixes and section markers thrown in) or made from nothing. The law: a
// reader returns, or throws an InputError (one line, exit 2); any other exception is a bug.
//
//   npx tsx scripts/fuzz.ts [RUNS per reader, default 10000] [SEED]
//
// npm test runs the same with a few hundred runs (test/trace/fuzz.test.ts).
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMachineJson } from '../src/machine/json.js';
import { machineFromLog } from '../src/trace/machine-from-log.js';
import { presetJson, presetNames } from '../src/machine/presets.js';
import { kernelLogText, parseKernelLog } from '../src/trace/log.js';
import { parseMemblockLog } from '../src/trace/memblock-log.js';
import { replayMemblock } from '../src/trace/replay.js';
import { InputError } from '../src/util/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'test/fixtures/linux-6.1');

function fixtureLines(): string[][] {
  return readdirSync(FIXTURES)
    .filter((n) => n.endsWith('.txt'))
    .sort()
    .slice(0, 4)
    .map((n) => readFileSync(join(FIXTURES, n), 'utf8').split('\n'));
}

const PREFIXES = [
  '',
  '[    0.000000] ',
  '[Sat Dec  5 12:00:00 2026] ',
  'Dec 05 12:00:00 host kernel: ',
  '<6>[    1.5] ',
  '2026-12-05T12:00:00+0000 h kernel: ',
  'Dec 05 12:00:00 host systemd[1]: ',
  '[',
  '[ 1.',
  '\ufeff',
];
const NOISE = [
  '=====DMESG',
  '=====END',
  '=====IOMEM',
  '=====MEMINFO',
  '=====HUGEPAGES',
  '=====ZONEINFO',
  '=====CMDLINE',
  '=====MEMINFO_AFTER_NR2M=300',
  '=====X',
  'MEMBLOCK configuration:',
  ' memory size = 0x0 reserved size = 0x0',
  ' memory.cnt  = 0x1',
  ' reserved.cnt  = 0x2',
  ' memory[0x0]\t[0x0000000000001000-0x000000000009efff], 0x000000000009e000 bytes on node 0 flags: 0x0',
  'memblock_reserve: [0x0000000000000000-0x000000000000ffff] setup_arch+0x3b5/0xd09',
  'memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 x+0x1/0x2',
  'memblock_phys_alloc_range: 4096 bytes align=0x1000 from=0x0 max_addr=0x100000 y',
  'memblock_add_node: [0x0000000000000000-0xffffffffffffffff] nid=99999 flags=0x0 z',
  'BIOS-e820: [mem 0x0000000000000000-0xffffffffffffffff] usable',
  'BIOS-e820: [mem 0x0000000000100000-0x00000000000fffff] reserved',
  'ACPI: SRAT: Node 7 PXM 7 [mem 0x100000000-0x0]',
  'ACPI: SRAT: Node 1023 PXM 1 [mem 0x0-0xfffffffffffff] hotplug',
  'NODE_DATA(3) allocated [mem 0x1-0x0]',
  'last_pfn = 0xfffffffffff max_arch_pfn = 0x400000000',
  'RAMDISK: [mem 0x10-0x0]',
  'Command line: hugepagesz=1G hugepages=99999999999999999999',
  'x86/PAT: Configuration [0-7]',
  'Faking a node at [mem 0x0-0xffffffffffff]',
  '00000000-00000fff : Reserved',
  '  100000000-13fffffff : System RAM',
  'zzzz-1 : Kernel code',
  'Node 0, zone   Normal',
  '  spanned  -5',
  'HugePages_Total: 99999999999999999999999',
  'MemTotal: -1 kB',
  '/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages x',
];

/** A kernel log: a real one mutated, or lines from the noise, or bytes from nothing. */
export function logArbitrary(): fc.Arbitrary<string> {
  const fixtures = fixtureLines();
  const line = fc.oneof(
    fc.constantFrom(...NOISE),
    fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...NOISE)).map(([p, n]) => p + n),
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const mutated = fc
    .record({
      f: fc.nat(fixtures.length - 1),
      from: fc.nat(),
      len: fc.integer({ min: 0, max: 2000 }),
      whole: fc.boolean(),
      edits: fc.array(
        fc.tuple(
          fc.nat(),
          fc.oneof(
            fc.constant('drop'),
            fc.constant('dup'),
            fc.constant('cut'),
            fc.constant('char'),
            fc.constant('insert'),
            fc.constant('prefix'),
          ),
          line,
          fc.nat(),
        ),
        { maxLength: 12 },
      ),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      truncate: fc.option(fc.nat()),
    })
    .map(({ f, from, len, whole, edits, crlf, bom, truncate }) => {
      const src = fixtures[f]!;
      // The whole file keeps the section structure; a window tests logs cut anywhere.
      const lines = whole ? [...src] : src.slice(from % src.length, (from % src.length) + len);
      for (const [at, op, l, k] of edits) {
        if (!lines.length) {
          lines.push(l);
          continue;
        }
        const i = at % lines.length;
        const cur = lines[i]!;
        if (op === 'drop') lines.splice(i, 1);
        else if (op === 'dup') lines.splice(i, 0, cur);
        else if (op === 'cut') lines[i] = cur.slice(0, k % (cur.length + 1));
        else if (op === 'char') lines[i] = cur.slice(0, k % (cur.length + 1)) + l.slice(0, 3) + cur.slice((k % (cur.length + 1)) + 1);
        else if (op === 'insert') lines.splice(i, 0, l);
        else lines[i] = PREFIXES[k % PREFIXES.length] + cur;
      }
      let text = lines.join(crlf ? '\r\n' : '\n');
      if (truncate !== null) text = text.slice(0, truncate % (text.length + 1));
      return (bom ? '\ufeff' : '') + text;
    });
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: fc.array(line, { maxLength: 60 }).map((l) => l.join('\n')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
  );
}

const SIZES = [
  '3G',
  '0',
  '-3G',
  '1',
  '4096',
  '0x1000',
  '64T',
  '65T',
  '1E',
  '1.5G',
  '3 G',
  'G',
  '',
  '0x',
  '99999999999999999999',
  '1e30',
  'NaN',
  '3g',
  '1500M',
  '0xfffffffffffff000',
];

/** A machine file: a preset's JSON mutated, a JSON value from nothing, or text from nothing. */
export function machineArbitrary(): fc.Arbitrary<string> {
  const size = fc.oneof(fc.constantFrom(...SIZES), fc.integer(), fc.double(), fc.constant(null), fc.boolean());
  const range = fc.record({ start: size, size }, { requiredKeys: [] });
  const obj = fc.record(
    {
      name: fc.oneof(fc.string(), fc.integer()),
      arch: fc.constantFrom('x86_64', 'arm64', ''),
      cpu: fc.record(
        { features: fc.array(fc.constantFrom('pdpe1gb', 'x', '')), vendor: fc.constantFrom('AMD', 'Intel', 'VIA') },
        { requiredKeys: [] },
      ),
      cmdline: fc.oneof(fc.string(), fc.constantFrom('hugepagesz=1G hugepages=2', 'hugepages=-5', '"unbalanced')),
      q35: fc.record({ nodes: fc.array(size, { maxLength: 9 }), numa: fc.boolean() }, { requiredKeys: [] }),
      e820: fc.array(
        fc.record(
          { start: size, size, type: fc.constantFrom('usable', 'reserved', 'ACPI data', 'ACPI NVS', 'bogus') },
          { requiredKeys: [] },
        ),
        { maxLength: 6 },
      ),
      nodes: fc.array(
        fc.record(
          {
            id: fc.oneof(fc.integer({ min: -2, max: 1100 }), fc.string()),
            ranges: fc.array(fc.record({ start: size, size, hotplug: fc.boolean() }, { requiredKeys: [] }), { maxLength: 3 }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      extra: range,
    },
    { requiredKeys: [] },
  );
  const presets = presetNames().map((n) => JSON.stringify(presetJson(n), null, 2));
  const mutatedPreset = fc
    .tuple(fc.constantFrom(...presets), fc.nat(), fc.nat(20), fc.string({ maxLength: 4 }))
    .map(([p, at, cut, ins]) => p.slice(0, at % p.length) + ins + p.slice((at % p.length) + cut));
  // Near the valid: sizes a machine has, nodes in order, e820 maps of usable ranges that may overlap.
  const good = fc.constantFrom('1G', '3G', '512M', '4096M', '2G', '0x40000000', '1T', '64T', 1 << 30, '128M', '1M');
  const nearValid = fc.oneof(
    fc.record(
      {
        q35: fc.record({ nodes: fc.array(good, { minLength: 1, maxLength: 8 }), numa: fc.boolean() }, { requiredKeys: ['nodes'] }),
        cmdline: fc.constantFrom('', 'hugepagesz=1G hugepages=2', 'hugepages=3'),
      },
      { requiredKeys: ['q35'] },
    ),
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.nat(2)), { minLength: 1, maxLength: 5 })
      .map((rs) => ({
        e820: rs.map(([at, len]) => ({ start: `${at}G`, size: `${len}G`, type: 'usable' })),
        nodes: rs.map(([at, len, id], i) => ({ id: id + i, ranges: [{ start: `${at}G`, size: `${len}G` }] })),
      })),
  );
  return fc.oneof(
    { weight: 4, arbitrary: nearValid.map((o) => JSON.stringify(o)) },
    { weight: 3, arbitrary: obj.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: mutatedPreset },
    { weight: 1, arbitrary: fc.json() },
    {
      weight: 1,
      arbitrary: fc.tuple(obj, fc.boolean(), fc.nat()).map(([o, bom, cut]) => {
        const t = JSON.stringify(o, null, 1);
        return (bom ? '\ufeff' : '') + t.slice(0, cut % (t.length + 1));
      }),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
}

export interface Reader {
  name: string;
  input: () => fc.Arbitrary<string>;
  read: (text: string) => void;
}

export const READERS: Reader[] = [
  { name: 'kernel log (parseKernelLog, kernelLogText)', input: logArbitrary, read: (t) => void parseKernelLog(t, 'fuzz.txt') },
  {
    name: 'memblock=debug lines (parseMemblockLog)',
    input: logArbitrary,
    read: (t) => void parseMemblockLog(parseKernelLog(t, 'fuzz.txt')),
  },
  {
    name: 'machine from a kernel log (machineFromLog)',
    input: logArbitrary,
    read: (t) => void machineFromLog(parseKernelLog(t, 'fuzz.txt')),
  },
  {
    name: 'memblock replay of a log (replayMemblock)',
    input: logArbitrary,
    read: (t) => void replayMemblock(parseKernelLog(t, 'fuzz.txt')),
  },
  {
    name: 'log line prefixes (kernelLogText)',
    input: () => fc.tuple(fc.constantFrom(...PREFIXES), fc.string({ unit: 'binary', maxLength: 60 })).map(([p, s]) => p + s),
    read: (t) => void kernelLogText(t),
  },
  { name: 'machine file (loadMachineJson)', input: machineArbitrary, read: (t) => void loadMachineJson(t, 'fuzz.json') },
];

export interface FuzzResult {
  reader: string;
  runs: number;
  inputErrors: number;
  uncaught: { input: string; error: string }[];
  ms: number;
}

/** Run every reader `runs` times; collects (does not throw) the inputs that raised anything but an InputError. */
export function fuzz(runs: number, seed = 1): FuzzResult[] {
  return READERS.map((r) => {
    const t0 = performance.now();
    let inputErrors = 0;
    const uncaught: FuzzResult['uncaught'] = [];
    fc.assert(
      fc.property(r.input(), (text) => {
        try {
          r.read(text);
        } catch (e) {
          if (e instanceof InputError) inputErrors++;
          else if (uncaught.length < 5)
            uncaught.push({ input: text.slice(0, 300), error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
          else uncaught.length++;
        }
      }),
      { numRuns: runs, seed },
    );
    return { reader: r.name, runs, inputErrors, uncaught, ms: performance.now() - t0 };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 10000);
  const seed = Number(process.argv[3] ?? 1);
  let bad = 0;
  for (const r of fuzz(runs, seed)) {
    bad += r.uncaught.length;
    process.stdout.write(
      `${r.reader}: ${r.runs} inputs, ${r.inputErrors} input errors (exit 2), ${r.uncaught.length} uncaught, ${(r.ms / 1000).toFixed(1)} s\n`,
    );
    for (const u of r.uncaught.slice(0, 5)) process.stdout.write(`  ${u.error}\n    input: ${JSON.stringify(u.input)}\n`);
  }
  process.exitCode = bad ? 1 : 0;
}
