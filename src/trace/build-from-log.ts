// A kernel build's facts read off its own boot log (memblock=debug lines where present, and the lines every
// boot prints), so a log of any build replays with that build's facts rather than a profile's stand-ins.
import { BUILD_FACTS, type BuildDescription, factNames, type KernelBuild, type KernelProfile, type ReadKconfig } from '../simulator.js';
import { baseCaller } from '../util/kernel-callers.js';
import { kernelImageFromIomem, type KernelLog } from './log.js';
import { parseMemblockLog } from './memblock-log.js';
import { runtimeUseFromLog } from './runtime-use.js';

/** The facts a log gave, and the build they make with the rest taken from `base`. */
export interface BuildFromLog {
  build: KernelBuild;
  /** The facts read off the log, each with what it was read from ("pgdatSize: NODE_DATA(0) allocated"). */
  read: string[];
}

/** The base page the image is rounded to (x86_64). */
const PAGE_SIZE = 4096;

/** printk's ring buffer: one record per 2^PRB_AVGBITS (32) bytes of text, a descriptor and an info each. */
const PRB_AVG_BYTES = 32;

/** Read what the log shows of its build; every fact it does not show stays `base`'s. */
export function buildFromLog(log: KernelLog, base: KernelBuild): BuildFromLog {
  const b: KernelBuild = { ...base };
  const read: string[] = [];
  const lines = log.dmesg.map((l) => l.text);
  const calls = parseMemblockLog(log).events.flatMap((e) => (e.kind === 'call' ? [{ ...e.call, caller: baseCaller(e.call.caller) }] : []));

  // The image from /proc/iomem ("Kernel code" to the end of "Kernel bss"): its size always, its place only where
  // KASLR did not move it (then it is CONFIG_PHYSICAL_START).
  const image = kernelImageFromIomem(log.iomem, PAGE_SIZE);
  if (image) {
    b.imageSize = image.size;
    read.push('imageSize: /proc/iomem "Kernel code" to "Kernel bss"');
    if (/(^|\s)nokaslr(\s|$)/.test(log.cmdline ?? '')) {
      b.imageStart = image.start;
      read.push('imageStart: /proc/iomem "Kernel code" (nokaslr)');
    }
  }
  // alloc_node_data(): every NODE_DATA range is roundup(sizeof(pg_data_t), SMP_CACHE_BYTES) long.
  const nd = lines.map((t) => /^NODE_DATA\(\d+\) allocated \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]/.exec(t)).find((m) => m);
  if (nd) {
    b.pgdatSize = Number.parseInt(nd[2]!, 16) + 1 - Number.parseInt(nd[1]!, 16);
    read.push('pgdatSize: "NODE_DATA(N) allocated"');
  }
  // reserve_brk(): the first reservation setup_arch() itself makes, right after the image.
  const brk = calls.find((c) => c.fn === 'memblock_reserve' && c.caller === 'setup_arch');
  if (brk && brk.base !== 0) {
    b.brkSize = brk.size;
    read.push('brkSize: the first memblock_reserve by setup_arch');
  }
  // reserve_real_mode(): the trampoline (its size depends on ACPI_SLEEP among others).
  const rm = calls.find((c) => c.fn === 'memblock_phys_alloc_range' && c.caller === 'reserve_real_mode');
  if (rm) {
    b.realModeSize = rm.size;
    read.push('realModeSize: reserve_real_mode');
  }
  // setup_log_buf() with log_buf_len=: the text, then the descriptors and the infos, one of each per record.
  const lb = calls.filter((c) => c.caller === 'setup_log_buf' && c.fn.startsWith('memblock_alloc'));
  if (lb.length === 3) {
    const records = lb[0]!.size / PRB_AVG_BYTES;
    b.prbDescSize = lb[1]!.size / records;
    b.printkInfoSize = lb[2]!.size / records;
    read.push('prbDescSize, printkInfoSize: setup_log_buf');
  }
  // pcpu_embed_first_chunk(): the pages of the boot CPU's unit in use.
  const pc = lines.map((t) => /^percpu: Embedded (\d+) pages\/cpu/.exec(t)).find((m) => m);
  if (pc) {
    b.pcpuUnitPages = Number(pc[1]);
    read.push('pcpuUnitPages: "percpu: Embedded N pages/cpu"');
  }
  // pcpu_embed_first_chunk(): between the free of the unit's unused tail and those of its two bookkeeping pages, the
  // small allocations of pcpu_setup_first_chunk() and pcpu_alloc_first_chunk(); after them, the 8-byte cpumasks of a
  // CPUMASK_OFFSTACK build, one per node (nr_node_ids) and the build's own.
  const primary = calls.filter((c) => !(c.fn === 'memblock_reserve' && c.caller === 'memblock_alloc_range_nid'));
  const frees = primary.flatMap((c, i) => (c.fn === 'memblock_phys_free' && c.caller === 'pcpu_embed_first_chunk' ? [i] : []));
  if (frees.length === 3) {
    b.pcpuFirstChunkAllocs = primary.slice(frees[0]! + 1, frees[1]).flatMap((c) => (c.fn === 'memblock_alloc_try_nid' ? [c.size] : []));
    read.push('pcpuFirstChunkAllocs: the allocations of the per-cpu first chunk');
  }
  const nodes = lines.map((t) => /^setup_percpu: .*nr_node_ids:(\d+)/.exec(t)).find((m) => m);
  if (frees.length === 3 && nodes) {
    let masks = 0;
    for (let i = frees[2]! + 1; primary[i]?.fn === 'memblock_alloc_try_nid' && primary[i]!.size === 8; i++) masks++;
    b.config = { ...b.config, CPUMASK_OFFSTACK: masks > 0 };
    if (masks > 0) b.bootCpumasks = Math.max(0, masks - Number(nodes[1]));
    read.push('bootCpumasks, CPUMASK_OFFSTACK: the 8-byte cpumasks after the per-cpu setup, less nr_node_ids');
  }
  // e820__reserve_resources(): the firmware map's copies (FIRMWARE_MEMMAP), then the nosave regions (HIBERNATION),
  // 32-byte allocations right after it; said only by a log with memblock=debug from its start.
  const e820res = primary.findIndex((c) => c.caller === 'io_apic_init_mappings' || (c.size === 75 && c.fn === 'memblock_alloc_try_nid'));
  if (e820res >= 0 && primary[e820res + 1]?.fn === 'memblock_alloc_try_nid') {
    let i = e820res + 2;
    const fw = primary.slice(i).findIndex((c) => !(c.fn === 'memblock_alloc_try_nid' && c.size === 104));
    i += Math.max(fw, 0);
    let nosave = 0;
    while (primary[i + nosave]?.fn === 'memblock_alloc_try_nid' && primary[i + nosave]!.size === 32) nosave++;
    b.config = { ...b.config, FIRMWARE_MEMMAP: fw > 0, HIBERNATION: nosave > 0 };
    read.push('FIRMWARE_MEMMAP, HIBERNATION: the allocations after e820__reserve_resources');
  }
  // report_hugepages(): "N KiB vmemmap can be freed" for each size; a build without HUGETLB_PAGE_OPTIMIZE_VMEMMAP says 0 for
  // every size (a 2 MiB page frees 28 KiB with it), so the lines tell whether the build has HVO at all.
  const freed = lines.flatMap((t) => {
    const m = /^HugeTLB: (\d+) KiB vmemmap can be freed for a /.exec(t);
    return m ? [Number(m[1])] : [];
  });
  if (freed.length) {
    b.config = { ...b.config, HUGETLB_PAGE_OPTIMIZE_VMEMMAP: freed.some((kb) => kb > 0) };
    read.push('HUGETLB_PAGE_OPTIMIZE_VMEMMAP: the "KiB vmemmap can be freed" lines');
  }
  // free_initmem() and friends: the parts of the image given back, in order (alternatives first, before hugetlb_init()).
  const imageFrees = lines.flatMap((t) => {
    const m = /^Freeing (.+) memory: (\d+)K$/.exec(t);
    return m && m[1] !== 'initrd' ? [{ what: m[1]!, kb: Number(m[2]), ...(m[1] === 'SMP alternatives' ? { early: true } : {}) }] : [];
  });
  // Only a log that reached the end of the boot lists them all.
  if (imageFrees.length && lines.some((t) => t.startsWith('Freeing unused kernel image'))) {
    b.imageFrees = imageFrees;
    read.push('imageFrees: the "Freeing ... memory" lines');
  }
  return { build: b, read };
}

