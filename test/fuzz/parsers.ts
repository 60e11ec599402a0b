// Fuzzing the parsers of outside input: a QEMU command line, a kernel command line (split,
// hugepages= numbers, and a boot that reads it), a machine file. Law for every input: the parser
// returns, or refuses with an InputError (one line, exit 2); any other exception is a bug.
// Used by test/fuzz/parsers.test.ts (a few hundred inputs each) and scripts/fuzz-parsers.ts
// (10,000 or more each).
import fc from 'fast-check';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { cmdlineWords, parseArgs, sscanfLu } from '../../src/kernel/params.js';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuCpu } from '../../src/machine/qemu-cpu.js';
import { parseQemuArgs, q35Machine } from '../../src/machine/qemu.js';
import { cmdlineNotes, cmdlineWarnings } from '../../src/report/cmdline.js';
import { InputError } from '../../src/util/errors.js';
import { GiB } from '../../src/util/units.js';

/** Run `fn`; an InputError is a fine answer, anything else thrown is returned as the failure. */
export function onlyInputErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) {
      const line = e.describe();
      if (line.includes('\n')) throw new Error(`InputError of more than one line: ${JSON.stringify(line)}`);
      return;
    }
    throw e;
  }
}

const size = fc.oneof(
  fc.constantFrom(
    '1G',
    '2G',
    '3G',
    '512M',
    '0',
    '2048',
    '1T',
    '64T',
    '66T',
    '16M',
    '1.5G',
    '-1G',
    'lots',
    '0x40000000',
    '99999999999999999999G',
  ),
  fc.integer({ min: 0, max: 1 << 16 }).map((n) => `${n}M`),
);
const cpuModel = fc.constantFrom(
  'qemu64',
  'host',
  'max',
  'EPYC',
  'EPYC-Rome-v2',
  'Skylake-Server',
  'Skylake-Client',
  'qemu32',
  'kvm64',
  'Cascadelake-Server-v9',
  'nosuch',
  '',
  'Dhyana',
);
const cpuFlag = fc.constantFrom(
  '+pdpe1gb',
  '-pdpe1gb',
  'pdpe1gb=on',
  'pdpe1gb=off',
  'pdpe1gb=maybe',
  'pdpe1gb',
  '+lm',
  '-lm',
  'lm=off',
  'vendor=GenuineIntel',
  'vendor=x',
  '+foo',
  'foo=bar',
  '',
  '+',
  '=',
  '+pdpe1gb=on',
);
const numaKey = fc.constantFrom('nodeid', 'memdev', 'mem', 'cpus', 'initiator', 'foo', '', 'src', 'dst', 'val', 'node-id');
const numaVal = fc.oneof(fc.constantFrom('0', '1', '2', '127', '128', '-1', 'x', 'm0', 'm1', 'a', '0-3', ''), size);
const token: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('-m', '--m', '-m size='), size).map(([o, s]) => (o.endsWith('=') ? `-m size=${s}` : `${o} ${s}`)),
  fc.tuple(cpuModel, fc.array(cpuFlag, { maxLength: 4 })).map(([m, f]) => `-cpu ${[m, ...f].join(',')}`),
  fc
    .tuple(fc.constantFrom('node', 'dist', 'cpu', 'nodes', 'hmat-lb', ''), fc.array(fc.tuple(numaKey, numaVal), { maxLength: 3 }))
    .map(([t, kv]) => `-numa ${[t, ...kv.map(([k, v]) => `${k}=${v}`)].join(',')}`),
  fc
    .tuple(
      fc.constantFrom('memory-backend-ram', 'memory-backend-file', 'memory-backend-memfd', 'iothread', 'memory-backend-foo'),
      fc.constantFrom('m0', 'm1', 'a', ''),
      size,
      fc.constantFrom('', ',share=on', ',bogus=1', ',prealloc=on'),
    )
    .map(([t, id, s, x]) => `-object ${t},id=${id},size=${s}${x}`),
  fc.constantFrom(
    '-M q35',
    '-machine q35',
    '-machine pc',
    '-M pc-q35-5.0',
    '-M pc-q35-7.2',
    '-machine type=q35,accel=kvm',
    '-M none',
    '-enable-kvm',
    '-nographic',
    '-smp 4',
    '-frob',
    '-',
    '--',
    'disk.img',
    '-append',
    '-kernel',
    '"',
    "'",
    '|',
    '&&',
    '$x',
    '#',
    '-append "hugepages=2"',
  ),
  fc.string({ maxLength: 12 }),
);

/** QEMU command lines: mostly well-formed pieces in odd combinations, some noise. */
export const qemuLineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(token, { maxLength: 10 }).map((ts) => ts.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);

