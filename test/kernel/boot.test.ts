// The modelled early boot steps against real boots of the same machines.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { boot } from '../../src/simulator.js';
import { memblockDbgLine } from '../../src/kernel/memblock.js';
import { machineFromLog } from '../../src/trace/machine-from-log.js';
import { parseKernelLog } from '../../src/trace/log.js';
import { fixtureFiles, read } from '../helpers.js';

/** A kernel caller without its offset and without GCC's clone suffixes (.constprop.0, .isra.0, .part.0). */
function strip(t: string): string {
  return t.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, '').replace(/\.(constprop|isra|part)\.\d+$/, '');
}

/** The log's lines between two markers (the first dump, NUMA block...). */
function dumpBlocks(lines: string[]): string[][] {
  const out: string[][] = [];
  lines.forEach((l, i) => {
    if (l !== 'MEMBLOCK configuration:') return;
    const block = [l];
    for (let j = i + 1; j < lines.length && /^ (memory|reserved)/.test(lines[j]!); j++) block.push(lines[j]!);
    out.push(block);
  });
  return out;
}

describe('early boot against the real kernel', () => {
  for (const file of fixtureFiles()) {
    test(basename(file), () => {
      const log = parseKernelLog(read(file), file);
      const kernel = log.dmesg.map((l) => l.text);
      const s = boot(machineFromLog(log), { profile: '6.1' });
      const ours = s.dmesg;
      // e820 fix-ups, max_pfn, SRAT, NUMA merges: the same lines in the same order.
      const pick = (ls: string[]) => ls.filter((l) => /^(BIOS-e820|e820: (update|remove)|last_pfn|ACPI: SRAT: Node|NUMA: )/.test(l));
      assert.deepEqual(pick(ours), pick(kernel));
      // The first MEMBLOCK dump (memory map and early reservations) is the kernel's, byte for byte.
      assert.deepEqual(dumpBlocks(ours)[0], dumpBlocks(kernel)[0]);
      // The calls we make are the kernel's calls, same arguments.
      const ourCalls = s.memblock.calls
        .filter((c) => c.printed && !c.caller.startsWith('memblock_alloc_range_nid'))
        .map((c) => memblockDbgLine(c));
      const kernelCalls = kernel.filter((l) => /^memblock_[a-z_]+: /.test(l)).map(strip);
      for (const c of ourCalls) assert.ok(kernelCalls.includes(c), `kernel made the call: ${c}`);
      // sparse_init makes exactly the kernel's calls, in the kernel's order.
      const SPARSE =
        /(sparse_init|sparse_index_alloc|sparse_init_nid|vmemmap_alloc_block_zero|vmemmap_alloc_block_buf|sparse_buffer_fini|sparse_buffer_alloc)$/;
      assert.deepEqual(
        ourCalls.filter((c) => SPARSE.test(c)),
        kernelCalls.filter((c) => SPARSE.test(c)),
      );
      // Where the kernel used memblock for init_mem_mapping's page tables we do not model it;
      // without them (KASLR or small machines) every address we hand out is the kernel's.
      const results = s.memblock.calls.filter((c) => c.printed && c.caller === 'memblock_alloc_range_nid').map(memblockDbgLine);
      const lowPages = kernel.some((l) => l.includes('alloc_low_pages'));
      if (!lowPages) {
        for (const r of results) assert.ok(kernelCalls.includes(r), `kernel reserved the same range: ${r}`);
        const nodeData = (ls: string[]) => ls.filter((l) => l.startsWith('NODE_DATA('));
        assert.deepEqual(nodeData(ours), nodeData(kernel));
        assert.deepEqual(dumpBlocks(ours)[1], dumpBlocks(kernel)[1]);
      } else {
        // The real-mode trampoline and the direct-map probe come before those pages.
        for (const r of results.slice(0, 2)) assert.ok(kernelCalls.includes(r), `kernel reserved the same range: ${r}`);
      }
    });
  }
});