/** The facts a profile's configuration moved (buildFromConfig()), by name. */
function configFacts(p: KernelProfile): string[] {
  return [...(p.build.configFrom?.facts ?? [])].filter((f) => f !== 'config');
}

/** What a kernel image gave (buildFromImage() over the profile's build), for describeBuild(). */
export interface BuildFromImageRead {
  file: string;
  build: KernelBuild;
  read: string[];
}

/**
 * A build description (`hvosim build --json`): the profile `name`'s build with the configuration's options, the
 * facts its kernel image gives, and every fact the log shows of its build read off it (the log's boot wins).
 */
export function describeBuild(
  name: string,
  profile: KernelProfile,
  cfg: ReadKconfig | undefined,
  log: KernelLog | undefined,
  image?: BuildFromImageRead,
): BuildDescription {
  const base = image ? { ...image.build, config: profile.build.config } : profile.build;
  const learnt = log ? buildFromLog(log, base) : { build: base, read: [] };
  // What the running system held: a boot of the build with the facts learnt so far, against the log's zoneinfo.
  const use = log && runtimeUseFromLog(log, { ...profile, build: learnt.build }, learnt.build);
  if (use) {
    learnt.build = { ...learnt.build, runtimeUseKb: use };
    learnt.read.push("runtimeUseKb: the zoneinfo dump's free pages against the boot's own");
  }
  const fromLog = new Set(factNames(learnt.read));
  return {
    format: 'hvosim-build/1',
    kernel: name,
    config: learnt.build.config,
    facts: Object.fromEntries(BUILD_FACTS.map((k) => [k, learnt.build[k]])) as BuildDescription['facts'],
    from: {
      config: cfg?.file ?? null,
      log: log?.file ?? null,
      factsFromLog: learnt.read,
      notModelled: cfg?.notModelled ?? [],
      ...(image ? { image: image.file, factsFromImage: image.read.filter((r) => !factNames([r]).every((f) => fromLog.has(f))) } : {}),
      ...(profile.build.configFrom?.facts?.length
        ? { factsFromConfig: configFacts(profile).filter((f) => !fromLog.has(f) && !(image && factNames(image.read).includes(f))) }
        : {}),
    },
  };
}