const count = fc.oneof(
  fc.constantFrom(
    '-5',
    '+2',
    '0',
    '1',
    '2',
    '3',
    '" 4"',
    '"2"',
    '0:-1',
    '0:1,1:1',
    '1:1,7:1',
    '0:1,',
    ':1',
    '1junk',
    '18446744073709551617',
    '99999999999999999999',
    '0x10',
    '0:0',
    '1023:1',
    '1024:1',
    '',
  ),
  fc.nat(50).map(String),
);
const param: fc.Arbitrary<string> = fc.oneof(
  count.map((c) => `hugepages=${c}`),
  fc.constantFrom('1G', '2M', '3M', '1g', '0', '4K', 'x', '"1G"', '1G"').map((s) => `hugepagesz=${s}`),
  fc.constantFrom('1G', '2M', 'x').map((s) => `default_hugepagesz=${s}`),
  fc.constantFrom('on', 'off', 'maybe', '', '1', 'y').map((s) => `hugetlb_free_vmemmap=${s}`),
  fc.constantFrom(
    'hugetlb_free_vmemmap',
    '--',
    '"',
    'x="open',
    '"a b"',
    'default-hugepagesz=1G',
    'movablecore=10%',
    'kernelcore=1G',
    'numa=off',
    'memblock=debug',
    'log_buf_len=1M',
    '=',
    '==',
    'a=b=c',
  ),
  fc.string({ maxLength: 10 }),
);
const sep = fc.constantFrom(' ', '  ', '\t', '\n', ' \u00a0');

/** Kernel command lines: parameters hvosim reads with odd values, quotes, noise; now and then one too long. */
export const kernelLineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(param, sep), { maxLength: 8 }).map((ps) => ps.map(([p, s]) => p + s).join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2040, max: 2060 }), param).map(([n, p]) => `${p} p=`.padEnd(n, 'x')) },
);

const addr = fc.oneof(
  fc.constantFrom(0, '0x100000', '1G', '4G', '64T', '0x9fc00', -1, 1.5, '2G', 'x', 2 ** 53, '0xffffffffffffffff'),
  fc.nat(1 << 30),
);
const e820Entry = fc.record({ start: addr, size: addr, type: fc.constantFrom('usable', 'reserved', 'ACPI data', 'bogus', 'usable') });
const nodeEntry = fc.record({
  id: fc.oneof(fc.nat(5), fc.constantFrom(-1, 1024, 1.5)),
  ranges: fc.array(fc.record({ start: addr, size: addr }), { maxLength: 3 }),
});

/** Machine files: shapes near the schema, with wrong types, overlaps and sizes of 0 among them. */
export const machineFileArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          name: fc.string({ maxLength: 5 }),
          q35: fc.record(
            { nodes: fc.array(fc.oneof(size, fc.nat(4 * GiB)), { maxLength: 4 }), numa: fc.boolean() },
            { requiredKeys: ['nodes'] },
          ),
          e820: fc.array(e820Entry, { maxLength: 5 }),
          nodes: fc.array(nodeEntry, { maxLength: 3 }),
          cpu: fc.record(
            {
              features: fc.array(fc.constantFrom('pdpe1gb', 'x'), { maxLength: 2 }),
              vendor: fc.constantFrom('AMD', 'Intel', 'Hygon', 'VIA'),
            },
            { requiredKeys: ['features'] },
          ),
          cmdline: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('hugepagesz=1G hugepages=2')),
          extra: fc.nat(),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const smallMachine = (cmdline: string) =>
  q35Machine({ nodeSizes: [GiB + 512 * 2 ** 20, GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline }, 'fuzz');

/** A property over any inputs: the parsers' properties differ in their input types. */
// biome-ignore lint/suspicious/noExplicitAny: each parser property has its own input type
type FuzzProperty = fc.IProperty<any>;

/** The properties, by parser. `boots`: also boot a small machine with each kernel command line. */
export function fuzzProperties(boots = true): Record<string, FuzzProperty> {
  return {
    'QEMU command line': fc.property(qemuLineArb, (line) => {
      onlyInputErrors(() => parseQemuArgs(line));
    }),
    'QEMU -cpu': fc.property(fc.tuple(cpuModel, fc.array(fc.oneof(cpuFlag, fc.string({ maxLength: 6 })), { maxLength: 4 })), ([m, f]) => {
      onlyInputErrors(() => parseQemuCpu([m, ...f].join(',')));
    }),
    'kernel command line': fc.property(
      kernelLineArb,
      fc.constantFrom('6.1', '6.15', 'hvo-v7') as fc.Arbitrary<'6.1' | '6.15' | 'hvo-v7'>,
      (line, profile) => {
        parseArgs(line);
        cmdlineWords(line);
        cmdlineNotes(line);
        cmdlineWarnings(line);
        for (const w of cmdlineWords(line)) sscanfLu(w);
        if (boots) boot(smallMachine(line), { profile, others: estimatedOthers });
      },
    ),
    'machine file': fc.property(machineFileArb, (text) => {
      onlyInputErrors(() => loadMachineJson(text, 'fuzz.json'));
    }),
  };
}
