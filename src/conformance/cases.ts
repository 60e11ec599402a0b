// Generated conformance cases: machine shapes and command lines nobody picked,
// from a seed, within what this machine can boot under QEMU.
import fc from 'fast-check';

export interface ConformanceCase {
  /** c001, c002, ... in generation order. */
  id: string;
  /** Node sizes in MiB. */
  nodes: number[];
  /** The hugetlb and zone parameters (the harness adds console, nokaslr, memblock=debug, log_buf_len). */
  cmdline: string;
  /** Write this to nr_hugepages after boot (grows the 2 MiB pool, or shrinks it), if set. */
  nr2m?: number;
  /** Boot with `kaslr` instead of `nokaslr`. */
  kaslr?: boolean;
  /** QEMU's -cpu, if not CASE_CPU. */
  cpu?: string;
}

/** The CPU of every generated case: 1 GiB pages on. */
export const CASE_CPU = 'qemu64,+pdpe1gb';

/** Guest RAM of one case, at most: QEMU allocates on touch, but jobs run side by side. */
export const MAX_GUEST_MIB = 16 * 1024;

/** 1 to 8 nodes of 1 to 16 GiB in 256 MiB steps, scaled down to fit MAX_GUEST_MIB. */
const nodesArb = fc
  .array(
    fc.integer({ min: 4, max: 64 }).map((q) => q * 256),
    { minLength: 1, maxLength: 8 },
  )
  .map((sizes) => {
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total <= MAX_GUEST_MIB) return sizes;
    return sizes.map((x) => Math.max(1024, Math.floor((x * MAX_GUEST_MIB) / total / 256) * 256));
  });

function cmdlineArb(nodes: number): fc.Arbitrary<{ cmdline: string; nr2m?: number }> {
  const perNode = fc
    .array(fc.tuple(fc.integer({ min: 0, max: nodes }), fc.integer({ min: 0, max: 4 })), {
      minLength: 1,
      maxLength: Math.min(nodes + 1, 4),
    })
    .map((xs) => xs.map(([n, c]) => `${n}:${c}`).join(','));
  const giga = fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), perNode);
  return fc
    .record({
      hvo: fc.constantFrom('', 'hugetlb_free_vmemmap=on', 'hugetlb_free_vmemmap=off'),
      dflt: fc.constantFrom('', '', '', 'default_hugepagesz=1G', 'default_hugepagesz=2M'),
      giga: fc.option(giga, { nil: undefined }),
      small: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      bare: fc.option(fc.integer({ min: 0, max: 500 }), { freq: 4, nil: undefined }),
      zone: fc.oneof(
        fc.constant(''),
        fc.constant(''),
        fc.integer({ min: 1, max: 2048 }).map((x) => `movablecore=${x * 4}M`),
        fc.integer({ min: 1, max: 90 }).map((x) => `movablecore=${x}%`),
        fc.integer({ min: 1, max: 2048 }).map((x) => `kernelcore=${x * 4}M`),
      ),
      nr2m: fc.option(fc.integer({ min: 1, max: 1500 }), { freq: 3, nil: undefined }),
    })
    .map((r) => {
      const words = [
        r.hvo,
        r.dflt,
        r.bare !== undefined ? `hugepages=${r.bare}` : '',
        r.giga !== undefined ? `hugepagesz=1G hugepages=${r.giga}` : '',
        r.small !== undefined ? `hugepagesz=2M hugepages=${r.small}` : '',
        r.zone,
      ];
      // Growing the pool after boot only means the 2 MiB pool when 2 MiB is the default size.
      const nr2m = r.dflt === 'default_hugepagesz=1G' ? undefined : r.nr2m;
      return { cmdline: words.filter(Boolean).join(' '), nr2m };
    });
}

/** `count` cases from `seed`: the same seed gives the same cases. */
export function generateCases(count: number, seed: number): ConformanceCase[] {
  const arb = nodesArb.chain((nodes) => cmdlineArb(nodes.length).map((c) => ({ nodes, ...c })));
  return fc.sample(arb, { numRuns: count, seed }).map((c, i) => ({ id: `c${String(i + 1).padStart(3, '0')}`, ...c }));
}

/** The QEMU options of the case's machine, as hvosim boot --qemu takes them. */
export function caseQemuArgs(c: ConformanceCase): string {
  return [
    `-machine q35 -cpu ${c.cpu ?? CASE_CPU} -smp 1`,
    `-m ${c.nodes.reduce((a, b) => a + b, 0)}M`,
    ...c.nodes.map((mib, i) => `-object memory-backend-ram,id=m${i},size=${mib}M -numa node,nodeid=${i},memdev=m${i}`),
  ].join(' ');
}

/** NODE_SIZES ("2G 1536M") in MiB. */
function sizes(s: string): number[] {
  return s
    .trim()
    .split(/\s+/)
    .map((x) => {
      const m = /^(\d+)([GM])$/i.exec(x);
      if (!m) throw new Error(`bad node size "${x}"`);
      return Number(m[1]) * (m[2]!.toUpperCase() === 'G' ? 1024 : 1);
    });
}

/**
 * The named cases of a list file (scripts/fixtures.list), in order. Each line: NAME|NODE_SIZES|CMDLINE[|FLAGS];
 * FLAGS words: kaslr, cpu=QEMU_CPU; "oracle_nr2m=N" in CMDLINE writes N to nr_hugepages after boot.
 */
export function readCaseList(text: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, nodes, cmdline = '', flags = ''] = line.split('|');
    const words = cmdline.trim().split(/\s+/).filter(Boolean);
    const grow = words.find((w) => w.startsWith('oracle_nr2m='));
    const c: ConformanceCase = { id: name!.trim(), nodes: sizes(nodes!), cmdline: words.filter((w) => w !== grow).join(' ') };
    if (grow) c.nr2m = Number(grow.slice('oracle_nr2m='.length));
    for (const f of flags.trim().split(/\s+/).filter(Boolean)) {
      if (f === 'kaslr') c.kaslr = true;
      else if (f.startsWith('cpu=')) c.cpu = f.slice(4);
      else throw new Error(`${name}: unknown flag "${f}"`);
    }
    out.push(c);
  }
  return out;
}
