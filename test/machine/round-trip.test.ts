// machine --json writes a machine file that --machine reads back to the same machine and the same boot:
// every preset, generated QEMU machines, and machines read from real kernel logs (loader, ACPI tables).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { caseArb, qemuArgs } from '../../src/check/campaign.js';
import { loadMachineJson, machineFile } from '../../src/machine/json.js';
import { PRESETS } from '../../src/machine/presets.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import type { Machine } from '../../src/machine/types.js';
import { boot, estimatedOthers } from '../../src/simulator.js';
import { meminfoText, sysfsHugepagesText, zoneinfoText } from '../../src/report/proc.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { fixtureFiles, read, ROOT } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'hvosim-roundtrip-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The machine as a file and back: where it came from and its warnings aside, nothing may change. */
function roundTrip(m: Machine): Machine {
  return loadMachineJson(JSON.stringify(machineFile(m)), 'm.json');
}

function sameMachine(a: Machine, b: Machine, what: string): void {
  const { source: _a, warnings: _w, ...x } = a;
  const { source: _b, warnings: _v, ...y } = b;
  assert.deepEqual(y, x, what);
}

function bootView(m: Machine): string[] {
  const s = boot(m, { profile: '7.3', others: estimatedOthers });
  return [s.panic ?? '', ...s.dmesg, ...meminfoText(s), ...zoneinfoText(s), ...sysfsHugepagesText(s), String(s.memblock.calls.length)];
}

describe('machine --json reads back', () => {
  test('every preset: the same machine, and (but the 64 TiB one) the same boot', () => {
    for (const [name, p] of Object.entries(PRESETS)) {
      const m = p.build();
      const back = roundTrip(m);
      sameMachine(m, back, name);
      if (name !== '64t') assert.deepEqual(bootView(back), bootView(m), name);
    }
  });
  test('generated QEMU machines (property)', () => {
    fc.assert(
      fc.property(caseArb(false), (c) => {
        const m = { ...parseQemuArgs(qemuArgs(c)), cmdline: c.cmdline };
        const back = roundTrip(m);
        sameMachine(m, back, qemuArgs(c));
        assert.deepEqual(bootView(back), bootView(m));
      }),
      { numRuns: 15 },
    );
  });
  test('machines of real kernel logs: the loader and the ACPI tables too', () => {
    const dir = join(ROOT, 'test/fixtures/linux-7.3');
    const logs = [
      ...fixtureFiles().filter((f) => /n02-3node|p05-4node/.test(f)),
      ...readdirSync(dir)
        .filter((n) => n.endsWith('.txt'))
        .slice(0, 3)
        .map((n) => join(dir, n)),
    ];
    assert.equal(logs.length, 5);
    for (const f of logs) {
      const m = machineFromLog(parseKernelLog(read(f)));
      const back = roundTrip(m);
      sameMachine(m, back, f);
      assert.deepEqual(bootView(back), bootView(m), f);
    }
  });
  test('the command line: machine --json > m.json; boot --machine m.json boots as the preset does', () => {
    const hvosim = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    for (const preset of ['default', 'laptop', '4s-3t']) {
      const j = hvosim('machine', '--machine-preset', preset, '--json');
      assert.equal(j.status, 0, j.stderr);
      const file = join(tmp, `${preset}.json`);
      writeFileSync(file, j.stdout);
      const strip = (o: { machine: { source?: string } }) => ({ ...o, machine: { ...o.machine, source: undefined } });
      const a = hvosim('boot', '--machine-preset', preset, '--json', '--no-plan');
      const b = hvosim('boot', '--machine', file, '--json', '--no-plan');
      assert.equal(b.status, a.status, b.stderr);
      assert.deepEqual(strip(JSON.parse(b.stdout)), strip(JSON.parse(a.stdout)), preset);
    }
  });
});
