// QEMU command lines as QEMU 7.2 reads them: CPU models and their 1 GiB pages, -cpu modifiers,
// and what QEMU refuses (unknown options, duplicate or too many NUMA nodes, mem= on q35, ...).
// The expectations about QEMU were taken from QEMU 7.2 itself (qom-get of the CPU's pdpe1gb for
// each -cpu string; each refused command line was run and its error read).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { estimatedOthers } from '../../src/kernel/others.js';
import { parseQemuCpu } from '../../src/machine/qemu-cpu.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { InputError } from '../../src/util/errors.js';
import { GiB } from '../../src/util/units.js';

function inputError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.describe(), re);
    return true;
  });
}

const B2 = '-object memory-backend-ram,id=a,size=1G -object memory-backend-ram,id=b,size=1G';

describe('QEMU CPU models and 1 GiB pages', () => {
  test('server and EPYC models, host and max have pdpe1gb; the desktop and default models do not', () => {
    for (const m of [
      'host',
      'max',
      'EPYC',
      'EPYC-Rome-v2',
      'EPYC-Genoa',
      'Skylake-Server',
      'Skylake-Server-IBRS',
      'Cascadelake-Server-v5',
      'Icelake-Server-noTSX',
      'Cooperlake',
      'SapphireRapids',
      'GraniteRapids',
      'Opteron_G5',
      'Dhyana',
    ]) {
      assert.equal(parseQemuCpu(m).pdpe1gb, true, m);
    }
    for (const m of [
      'qemu64',
      'kvm64',
      'Nehalem',
      'Westmere-IBRS',
      'Haswell-noTSX',
      'Broadwell-v4',
      'Skylake-Client',
      'SandyBridge',
      'core2duo',
      'Opteron_G3',
    ]) {
      assert.equal(parseQemuCpu(m).pdpe1gb, false, m);
    }
  });
  test('vendors: EPYC and qemu64 are AMD, Skylake-Server Intel, Dhyana Hygon; vendor= overrides', () => {
    assert.equal(parseQemuCpu('EPYC').vendor, 'AMD');
    assert.equal(parseQemuCpu('qemu64').vendor, 'AMD');
    assert.equal(parseQemuCpu('Skylake-Server').vendor, 'Intel');
    assert.equal(parseQemuCpu('Dhyana').vendor, 'Hygon');
    assert.equal(parseQemuCpu('qemu64,vendor=GenuineIntel').vendor, 'Intel');
  });
  test('modifiers as QEMU applies them: name=value in order, then +name, then -name (which wins)', () => {
    const gb = (s: string) => parseQemuCpu(s).pdpe1gb;
    assert.equal(gb('qemu64,+pdpe1gb'), true);
    assert.equal(gb('qemu64,pdpe1gb'), true);
    assert.equal(gb('qemu64,pdpe1gb=yes'), true);
    assert.equal(gb('qemu64,+pdpe1gb,pdpe1gb=off'), true);
    assert.equal(gb('qemu64,pdpe1gb=on,-pdpe1gb'), false);
    assert.equal(gb('qemu64,-pdpe1gb,+pdpe1gb'), false);
    assert.equal(gb('qemu64,pdpe1gb=on,pdpe1gb=off'), false);
    assert.equal(gb('Skylake-Server,-pdpe1gb'), false);
    assert.equal(gb('Skylake-Server,pdpe1gb=off'), false);
  });
  test('an unknown model, property or value is refused as QEMU refuses it', () => {
    inputError(() => parseQemuCpu('Skylake'), /unable to find CPU model 'Skylake'/);
    inputError(() => parseQemuCpu('qemu64,+foo'), /no CPU property 'foo'/);
    inputError(() => parseQemuCpu('qemu64,pdpe1gb=maybe'), /'pdpe1gb' expects 'on' or 'off'/);
  });
  test('a 32-bit model cannot start an x86_64 kernel', () => {
    inputError(() => parseQemuArgs('-m 2G -cpu qemu32'), /-cpu qemu32 has no long mode/);
    inputError(() => parseQemuArgs('-m 2G -cpu qemu64,-lm'), /no long mode/);
  });
  test('-cpu host, max, EPYC and Skylake-Server boot with 1 GiB pages (they said "unsupported hugepagesz=1G")', () => {
    for (const model of ['host', 'max', 'EPYC', 'Skylake-Server']) {
      const m = parseQemuArgs(`-m 8G -cpu ${model} -append "hugepagesz=1G hugepages=2"`);
      const s = boot(m, { profile: '6.1', others: estimatedOthers });
      assert.ok(s.dmesg.includes('HugeTLB: registered 1.00 GiB page size, pre-allocated 2 pages'), model);
      assert.ok(!s.dmesg.includes('HugeTLB: unsupported hugepagesz=1G'), model);
    }
    assert.match(parseQemuArgs('-m 8G -cpu host').warnings.join('\n'), /takes the host CPU to have 1 GiB pages/);
  });
});

