// kernel/printk/printk.c: setup_log_buf(), the ring buffer log_buf_len= asks for.
import { memparse } from '../util/units.js';
import { cmdlineValue } from './cmdline.js';
import { memblockAllocTryNid } from './memblock.js';
import { MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE } from './memblock-flags.js';
import type { KernelState } from './state.js';
import { beginStep, printk } from './state.js';

/** setup_log_buf(1): with log_buf_len=, the text, descriptor and info arrays of the new ring buffer. */
export function setupLogBuf(s: KernelState): void {
  const v = cmdlineValue(s, 'log_buf_len');
  if (v === undefined) return;
  beginStep(s, 'setup_log_buf');
  let len = memparse(v).value;
  if (len > 0) len = 2 ** Math.ceil(Math.log2(len));
  if (len <= 2 ** s.build.logBufShift) return;
  const mb = s.memblock;
  const count = len / 32; // PRB_AVGBITS = 5
  memblockAllocTryNid(mb, len, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  memblockAllocTryNid(mb, count * s.build.prbDescSize, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  memblockAllocTryNid(mb, count * s.build.printkInfoSize, 8, 0, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'setup_log_buf');
  printk(s, `printk: log_buf_len: ${len} bytes`);
}
