// The 6.16 and 7.0 generations against their real boots (test/fixtures/linux-6.16, linux-7.0), and
// the behaviours 6.16 brought that every later generation keeps (SINCE_6_16 / SINCE_7_0).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_NOLEAKTRACE } from '../../src/kernel/memblock-flags.js';
import { q35Machine } from '../../src/machine/qemu.js';
import { getProfile, validatedAgainst, type ProfileName } from '../../src/profiles/index.js';
import { isOurCall, ourPrintedCalls } from '../../src/trace/foreign.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { replayFixture } from '../../src/trace/observe.js';
import { GiB } from '../../src/util/units.js';
import { read, ROOT } from '../helpers.js';

function bootOf(profile: ProfileName, cmdline = 'memblock=debug hugepagesz=1G hugepages=2') {
  return boot(q35Machine({ nodeSizes: [3 * GiB, 3 * GiB], numa: true, cpuFeatures: ['pdpe1gb'], cmdline }, 'test'), { profile });
}

describe('6.16 on: the early memblock calls', () => {
  test('[0, 1 MiB) is reserved by reserve_real_mode() from 6.16, by setup_arch() before', () => {
    const low = (p: ProfileName) =>
      bootOf(p)
        .memblock.calls.filter((c) => c.fn === 'memblock_reserve' && c.base === 0 && c.size === 0x100000)
        .map((c) => c.caller);
    assert.deepEqual(low('6.15'), ['setup_arch']);
    assert.deepEqual(low('6.16'), ['reserve_real_mode']);
    assert.deepEqual(low('7.0'), ['reserve_real_mode']);
  });

  test('the mem_section root is memblock_alloc_or_panic()’s from 6.15 (6.14), and counts as ours (the call before sparse_index_alloc)', () => {
    for (const [p, caller] of [
      ['6.12', 'sparse_init'],
      ['6.15', '__memblock_alloc_or_panic'],
      ['6.16', '__memblock_alloc_or_panic'],
      ['7.0', '__memblock_alloc_or_panic'],
    ] as const) {
      const ours = ourPrintedCalls(bootOf(p).memblock);
      const i = ours.findIndex((c) => c.caller === 'sparse_index_alloc');
      assert.equal(ours[i - 1]?.caller, caller, p);
      assert.equal(ours[i - 1]?.size, 16384, p);
    }
    assert.equal(isOurCall('__memblock_alloc_or_panic', 'sparse_index_alloc'), true);
    assert.equal(isOurCall('__memblock_alloc_or_panic', 'firmware_map_add_early'), false);
    assert.equal(isOurCall('__memblock_alloc_or_panic', undefined), false);
  });

  test('the memmap buffer and the vmemmap blocks pass MEMBLOCK_ALLOC_NOLEAKTRACE from 6.15 (6.14), ACCESSIBLE before', () => {
    const limits = (p: ProfileName) =>
      new Set(
        bootOf(p)
          .memblock.calls.filter(
            (c) => (c.caller === 'sparse_init_nid' && c.fn === 'memblock_alloc_exact_nid_raw') || c.caller.startsWith('vmemmap_'),
          )
          .filter((c) => c.maxAddr !== undefined)
          .map((c) => c.maxAddr),
      );
    assert.deepEqual([...limits('6.12')], [MEMBLOCK_ALLOC_ACCESSIBLE]);
    assert.deepEqual([...limits('6.15')], [MEMBLOCK_ALLOC_NOLEAKTRACE]);
    assert.deepEqual([...limits('6.16')], [MEMBLOCK_ALLOC_NOLEAKTRACE]);
    assert.deepEqual([...limits('7.0')], [MEMBLOCK_ALLOC_NOLEAKTRACE]);
    assert.equal(getProfile('7.1')!.features.memblockAllocNoLeakTrace, true);
    assert.equal(getProfile('hvo-v7')!.features.memblockAllocNoLeakTrace, true);
  });
});

