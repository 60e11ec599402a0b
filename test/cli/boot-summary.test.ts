// What `hvosim boot` says about deaths, HVO, the default huge page size, faults and the plan's margin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const Q2G = '-machine q35 -cpu qemu64,+pdpe1gb -smp 1 -m 2048M -object memory-backend-ram,id=m0,size=2048M -numa node,nodeid=0,memdev=m0';
const ORACLE = 'console=ttyS0 nokaslr memblock=debug log_buf_len=4M';

describe('hvosim boot: the summary', () => {
  test(
    'a boot that will run out of memory says so first and exits 1; at the edge it may; well below it boots ' +
      '(the real 2 GiB machine: 940 died, 935 died, 934 booted)',
    () => {
      const r = hvosim('boot', '--kernel', '6.1', '--qemu', Q2G, '--cmdline', `${ORACLE} hugepages=940`, '--no-plan');
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.out.split('\n')[0]!,
        /^this boot will run out of memory after hugetlb_init\(\): the zones keep .* above their watermarks .* the rest of the boot needs /,
      );
      const edge = hvosim('boot', '--kernel', '6.1', '--qemu', Q2G, '--cmdline', `${ORACLE} hugepages=935`, '--no-plan');
      assert.equal(edge.code, 1);
      assert.match(edge.out.split('\n')[0]!, /^this boot may run out of memory after hugetlb_init\(\): .* within 5 MiB of the edge/);
      const ok = hvosim('boot', '--kernel', '6.1', '--qemu', Q2G, '--cmdline', `${ORACLE} hugepages=900`, '--no-plan');
      assert.equal(ok.code, 0, ok.err);
      assert.doesNotMatch(ok.out, /run out of memory/);
      // --check says it too.
      const c = hvosim('boot', '--kernel', '6.1', '--qemu', Q2G, '--cmdline', `${ORACLE} hugepages=940`, '--check');
      assert.equal(c.code, 1);
      assert.match(c.out, /^this boot will run out of memory/);
    },
  );

  test('HVO off: no saving or cost claimed for HVO; a boot that died: no struct-page figures at all', () => {
    const off = hvosim('boot', '--cmdline', 'hugepagesz=1G hugepages=2');
    assert.equal(off.code, 0);
    assert.match(off.out, /^struct pages: .*; HVO is off, so it saves nothing\.$/m);
    assert.doesNotMatch(off.out, /HVO (saves|costs) /);
    const died = hvosim('boot', '--machine-preset', '2s-server', '--cmdline', 'hugepagesz=1G hugepages=512');
    assert.equal(died.code, 1);
    assert.match(died.out.split('\n')[0]!, /^THE BOOT DIED/);
    assert.match(died.out, /^struct pages: the boot died before the vmemmap was complete/m);
    assert.doesNotMatch(died.out, /HVO (saves|costs) /);
    assert.doesNotMatch(died.out, /holding pages: 0/, 'slots holding the pages hugetlb took are not free');
  });

  test('HugePages_Total is said to count the default size only', () => {
    const r = hvosim('boot', '--no-plan');
    assert.match(
      r.out,
      /HugePages_Total: 0 \(default size only\) {3}Hugepagesize: 2048 kB \(the default size\) {3}Hugetlb: 2097152 kB \(all sizes\)/,
    );
  });

  test('a fault that never fires is a warning on stderr; the boot goes on', () => {
    const r = hvosim('boot', '--fault', 'nth=100000', '--no-plan');
    assert.equal(r.code, 0);
    assert.match(r.err, /^hvosim: warning: fault nth=100000 never fired: the boot made only \d+ memblock allocations$/m);
    const j = JSON.parse(hvosim('boot', '--fault', 'nth=100000', '--no-plan', '--json').out);
    assert.match(j.faultsNeverFired[0], /^fault nth=100000 never fired/);
    assert.equal(hvosim('boot', '--fault', 'nth=1', '--no-plan').err, '');
  });

  test('the planner on 2s-server with HVO off finds more than was asked, and keeps the stated margin', () => {
    const r = hvosim(
      'boot',
      '--kernel',
      'hvo-v7',
      '--machine-preset',
      '2s-server',
      '--cmdline',
      'hugepagesz=1G hugepages=400',
      '--plan-margin',
      '4G',
    );
    assert.equal(r.code, 0, r.err);
    const most =
      /Most 1 GiB pages this machine gets: (\d+) \(node0 (\d+), node1 (\d+)\), leaving ~\S+ \S+ free; asking for (\d+) or more kills the boot/.exec(
        r.out,
      )!;
    assert.ok(most, r.out);
    assert.ok(Number(most[1]) > 400);
    assert.equal(Number(most[2]) + Number(most[3]), Number(most[1]));
    assert.equal(Number(most[4]), Number(most[1]) + 1);
    const keep =
      /Keeping 4 GiB free for the running system \(--plan-margin\): (\d+) \(node0 (\d+), node1 (\d+)\), leaving ~(\S+) (\S+) free/.exec(
        r.out,
      )!;
    assert.ok(keep, r.out);
    assert.ok(Number(keep[1]) < Number(most[1]));
    assert.equal(Number(keep[2]) + Number(keep[3]), Number(keep[1]));
    assert.equal(hvosim('boot', '--plan-margin', 'lots').code, 2);
  });
});
