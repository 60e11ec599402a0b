// What a build's running system held after boot, read off one boot of it (the build fact KernelBuild.runtimeUseKb):
// the boot's own free pages per zone against the "pages free" of the log's /proc/zoneinfo dump, as the run-time
// page allocator (src/kernel/page-alloc-runtime.ts) places that use.
import {
  boot,
  bootCpuNode,
  hashdistHashBytes,
  type KernelBuild,
  type KernelProfile,
  type KernelState,
  zoneFreePages,
} from '../simulator.js';
import { replayedOthers } from './foreign.js';
import type { KernelLog } from './log.js';
import { machineFromLog } from './machine-from-log.js';
import { parseZoneinfo } from './proc.js';

/**
 * What the running system held in each zone of `s` (s.zones.zones order) when the log's /proc/zoneinfo was dumped:
 * the boot's own free pages less the dump's "pages free"; null for a zone the dump gives no free pages for.
 */
export function heldPerZone(log: KernelLog, s: KernelState): (number | null)[] {
  const dump = parseZoneinfo(log.sections.get('ZONEINFO') ?? []);
  const free = zoneFreePages(s);
  return (s.zones?.zones ?? []).map((z, i) => {
    const k = dump.find((d) => d.node === z.nid && d.zone === z.name)?.free;
    return k === undefined ? null : free[i]! - k;
  });
}

/**
 * runtimeUseKb as the log's boot shows it, null when the log has no zoneinfo dump with every zone's free pages or its
 * boot does not get that far here. On the boot CPU's node the pages beyond the vmalloc'd hashes are the kernel's, but
 * those in ZONE_MOVABLE init's when the initramfs is in a tmpfs (without one init's use cannot be told from the
 * kernel's: `build`'s stands); on the other nodes the mean beyond their share of the hashes (with one node, `build`'s).
 */
export function runtimeUseFromLog(log: KernelLog, profile: KernelProfile, build: KernelBuild): KernelBuild['runtimeUseKb'] | null {
  const dump = parseZoneinfo(log.sections.get('ZONEINFO') ?? []);
  if (!dump.length || dump.some((d) => d.free === undefined)) return null;
  const s = boot(machineFromLog(log), { profile, build, others: replayedOthers(log) });
  if (s.panic || !s.zones) return null;
  const zones = s.zones.zones;
  // A zone the dump leaves out is taken to hold nothing.
  const held = heldPerZone(log, s).map((h) => h ?? 0);
  const nodes = [...new Set(zones.map((z) => z.nid))];
  const hash = hashdistHashBytes(s) / nodes.length / s.arch.pageSize;
  const kb = (pages: number) => Math.max(0, Math.round((pages * s.arch.pageSize) / 1024));
  const bootNode = bootCpuNode(s);
  const onNode = (nid: number, movable: boolean) =>
    zones.reduce((a, z, i) => (z.nid === nid && (z.idx === s.zones!.movableIdx) === movable ? a + held[i]! : a), 0);
  const movableInit = build.config.TMPFS && zones.some((z) => z.nid === bootNode && z.idx === s.zones!.movableIdx && z.managed > 0);
  const user = movableInit ? kb(onNode(bootNode, true)) : build.runtimeUseKb.bootNodeUser;
  const bootKernel = kb(onNode(bootNode, false) + (movableInit ? 0 : onNode(bootNode, true)) - hash) - (movableInit ? 0 : user);
  const others = nodes.filter((n) => n !== bootNode);
  const otherNode = others.length
    ? kb(others.reduce((a, n) => a + onNode(n, false) + onNode(n, true) - hash, 0) / others.length)
    : build.runtimeUseKb.otherNode;
  return { bootNodeKernel: Math.max(0, bootKernel), bootNodeUser: user, otherNode };
}