describe("vmemmap_undo_hvo() (6.16, 7.0): a cut page's vmemmap refilled with base pages", () => {
  test('4096 pages of 4 KiB under the PTE tables that stay (the log names them vmemmap_pte_populate: vmemmap_alloc_block_buf() inlined)', () => {
    const cmd = 'memblock=debug movablecore=1700M hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on';
    const m = q35Machine({ nodeSizes: [4 * GiB], numa: false, cpuFeatures: ['pdpe1gb'], cmdline: cmd }, 'test');
    const calls = (p: ProfileName) =>
      boot(m, { profile: p }).memblock.calls.filter((c) => c.size === 4096 && c.caller === 'vmemmap_alloc_block_buf').length;
    assert.equal(calls('7.0'), 4096);
    assert.equal(calls('6.16'), 4096);
  });
});

describe('"HugeTLB: allocation took" (hugetlb_pages_alloc_boot(), 6.15 on)', () => {
  const took = (p: ProfileName, cmdline: string) => bootOf(p, cmdline).dmesg.filter((l) => l.startsWith('HugeTLB: allocation took')).length;
  test('6.15 and 6.16 print it for the 2 MiB pool asked as a count, even for 0 pages; 7.0 only for a pool that asks', () => {
    assert.equal(took('6.12', 'hugepages=10'), 0);
    assert.equal(took('6.15', 'hugepages=10'), 1);
    assert.equal(took('6.16', 'hugepages=10'), 1);
    assert.equal(took('7.0', 'hugepages=10'), 1);
    assert.equal(took('6.16', 'hugepagesz=1G hugepages=1'), 1);
    assert.equal(took('7.0', 'hugepagesz=1G hugepages=1'), 0);
  });
  test('never for per-node counts, nor for the 1 GiB pool', () => {
    for (const p of ['6.16', '7.0'] as const) {
      assert.equal(took(p, 'hugepagesz=2M hugepages=0:10,1:5'), 0, p);
      assert.equal(took(p, 'hugepagesz=1G hugepages=0:1 hugepagesz=2M hugepages=0:4'), 0, p);
    }
  });
  test('it comes before the "allocating ... failed" line of its pool, in hugetlb_init()', () => {
    const d = bootOf('7.0', 'hugepages=100000').dmesg.filter((l) => l.startsWith('HugeTLB: '));
    assert.match(d[0]!, /^HugeTLB: allocation took 0ms with hugepage_allocation_threads=1$/);
    assert.match(d[1]!, /^HugeTLB: allocating 100000 of page size 2.00 MiB failed/);
  });
});

describe('hugetlb_add_param() (6.15 on): five hugetlb parameters kept', () => {
  const cmd = 'hugepages=3 hugepagesz=1G hugepages=1 hugepages=2 hugepagesz=1G hugepages=1 hugepagesz=3M hugepages=4';
  test('the sixth and later are refused as malformed early options and never parsed', () => {
    const d = bootOf('6.16', cmd).dmesg;
    assert.deepEqual(
      d.filter((l) => l.startsWith('Malformed early option')),
      ["Malformed early option 'hugepages'", "Malformed early option 'hugepagesz'", "Malformed early option 'hugepages'"],
    );
    assert.equal(d.filter((l) => /does not follow|unsupported hugepagesz/.test(l)).length, 0);
  });
  test('6.12 parses every one of them', () => {
    const d = bootOf('6.12', cmd).dmesg;
    assert.equal(d.filter((l) => l.startsWith('Malformed early option')).length, 0);
    assert.ok(d.includes('HugeTLB: unsupported hugepagesz=3M'));
  });
});

for (const version of ['6.16', '7.0'] as const) {
  describe(`linux-${version}: every fixture replayed with the ${version} profile`, () => {
    test('the profile says what it was validated against', () =>
      assert.match(validatedAgainst(getProfile(version)!) ?? '', new RegExp(`test/fixtures/linux-${version.replace('.', '\\.')}$`)));
    const dir = join(ROOT, 'test/fixtures', `linux-${version}`);
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.txt'))
      .sort()) {
      test(`${name}: every memblock call and every observable matches the kernel's`, () => {
        const f = join(dir, name);
        const r = replayFixture(parseKernelLog(read(f), f), version);
        const mm = r.mismatches.filter((m) => m.kind === 'memblock');
        assert.deepEqual(mm, []);
        assert.equal(r.memblock.matched, r.memblock.total);
        // The kernel's "allocation took Nms" is a timing: the HugeTLB lines match with the number left out.
        // Every observable matches, the MemTotal change against the HVO on/off partner included.
        assert.deepEqual(r.mismatches, []);
        assert.equal(r.observables.matched, r.observables.total);
      });
    }
  });
}
