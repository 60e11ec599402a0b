// hvosim explain names who holds a PFN (the memblock reservation and the call that made it, the
// firmware map's type, the kernel image, NODE_DATA, the memmap, a pool page, or free memory), and
// says of its struct page only what is so: pfn 0 lies in a hole that memmap_init() writes as an
// unavailable range (the kernel's "On node 0, zone DMA: 1 pages in unavailable ranges"), and a
// struct page nobody wrote has no flags to read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot, estimatedOthers, type KernelState } from '../../src/simulator.js';
import { PRESETS } from '../../src/machine/presets.js';
import { explainPfn } from '../../src/cli/explain.js';
import { ROOT } from '../helpers.js';

function hvosim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const PS = 4096;
const s: KernelState = boot(PRESETS.default!.build(), { profile: 'hvo-v7', others: estimatedOthers });
const pfnOf = (phys: number) => Math.floor(phys / PS);

describe('explain: who holds a PFN', () => {
  test('pfn 0: a hole the firmware map reserves; memmap_init() wrote its struct page as unavailable, zone DMA of node 0', () => {
    assert.ok(s.dmesg.includes('On node 0, zone DMA: 1 pages in unavailable ranges'));
    const e = explainPfn(s, 0);
    assert.ok(e.hole);
    assert.equal(e.owner.e820?.type, 'reserved');
    assert.equal(e.owner.nid, null);
    assert.equal(e.structPage?.initialized, true);
    assert.equal(e.structPage?.unavailable, true);
    assert.equal(e.pageZonenum, 'DMA');
    assert.equal(e.pageToNid, 0);
    // Reserved by setup_arch's first-page reservation, a call of the log.
    assert.equal(e.owner.reserved.length, 1);
    assert.equal(e.owner.reserved[0]!.owner, 'kernel & firmware');
    assert.ok(e.owner.reserved[0]!.call !== null && e.owner.reserved[0]!.caller);
    const r = hvosim('explain', '--pfn', '0');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /never written/);
    assert.match(r.out, /written by memmap_init\(\) for a hole \(init_unavailable_range\(\): PG_reserved\)/);
    assert.match(
      r.out,
      /\n {2}reserved \[mem 0x0000000000000000-0x0000000000000fff\] by \S+ \(memblock_reserve, memblock call \d+, in \S+\): kernel & firmware\n/,
    );
  });

  test('the kernel image: reserved by early_reserve_memory, and said to be the image', () => {
    const image = s.archSetup.kernelImage(s);
    const e = explainPfn(s, pfnOf(image.start) + 1);
    assert.equal(e.owner.kernelImage, true);
    assert.deepEqual(
      e.owner.reserved.map((r) => [r.caller, r.fn, r.owner]),
      [['early_reserve_memory', 'memblock_reserve', 'kernel & firmware']],
    );
    assert.equal(e.owner.freedLate, false);
  });

  test('NODE_DATA: the node data reservation, and whose pg_data_t it is', () => {
    for (const [nid, addr] of s.nodeData) {
      const e = explainPfn(s, pfnOf(addr));
      assert.equal(e.owner.nodeData, nid);
      assert.equal(e.owner.nid, nid);
      assert.deepEqual(
        e.owner.reserved.map((r) => r.owner),
        ['node data'],
      );
      assert.equal(e.owner.reserved[0]!.step, 'numa_init');
    }
  });

  test('the memmap: sparse_init_nid()s buffer, a 2 MiB block the vmemmap maps', () => {
    const i = s.memblock.calls.findIndex((c) => c.caller === 'sparse_init_nid' && c.fn === 'memblock_alloc_exact_nid_raw' && !!c.result);
    const phys = s.memblock.calls.get(i).result!;
    const e = explainPfn(s, pfnOf(phys));
    assert.equal(e.owner.vmemmap, '2 MiB block');
    assert.deepEqual(
      e.owner.reserved.map((r) => [r.caller, r.call, r.step, r.owner]),
      [['sparse_init_nid', i, 'sparse_init', 'memmap']],
    );
  });

  test('a gigantic page: reserved by hugetlb, in the pool', () => {
    const p = s.hugetlb.pages.find((x) => x.order === 18)!;
    const e = explainPfn(s, p.pfn + 0x40);
    assert.deepEqual(e.owner.hugePage, { pfn: p.pfn, order: 18, nid: p.nid, gathered: true });
    assert.deepEqual(
      e.owner.reserved.map((r) => r.owner),
      ['hugetlb'],
    );
    assert.equal(e.compoundHead, p.pfn);
    const r = hvosim('explain', '--pfn', `0x${(p.pfn + 0x40).toString(16)}`);
    assert.match(r.out, /\n {2}huge page: part of the 1 GiB page at pfn 0x[0-9a-f]+ on node \d, in the hugetlb pool\n/);
  });

  test('free memory: no reservation, all of the page free; the text says so', () => {
    const e = explainPfn(s, 0x100000);
    assert.deepEqual(e.owner.reserved, []);
    assert.equal(e.owner.freeBytes, PS);
    assert.equal(e.owner.hugePage, null);
    assert.match(
      hvosim('explain', '--pfn', '0x100000').out,
      /\n {2}free: not reserved in memblock; memblock_free_all\(\) gave it to the buddy allocator\n/,
    );
  });

  test('a struct page nobody wrote (the boot died before memmap_init()): no flags and no compound_head() are claimed', () => {
    const args = ['explain', '--machine-preset', '2s-server', '--cmdline', 'hugepagesz=1G hugepages=512', '--pfn', '0x100000'];
    const r = hvosim(...args);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\nnote: the boot died after /);
    assert.match(r.out, /never written: its flags and compound_info are whatever that memory held/);
    assert.doesNotMatch(r.out, /\n {2}flags: /);
    assert.doesNotMatch(r.out, /compound_head\(\) = /);
    assert.match(r.out, /taken by hugetlb but never put in the pool \(the boot died first\)/);
    const j = JSON.parse(hvosim(...args, '--json').out);
    assert.equal(j.structPage.initialized, false);
    assert.equal(j.compoundHead, null);
    assert.equal(j.pageZonenum, null);
    assert.ok(j.panic);
  });
});

