// mm/hugetlb.c and mm/hugetlb_vmemmap.c: the command-line parameters hugepagesz=, hugepages=, default_hugepagesz=
// and hugetlb_free_vmemmap=, as parse_args() hands them to their handlers.
import { memparse } from '../util/units.js';
import { sscanfLu } from './params.js';
import {
  archHugetlbValidSize,
  hstateIsGigantic,
  hugePageOrder,
  hugetlbAddHstate,
  hugetlbHstateAllocPages,
  onlineNodes,
  sizeToHstate,
} from './hugetlb-alloc.js';
import type { KernelState } from './state.js';
import { beginStep, prErr, prWarn } from './state.js';

/** hugepages_clear_pages_in_node() */
function hugepagesClearPagesInNode(s: KernelState): void {
  const ht = s.hugetlb;
  if (!ht.hstates.length) {
    ht.defaultHstateMaxHugePages = 0;
    ht.defaultHugepagesInNode.clear();
  } else {
    const h = ht.hstates[ht.parsedHstate]!;
    h.maxHugePages = 0;
    h.maxHugePagesNode.clear();
  }
}

/** hugepages_setup(): "N" or "node:N,node:N,...". */
function hugepagesSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  if (!ht.parsedValidHugepagesz) {
    prWarn(s, `HugeTLB: hugepages=${v} does not follow a valid hugepagesz, ignoring`);
    ht.parsedValidHugepagesz = true;
    return;
  }
  const mhp = ht.hstates.length ? String(ht.parsedHstate) : 'default';
  if (mhp === ht.lastMhp) {
    prWarn(s, `HugeTLB: hugepages= specified twice without interleaving hugepagesz=, ignoring hugepages=${v}`);
    return;
  }
  const h = ht.hstates.length ? ht.hstates[ht.parsedHstate]! : null;
  const add = (n: number) => (h ? (h.maxHugePages += n) : (ht.defaultHstateMaxHugePages += n));
  const set = (n: number) => (h ? (h.maxHugePages = n) : (ht.defaultHstateMaxHugePages = n));
  const online = new Set(onlineNodes(s));
  let p = v;
  const invalid = () => {
    prWarn(s, `HugeTLB: Invalid hugepages parameter ${p}`);
    hugepagesClearPagesInNode(s);
  };
  while (p) {
    const m = sscanfLu(p);
    if (!m) return invalid();
    const tmp = m.value;
    const count = m.count;
    if (p[count] === ':') {
      if (tmp >= 1024 || !online.has(tmp)) return invalid();
      const node = tmp;
      p = p.slice(count + 1);
      const m2 = sscanfLu(p);
      if (!m2) return invalid();
      const n = m2.value;
      if (h) h.maxHugePagesNode.set(node, n);
      else ht.defaultHugepagesInNode.set(node, n);
      add(n);
      if (p[m2.count] === ',') p = p.slice(m2.count + 1);
      else break;
    } else {
      if (p !== v) return invalid();
      set(tmp);
      break;
    }
  }
  if (h && hstateIsGigantic(h) && s.kernel.bootmemAlloc === 'parse-args') hugetlbHstateAllocPages(s, h);
  ht.lastMhp = mhp;
}

/** hugepagesz_setup() */
function hugepageszSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  ht.parsedValidHugepagesz = false;
  const size = memparse(v).value;
  if (!archHugetlbValidSize(s, size)) {
    prErr(s, `HugeTLB: unsupported hugepagesz=${v}`);
    return;
  }
  const idx = sizeToHstate(s, size);
  if (idx >= 0) {
    if (!ht.parsedDefaultHugepagesz || idx !== ht.defaultIdx || ht.hstates[ht.defaultIdx]!.maxHugePages) {
      prWarn(s, `HugeTLB: hugepagesz=${v} specified twice, ignoring`);
      return;
    }
    ht.parsedHstate = idx;
    ht.parsedValidHugepagesz = true;
    return;
  }
  hugetlbAddHstate(s, hugePageOrder(s, size));
  ht.parsedValidHugepagesz = true;
}

