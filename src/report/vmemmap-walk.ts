// The vmemmap page tables as the oracle's vmemmap-walk prints them from a
// real kernel (src/conformance/vmemmap-walk.ts): one `pmd` line per PMD entry
// that maps something, then that table's PTEs as greedy maximal runs. The
// simulated boot gives the same lines, so the two compare line for line.
import { PMD_ENTRY_SPAN, PTE_SPAN, pteLookup, type KernelState } from '../simulator.js';

const PTRS = PMD_ENTRY_SPAN / PTE_SPAN;
const hex = (n: number) => `0x${n.toString(16)}`;

/** One PMD entry of a walk: its `pmd` line and its `pte` lines. */
export interface WalkEntry {
  entry: number;
  lines: string[];
}

/** PTEs (phys, or null for none, with protection) as the walker's runs: greedy, maximal, a lone entry has stride 1. */
export function pteRunLines(entry: number, ptes: ({ phys: number; readOnly: boolean } | null)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ptes.length; ) {
    const e = ptes[i];
    if (!e) {
      i++;
      continue;
    }
    const next = ptes[i + 1];
    const stride = next && next.readOnly === e.readOnly && next.phys === e.phys ? 0 : 1;
    let n = 1;
    for (; i + n < ptes.length; n++) {
      const f = ptes[i + n];
      if (!f || f.readOnly !== e.readOnly || f.phys !== e.phys + stride * n * PTE_SPAN) break;
    }
    out.push(`pte ${entry} ${i} ${n} ${hex(e.phys)} ${stride} ${e.readOnly ? 'ro' : 'rw'}`);
    i += n;
  }
  return out;
}

/** The simulated boot's vmemmap page tables, entry by entry up to max_pfn's struct page. */
export function vmemmapWalk(s: KernelState): WalkEntry[] {
  const pt = s.vmemmap;
  const last = Math.ceil((s.maxPfn * s.arch.structPageSize) / PMD_ENTRY_SPAN);
  const out: WalkEntry[] = [];
  for (let entry = 0; entry < last; entry++) {
    const leaf = pt.pmdLeaf.get(entry);
    // A 2 MiB leaf is mapped writable (PAGE_KERNEL); hvosim never write-protects one.
    if (leaf !== undefined) {
      out.push({ entry, lines: [`pmd ${entry} leaf ${hex(leaf)} rw`] });
      continue;
    }
    const t = pt.pte.get(entry);
    if (!t) continue;
    const ptes = Array.from({ length: PTRS }, (_, i) => pteLookup(t, i));
    out.push({ entry, lines: [`pmd ${entry} table ${hex(t.page)}`, ...pteRunLines(entry, ptes)] });
  }
  return out;
}

/** The =====VMEMMAP section of a recorded boot, by entry; null when the walker said why it could not walk. */
export function parseVmemmapWalk(lines: readonly string[]): { entries: WalkEntry[]; problem: string | null } {
  const entries: WalkEntry[] = [];
  let problem: string | null = null;
  for (const raw of lines) {
    const text = raw.trim();
    if (!text) continue;
    if (text.startsWith('# vmemmap-walk:')) problem = text.slice('# vmemmap-walk:'.length).trim();
    if (text.startsWith('#')) continue;
    const m = /^(pmd|pte) (\d+) /.exec(text);
    if (!m) {
      problem ??= `unreadable line "${text.slice(0, 80)}"`;
      continue;
    }
    const entry = Number(m[2]);
    const cur = entries.at(-1);
    if (m[1] === 'pmd' || !cur || cur.entry !== entry) entries.push({ entry, lines: [text] });
    else cur.lines.push(text);
  }
  return { entries, problem };
}

/**
 * The same entry with every physical address replaced by the order it first
 * appears in (p1, p2, ...): which pages the tables use, not where they are.
 */
export function walkShape(e: WalkEntry): string {
  const seen = new Map<string, string>();
  return e.lines
    .map((l) =>
      l.replace(/0x[0-9a-f]+/g, (a) => {
        let v = seen.get(a);
        if (!v) seen.set(a, (v = `p${seen.size + 1}`));
        return v;
      }),
    )
    .join('\n');
}