describe("explain --from-dmesg explains the log's own kernel, as boot --from-dmesg boots it", () => {
  const log = join(ROOT, 'test/fixtures/linux-6.1/p02-2node-1g2-hvo.txt');
  test('a 6.1 log: profile 6.1 from the log, the same boot as boot --from-dmesg', () => {
    const r = hvosim('explain', '--from-dmesg', log, '--pfn', '0x140040', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kernel.profile, '6.1');
    assert.equal(j.kernel.from, 'log');
    const t = hvosim('explain', '--from-dmesg', log, '--pfn', '0x140040');
    assert.match(t.out, /^pfn 0x140040 \(physical 0x0000000140040000\), kernel 6\.1, /);
    // The log's own memblock calls: the huge page's reservation is the log's call, numbered as boot --from-dmesg numbers it.
    const calls = hvosim('boot', '--from-dmesg', log, '--no-plan', '--json-memblock', '-')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const call = calls.find((c) => c.caller === '__alloc_bootmem_huge_page' && c.result <= 0x140040000 && 0x140040000 < c.result + c.size);
    assert.ok(call);
    assert.match(t.out, new RegExp(`memblock call ${call.i}, in hugetlb_setup`));
  });
  test('--kernel still wins, with a word that the log is of another release', () => {
    const j = JSON.parse(hvosim('explain', '--from-dmesg', log, '--pfn', '0x140040', '--kernel', '7.3', '--json').out);
    assert.equal(j.kernel.profile, '7.3');
    assert.match(j.kernel.note, /the log is of Linux 6\.1/);
  });
});