describe('what QEMU refuses on its command line', () => {
  test('an unknown option, or one without its argument', () => {
    inputError(() => parseQemuArgs('-m 2G -frobnicate'), /-frobnicate: invalid option/);
    inputError(() => parseQemuArgs('-m'), /-m requires an argument/);
    assert.ok(
      parseQemuArgs('qemu-system-x86_64 --m 2G -nographic -smp 2 -enable-kvm disk.img').e820.some(
        (e) => e.type === 'usable' && e.end === 2 * GiB - 0x21000,
      ),
    );
  });
  test('a duplicate nodeid', () => {
    inputError(() => parseQemuArgs(`-m 2G ${B2} -numa node,nodeid=0,memdev=a -numa node,nodeid=0,memdev=b`), /Duplicate NUMA nodeid: 0/);
  });
  test('node ids from 128 on (MAX_NODES), given or implied by the 129th node', () => {
    inputError(
      () => parseQemuArgs(`-m 2G ${B2} -numa node,nodeid=0,memdev=a -numa node,nodeid=128,memdev=b`),
      /Max number of NUMA nodes reached: 128/,
    );
    const many = Array.from({ length: 129 }, () => '-numa node').join(' ');
    inputError(() => parseQemuArgs(`-m 2G ${many}`), /Max number of NUMA nodes reached: 128/);
  });
  test('unknown keys of -numa and of memory backends', () => {
    inputError(() => parseQemuArgs(`-m 2G ${B2} -numa node,memdev=a,foo=1 -numa node,memdev=b`), /Invalid parameter 'foo'/);
    inputError(
      () => parseQemuArgs('-m 2G -object memory-backend-ram,id=a,size=2G,bogus=1 -numa node,memdev=a'),
      /Invalid parameter 'bogus'/,
    );
    inputError(() => parseQemuArgs('-m 2G -numa nodes'), /Parameter 'type' does not accept value 'nodes'/);
  });
  test('-numa node,mem= on q35 (machine types from 5.1 on); pc-q35-5.0 still takes it', () => {
    inputError(
      () => parseQemuArgs('-M q35 -m 2G -numa node,mem=1G -numa node,mem=1G'),
      /-numa node,mem is not supported by this machine type/,
    );
    assert.equal(parseQemuArgs('-M pc-q35-5.0 -m 2G -numa node,mem=1G -numa node,mem=1G').nodes.length, 2);
  });
  test('mem= and memdev= mixed, a backend used twice, a backend of size 0, a missing node id', () => {
    inputError(() => parseQemuArgs(`-M pc-q35-5.0 -m 2G ${B2} -numa node,memdev=a,mem=1G`), /either mem= or memdev=/);
    inputError(() => parseQemuArgs(`-m 2G ${B2} -numa node,memdev=a -numa node,memdev=a`), /memory backend a can't be used multiple times/);
    inputError(() => parseQemuArgs('-m 2G -object memory-backend-ram,id=z,size=0 -numa node,memdev=z'), /doesn't take value '0'/);
    inputError(() => parseQemuArgs('-m 2G -numa node,nodeid=1'), /Node ID missing: 0/);
  });
  test('without -m the guest has 128 MiB, which the nodes must add up to', () => {
    inputError(() => parseQemuArgs(`${B2} -numa node,memdev=a -numa node,memdev=b`), /should equal RAM size \(0x8000000\)/);
  });
  test('a node without memory is accepted, as QEMU accepts it: no SRAT range, a memoryless node', () => {
    const m = parseQemuArgs(`-m 2G ${B2} -numa node,memdev=a -numa node,memdev=b -numa node`);
    assert.equal(m.nodes.length, 3);
    assert.deepEqual(m.nodes[2]!.ranges, []);
    assert.equal(m.nodes[1]!.ranges.at(-1)!.end, 2 * GiB);
  });
});

describe('nodes of size 0', () => {
  test('a q35 node of size 0 is a memoryless node (it was called an overlap when it came first)', async () => {
    const { loadMachineJson } = await import('../../src/machine/json.js');
    const first = loadMachineJson(JSON.stringify({ q35: { nodes: [0, '3G', '3G'] } }), 'z.json');
    assert.deepEqual(first.nodes[0]!.ranges, []);
    assert.deepEqual(first.nodes[1]!.ranges[0], { start: 0, end: 0xa0000 });
    assert.match(first.warnings.join('\n'), /node 0 owns no usable memory/);
    const middle = loadMachineJson(JSON.stringify({ q35: { nodes: ['3G', 0, '3G'] } }), 'z.json');
    assert.deepEqual(middle.nodes[1]!.ranges, []);
    assert.deepEqual(middle.nodes[2]!.ranges[0]!.start, middle.nodes[0]!.ranges.at(-1)!.end);
  });
  test('an explicit node may have no ranges; a range of size 0 is named as such', async () => {
    const { loadMachineJson } = await import('../../src/machine/json.js');
    const e820 = [
      { start: 0, size: '0x9fc00', type: 'usable' },
      { start: '0x100000', size: '2047M', type: 'usable' },
    ];
    const m = loadMachineJson(
      JSON.stringify({
        e820,
        nodes: [
          { id: 0, ranges: [{ start: 0, size: '2G' }] },
          { id: 1, ranges: [] },
        ],
      }),
      'z.json',
    );
    assert.deepEqual(m.nodes[1]!.ranges, []);
    inputError(
      () =>
        loadMachineJson(
          JSON.stringify({
            e820,
            nodes: [
              { id: 0, ranges: [{ start: 0, size: '2G' }] },
              { id: 1, ranges: [{ start: '2G', size: 0 }] },
            ],
          }),
          'z.json',
        ),
      /node 1 has a range of size 0 at 0x0000000080000000: leave it out/,
    );
  });
});

describe('RAM beyond MAX_PHYSMEM_BITS', () => {
  test('a machine of more than 64 TiB is told that the kernel cannot use the rest and dies on it (it was cut silently)', () => {
    const m = parseQemuArgs('-m 66T -cpu Skylake-Server');
    assert.match(
      m.warnings.join('\n'),
      /^2 TiB of RAM lies above 64 TiB \(MAX_PHYSMEM_BITS 46, x86_64 with 4-level paging, which hvosim assumes\): .* dies in free_area_init\(\)/m,
    );
    const s = boot(m, { profile: '6.1', others: estimatedOthers });
    assert.equal(s.maxPfn, 2 ** 46 / 4096);
    assert.match(s.panic ?? '', /subsection_map_init\(\)/);
    assert.equal(parseQemuArgs('-m 63T -cpu Skylake-Server').warnings.length, 0);
    // q35 puts RAM above 4 GiB from 4 GiB on: a guest of 64 TiB reaches 2 GiB past the limit.
    assert.match(parseQemuArgs('-m 64T -cpu Skylake-Server').warnings.join(''), /^2 GiB of RAM lies above 64 TiB/);
  });
});

describe('shell syntax', () => {
  test('what the shell splitter cannot read is an InputError (fuzzing found "${" thrown raw)', () => {
    inputError(() => parseQemuArgs('${'), /cannot split the QEMU command line as a shell would/);
    inputError(() => parseQemuArgs('-m 2G | cat'), /unsupported shell syntax/);
  });
});
