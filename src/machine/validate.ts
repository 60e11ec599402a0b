// Checks on a machine description that no input format can express by itself.
import { InputError } from '../util/errors.js';
import { x86_64 } from '../asm/index.js';
import { formatBytes, pa } from '../util/format.js';
import type { Machine } from './types.js';

/**
 * The proximity domains (node ids of a machine) in the order the firmware's SRAT names them: the
 * processor entries first, CPU 0 in the lowest domain (as QEMU places it on node 0), then the memory
 * entries in table order. A domain with no memory range is not named (hvosim gives no CPUs beyond
 * CPU 0). The kernel's acpi_map_pxm_to_node() gives each the lowest unused node id in this order
 * (arch/x86_64/setup.ts), so the kernel's node ids are the indexes here.
 */
export function sratDomainOrder(nodes: { id: number; ranges: unknown[] }[]): number[] {
  if (!nodes.length) return [];
  const order = [Math.min(...nodes.map((n) => n.id))];
  for (const n of nodes) if (n.ranges.length && !order.includes(n.id)) order.push(n.id);
  return order;
}

/** The note a machine gets when the kernel's node ids are not its own (sparse or out-of-order ids, a domain with nothing). */
function renumberingNote(nodes: { id: number; ranges: unknown[] }[]): string | null {
  const order = sratDomainOrder(nodes);
  const none = nodes.filter((n) => !order.includes(n.id)).map((n) => n.id);
  if (order.every((pxm, nid) => pxm === nid) && !none.length) return null;
  const moved = order.map((pxm, nid) => `id ${pxm} becomes node ${nid}`).join(', ');
  const dropped = none.length
    ? `; ${none.map((id) => `id ${id}`).join(', ')} (no memory, no CPU) ${none.length === 1 ? 'becomes' : 'become'} no node`
    : '';
  return (
    `node ids are SRAT proximity domains, which the kernel numbers itself (acpi_map_pxm_to_node(): in the order the SRAT ` +
    `names them, CPU 0's domain first, then memory in table order): ${moved}${dropped}`
  );
}

/** Sorted, non-overlapping e820 and node ranges; a node without usable RAM is accepted with a warning. */
export function validateMachine(m: Machine, file?: string): Machine {
  const e = [...m.e820].sort((a, b) => a.start - b.start);
  for (let i = 0; i < e.length; i++) {
    const r = e[i]!;
    if (!(r.end > r.start))
      throw new InputError(`e820 entry [${pa(r.start)}-${pa(r.end - 1)}] is empty or reversed`, { file, field: `e820[${i}]` });
    const next = e[i + 1];
    if (next && next.start < r.end) {
      throw new InputError(`e820 entries [${pa(r.start)}-${pa(r.end - 1)}] and [${pa(next.start)}-${pa(next.end - 1)}] overlap`, {
        file,
        field: 'e820',
      });
    }
  }
  if (!e.some((r) => r.type === 'usable')) throw new InputError('the memory map has no usable RAM', { file, field: 'e820' });
  const seen = new Set<number>();
  const all: { node: number; start: number; end: number }[] = [];
  for (const [i, n] of m.nodes.entries()) {
    if (seen.has(n.id)) throw new InputError(`node ${n.id} is described twice`, { file, field: `nodes[${i}]` });
    seen.add(n.id);
    if (!Number.isInteger(n.id) || n.id < 0 || n.id >= 1024)
      throw new InputError(`node id ${n.id} is out of range (0..1023)`, { file, field: `nodes[${i}]` });
    for (const r of n.ranges) {
      if (r.end === r.start)
        throw new InputError(`node ${n.id} has a range of size 0 at ${pa(r.start)}: leave it out (a node without ranges has no memory)`, {
          file,
          field: `nodes[${i}]`,
        });
      if (!(r.end > r.start))
        throw new InputError(`node ${n.id} range [${pa(r.start)}-${pa(r.end - 1)}] is reversed`, { file, field: `nodes[${i}]` });
      all.push({ node: n.id, start: r.start, end: r.end });
    }
    const usable = n.ranges.some((r) => e.some((x) => x.type === 'usable' && x.start < r.end && r.start < x.end));
    if (!usable) m.warnings.push(`node ${n.id} owns no usable memory: the kernel leaves it memoryless`);
  }
  // Beyond MAX_PHYSMEM_BITS (46 on x86_64 with 4-level paging: 64 TiB) the kernel cannot map RAM, yet
  // e820__memblock_setup() adds it to memblock all the same: max_pfn stops at max_arch_pfn, sparse_init()
  // leaves it without sections (a WARN_ON_ONCE backtrace), and free_area_init() dies on it in
  // subsection_map_init() (a NULL struct mem_section). hvosim models 4-level paging only; said first,
  // so that the death is not taken for a fault of the machine file.
  const limit = 2 ** x86_64.maxPhysmemBits;
  const beyond = e.filter((r) => r.type === 'usable' && r.end > limit).reduce((n, r) => n + r.end - Math.max(r.start, limit), 0);
  const la57 = m.cpu.features.includes('la57');
  if (beyond > 0) {
    m.warnings.push(
      `${formatBytes(beyond)} of RAM lies above ${formatBytes(limit)} (MAX_PHYSMEM_BITS ${x86_64.maxPhysmemBits}, x86_64 with 4-level paging, ` +
        `which hvosim assumes): the kernel cannot use it, and with it in the memory map the boot dies in free_area_init() ` +
        `(subsection_map_init() meets RAM without a struct mem_section). Leave it out of the machine (mem=${2 ** (x86_64.maxPhysmemBits - 40)}T ` +
        `would, on the real kernel; hvosim does not read mem=)${la57 ? '' : ', or boot a CPU with la57 and 5-level paging'}.`,
    );
  }
  if (la57)
    m.warnings.push(
      'the CPU has la57: a kernel built with CONFIG_X86_5LEVEL boots it with 5-level paging (MAX_PHYSMEM_BITS 52, 4 PiB); ' +
        'hvosim models 4-level paging only, so its results are those of 4-level paging (or no5lvl)',
    );
  const note = renumberingNote(m.nodes);
  if (note) m.warnings.push(note);
  all.sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < all.length; i++) {
    const a = all[i]!;
    const b = all[i + 1]!;
    if (b.start < a.end && a.node !== b.node) {
      throw new InputError(`node ${a.node} [${pa(a.start)}-${pa(a.end - 1)}] overlaps node ${b.node} [${pa(b.start)}-${pa(b.end - 1)}]`, {
        file,
        field: 'nodes',
      });
    }
  }
  return { ...m, e820: e };
}
