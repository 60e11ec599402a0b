// Every machine error names where it came from: the machine file, its line and field, or --qemu and the
// QEMU option; never a QEMU option name ("-m:") for a machine file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMachineJson } from '../../src/machine/json.js';
import { parseQemuArgs } from '../../src/machine/qemu.js';
import { InputError } from '../../src/util/errors.js';

function said(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.describe();
  }
  assert.fail('no error');
}

test('a machine file: the file, the line and the field', () => {
  assert.match(
    said(() => loadMachineJson('{"q35": {"nodes": ["0", "0"]}}', 'm.json')),
    /^m\.json:1: q35\.nodes: guest RAM of 0 bytes/,
  );
  const text = '{\n  "q35": {\n    "nodes": [\n      "1M",\n      "3G"\n    ]\n  }\n}\n';
  assert.match(
    said(() => loadMachineJson(text, 'm.json')),
    /^m\.json:4: q35\.nodes\[0\]: node 0 of 1048576 bytes/,
  );
  const explicit = JSON.stringify(
    {
      e820: [{ start: 0, size: '1G', type: 'usable' }],
      nodes: [
        { id: 5, ranges: [{ start: 0, size: '512M' }] },
        { id: 2, ranges: [{ start: '512M', size: 0 }] },
      ],
    },
    null,
    1,
  );
  // The second entry of "nodes" (node 2): its index in the file, not its id.
  assert.match(
    said(() => loadMachineJson(explicit, 'm.json')),
    /^m\.json:\d+: nodes\[1\]: node 2 has a range of size 0/,
  );
});

test('a QEMU command line: --qemu, then the QEMU option', () => {
  assert.match(
    said(() => parseQemuArgs('-m 1M')),
    /^--qemu: -m: guest RAM of 1048576 bytes is too small/,
  );
  assert.match(
    said(() => parseQemuArgs('-m 2G -numa node,nodeid=0 -numa node,nodeid=0')),
    /^--qemu: -numa: .*Duplicate NUMA nodeid: 0/,
  );
  assert.match(
    said(() => parseQemuArgs('-m 2G -bogus')),
    /^--qemu: -bogus: invalid option/,
  );
});