/** default_hugepagesz_setup() */
function defaultHugepageszSetup(s: KernelState, v: string): void {
  const ht = s.hugetlb;
  ht.parsedValidHugepagesz = false;
  if (ht.parsedDefaultHugepagesz) {
    prErr(s, `HugeTLB: default_hugepagesz previously specified, ignoring ${v}`);
    return;
  }
  const size = memparse(v).value;
  if (!archHugetlbValidSize(s, size)) {
    prErr(s, `HugeTLB: unsupported default_hugepagesz=${v}`);
    return;
  }
  hugetlbAddHstate(s, hugePageOrder(s, size));
  ht.parsedValidHugepagesz = true;
  ht.parsedDefaultHugepagesz = true;
  ht.defaultIdx = sizeToHstate(s, size);
  if (ht.defaultHstateMaxHugePages) {
    const h = ht.hstates[ht.defaultIdx]!;
    h.maxHugePages = ht.defaultHstateMaxHugePages;
    h.maxHugePagesNode = new Map(ht.defaultHugepagesInNode);
    if (hstateIsGigantic(h) && s.kernel.bootmemAlloc === 'parse-args') hugetlbHstateAllocPages(s, h);
    ht.defaultHstateMaxHugePages = 0;
  }
}

/** kstrtobool() */
function kstrtobool(v: string): boolean | null {
  const c = v[0];
  if (c && 'yYtT1'.includes(c)) return true;
  if (c && 'nNfF0'.includes(c)) return false;
  if (c === 'o' || c === 'O') {
    if (v[1] === 'n' || v[1] === 'N') return true;
    if (v[1] === 'f' || v[1] === 'F') return false;
  }
  return null;
}

/** The handlers parse_args() calls for the hugetlb parameters, in command-line order. */
export function hugetlbParseArgs(s: KernelState): void {
  beginStep(s, 'hugetlb_setup (parse_args)');
  let kept = 0;
  for (const w of s.cmdline) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    const val = eq < 0 ? undefined : w.slice(eq + 1);
    // Without HUGETLB_PAGE_OPTIMIZE_VMEMMAP the parameter is no kernel parameter: init gets it, nothing is parsed.
    if (name === 'hugetlb_free_vmemmap' && s.build.config.HUGETLB_PAGE_OPTIMIZE_VMEMMAP) {
      // core_param(bool): no value means on.
      const b = kstrtobool(val ?? '1');
      if (b !== null) s.hugetlb.vmemmapOptimizeEnabled = b;
      // A core_param in 6.1, an early_param (whose handler fails on a bad bool) in 6.15 and hvo-v7.
      else if (s.kernel.hugetlbFreeVmemmapParam === 'core-param')
        prErr(s, `Booting kernel: \`${val}' invalid for parameter \`hugetlb_free_vmemmap'`);
      else prWarn(s, `Malformed early option 'hugetlb_free_vmemmap'`);
      continue;
    }
    if (val === undefined) continue;
    if (s.kernel.hugetlbParamSlots && (name === 'hugepages' || name === 'hugepagesz' || name === 'default_hugepagesz')) {
      // hugetlb_add_param(): parse_early_param() keeps at most HUGE_MAX_CMDLINE_ARGS of them (2 * HUGE_MAX_HSTATE + 1,
      // HUGE_MAX_HSTATE being x86's two sizes); a later one fails and parse_early_param() says so.
      if (++kept > 2 * s.arch.hugePageSizes.length + 1) {
        prWarn(s, `Malformed early option '${name}'`);
        continue;
      }
    }
    if (name === 'hugepages') hugepagesSetup(s, val);
    else if (name === 'hugepagesz') hugepageszSetup(s, val);
    else if (name === 'default_hugepagesz') defaultHugepageszSetup(s, val);
  }
}
