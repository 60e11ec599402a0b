// What a machine's reader takes but does not model is said, never dropped without a word: QEMU options
// (-smp, -numa dist, ...) and node ids the kernel renumbers (SRAT proximity domains).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { sratDomainOrder } from '../../src/machine/validate.js';
import { boot } from '../../src/simulator.js';
import { ROOT } from '../helpers.js';

const TWO =
  '-m 2G -object memory-backend-ram,id=a,size=1G -numa node,nodeid=0,memdev=a -object memory-backend-ram,id=b,size=1G -numa node,nodeid=1,memdev=b';

describe('QEMU options taken but not modelled', () => {
  const cases: [string, RegExp][] = [
    ['-m 2G -smp 64', /^-smp 64: not modelled .*one CPU/],
    ['-m 2G -smp cpus=2,sockets=2', /^-smp cpus=2,sockets=2: not modelled/],
    [`${TWO} -numa dist,src=0,dst=1,val=21`, /^-numa dist,src=0,dst=1,val=21: not modelled .*SLIT/],
    [`${TWO} -numa cpu,node-id=1,socket-id=0`, /^-numa cpu,node-id=1,socket-id=0: not modelled/],
    [TWO.replace('memdev=a', 'memdev=a,cpus=0-3'), /^-numa node,nodeid=0,memdev=a,cpus=0-3: not modelled .*CPUs are not placed/],
    ['-m 2G,slots=4,maxmem=8G', /^-m 2G,slots=4,maxmem=8G: not modelled .*hotplug/],
    ['-m 2G -machine q35,max-ram-below-4g=1G', /^-machine q35,max-ram-below-4g=1G: not modelled/],
    // Without a file reader (the web page): the CLI reads its size and places it (test/conformance/qemu-prediction.test.ts).
    ['-m 2G -initrd initrd.img', /^-initrd initrd.img: not modelled .*cannot be read here.*reserves none/],
    ['-m 2G -bios OVMF.fd', /^-bios OVMF.fd: not modelled .*SeaBIOS/],
    ['-m 2G -drive if=pflash,format=raw,file=OVMF_CODE.fd', /^-drive if=pflash.*: not modelled .*UEFI/],
    ['-m 2G -no-acpi', /^-no-acpi: not modelled .*SRAT/],
    ['-m 2G -global mch.extended-tseg-mbytes=64', /^-global mch.extended-tseg-mbytes=64: not modelled/],
    ['-m 2G -device pc-dimm,id=d1,memdev=x', /^-device pc-dimm,id=d1,memdev=x: not modelled .*memory devices/],
    ['-m 2G -device virtio-mem-pci,id=vm0,memdev=x', /^-device virtio-mem-pci.*: not modelled/],
  ];
  for (const [args, re] of cases)
    test(args, () => {
      const w = parseQemuArgs(args).warnings;
      assert.ok(
        w.some((l) => re.test(l)),
        `no note matching ${re} in ${JSON.stringify(w)}`,
      );
    });
  test('what changes nothing the kernel sees passes without a note', () => {
    const m = parseQemuArgs(`-machine q35,accel=kvm -enable-kvm -nographic -smp 1 -cpu max -device virtio-net-pci,netdev=n ${TWO}`);
    assert.deepEqual(m.warnings, []);
  });
  test('every output says it: diff (text and --json), boot --meminfo and --check on stderr', () => {
    const hvosim = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const q = '-m 2G -smp 4';
    assert.match(hvosim('diff', '--qemu', q).stdout, /^warning: -smp 4: not modelled/m);
    assert.match(JSON.parse(hvosim('diff', '--qemu', q, '--json').stdout).warnings[0], /^-smp 4: not modelled/);
    assert.match(hvosim('boot', '--qemu', q, '--meminfo').stderr, /^hvosim: warning: -smp 4: not modelled/m);
    assert.match(hvosim('boot', '--qemu', q, '--check').stderr, /^hvosim: warning: -smp 4: not modelled/m);
    assert.match(JSON.parse(hvosim('boot', '--qemu', q, '--check', '--json').stdout).warnings[0], /^-smp 4: not modelled/);
    assert.match(hvosim('boot', '--qemu', q).stdout, /^warning: -smp 4: not modelled/m);
  });
});

describe('node ids are SRAT proximity domains, which the kernel renumbers', () => {
  const file = (ids: number[]) =>
    JSON.stringify({
      e820: [{ start: 0, size: `${ids.length * 512}M`, type: 'usable' }],
      nodes: ids.map((id, i) => ({ id, ranges: [{ start: `${i * 512}M`, size: '512M' }] })),
    });
  test('ids 5 and 2: said, in the order the kernel numbers them', () => {
    const m = loadMachineJson(file([5, 2]), 'm.json');
    assert.ok(
      m.warnings.some((w) => /acpi_map_pxm_to_node\(\).*: id 2 becomes node 0, id 5 becomes node 1$/.test(w)),
      JSON.stringify(m.warnings),
    );
    assert.deepEqual(loadMachineJson(file([0, 1, 2]), 'm.json').warnings, []);
  });
  test("the note's numbering is the boot's own (its SRAT lines), for any ids in any order (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 4 }), (ids) => {
        const m = loadMachineJson(file(ids), 'm.json');
        const order = sratDomainOrder(m.nodes);
        const s = boot(m, { profile: '6.1', others: null });
        const seen = new Map<number, number>();
        for (const l of s.dmesg) {
          const r = /^ACPI: SRAT: Node (\d+) PXM (\d+) /.exec(l);
          if (r) seen.set(Number(r[2]), Number(r[1]));
        }
        for (const [pxm, nid] of seen) assert.equal(order.indexOf(pxm), nid, `${ids}: PXM ${pxm}`);
        const renumbered = order.some((pxm, nid) => pxm !== nid);
        assert.equal(
          m.warnings.some((w) => w.includes('acpi_map_pxm_to_node()')),
          renumbered,
          `${ids}: ${JSON.stringify(m.warnings)}`,
        );
      }),
      { numRuns: 12 },
    );
  });
});
