// QEMU's x86 CPU models (target/i386/cpu.c, builtin_x86_defs) as far as the memory setup cares:
// whether the model has 1 GiB pages (CPUID_EXT2_PDPE1GB, QEMU's "pdpe1gb"), long mode (without it
// a 64-bit kernel does not start), and the vendor (an AMD guest gets QEMU's HyperTransport hole).
//
// The table was taken from QEMU 7.2 itself (query-cpu-model-expansion of every model it lists) and
// completed with the models added since (SapphireRapids, GraniteRapids, SierraForest,
// ClearwaterForest, EPYC-Genoa, EPYC-Turin, YongFeng), read from their definitions in cpu.c:
// all of those have pdpe1gb. The properties a -cpu option may set are QEMU 7.2's
// (qom-list-properties of an x86_64 CPU).
import { InputError } from '../util/errors.js';

export type CpuVendor = 'AMD' | 'Intel' | 'Hygon' | 'Zhaoxin' | 'other';

interface CpuModel {
  pdpe1gb: boolean;
  lm: boolean;
  vendor: CpuVendor;
}

/** Models with 1 GiB pages (every version and alias of them has it too). */
const WITH_PDPE1GB = [
  'Cascadelake-Server',
  'Cooperlake',
  'Denverton',
  'Dhyana',
  'EPYC',
  'EPYC-Milan',
  'EPYC-Rome',
  'EPYC-Genoa',
  'EPYC-Turin',
  'Icelake-Server',
  'KnightsMill',
  'Opteron_G4',
  'Opteron_G5',
  'Skylake-Server',
  'Snowridge',
  'phenom',
  'SapphireRapids',
  'GraniteRapids',
  'SierraForest',
  'ClearwaterForest',
  'YongFeng',
];
/** Models without 1 GiB pages. */
const WITHOUT_PDPE1GB = [
  'Broadwell',
  'Conroe',
  'Haswell',
  'IvyBridge',
  'Nehalem',
  'Opteron_G1',
  'Opteron_G2',
  'Opteron_G3',
  'Penryn',
  'SandyBridge',
  'Skylake-Client',
  'Westmere',
  'core2duo',
  'kvm64',
  'qemu64',
];
/** 32-bit models: no long mode. */
const WITHOUT_LM = ['486', 'athlon', 'coreduo', 'kvm32', 'n270', 'pentium', 'pentium2', 'pentium3', 'qemu32', 'base'];
const AMD = [
  'EPYC',
  'EPYC-Milan',
  'EPYC-Rome',
  'EPYC-Genoa',
  'EPYC-Turin',
  'Opteron_G1',
  'Opteron_G2',
  'Opteron_G3',
  'Opteron_G4',
  'Opteron_G5',
  'athlon',
  'phenom',
  'qemu64',
];
/** Aliases QEMU 7.2 lists beside the versions (Model-vN). */
const ALIASES: Record<string, string> = {
  'Broadwell-IBRS': 'Broadwell',
  'Broadwell-noTSX': 'Broadwell',
  'Broadwell-noTSX-IBRS': 'Broadwell',
  'Cascadelake-Server-noTSX': 'Cascadelake-Server',
  'EPYC-IBPB': 'EPYC',
  'Haswell-IBRS': 'Haswell',
  'Haswell-noTSX': 'Haswell',
  'Haswell-noTSX-IBRS': 'Haswell',
  'Icelake-Server-noTSX': 'Icelake-Server',
  'IvyBridge-IBRS': 'IvyBridge',
  'Nehalem-IBRS': 'Nehalem',
  'SandyBridge-IBRS': 'SandyBridge',
  'Skylake-Client-IBRS': 'Skylake-Client',
  'Skylake-Client-noTSX-IBRS': 'Skylake-Client',
  'Skylake-Server-IBRS': 'Skylake-Server',
  'Skylake-Server-noTSX-IBRS': 'Skylake-Server',
  'Westmere-IBRS': 'Westmere',
};

const MODELS = new Map<string, CpuModel>();
for (const n of WITH_PDPE1GB) MODELS.set(n, { pdpe1gb: true, lm: true, vendor: 'Intel' });
for (const n of WITHOUT_PDPE1GB) MODELS.set(n, { pdpe1gb: false, lm: true, vendor: 'Intel' });
for (const n of WITHOUT_LM) MODELS.set(n, { pdpe1gb: false, lm: false, vendor: 'Intel' });
for (const n of AMD) MODELS.get(n)!.vendor = 'AMD';
MODELS.get('Dhyana')!.vendor = 'Hygon';
MODELS.get('YongFeng')!.vendor = 'Zhaoxin';
MODELS.get('base')!.vendor = 'other';

/** The CPU QEMU gives the guest for a -cpu option, as far as hvosim uses it. */
export interface QemuCpu {
  model: string;
  pdpe1gb: boolean;
  lm: boolean;
  vendor: CpuVendor;
  /** Said to the user: an assumption hvosim made (-cpu host). */
  note?: string;
}

/** The model a name stands for: itself, an alias, or a version (Model-vN). */
function lookupModel(name: string): CpuModel | undefined {
  if (name === 'host') return { pdpe1gb: true, lm: true, vendor: 'AMD' };
  // "max" under TCG: every feature TCG emulates (1 GiB pages among them), qemu64's vendor.
  if (name === 'max') return { pdpe1gb: true, lm: true, vendor: 'AMD' };
  const base = ALIASES[name] ?? name.replace(/-v[1-9]\d*$/, '');
  return MODELS.get(base);
}

/** Every property a QEMU 7.2 x86_64 CPU has: what "+name", "-name" and "name=value" may name. */
const CPU_PROPERTIES = new Set(
  [
    '3dnow 3dnowext 3dnowprefetch abm ace2 ace2-en acpi adx aes amd-no-ssb amd-ssbd amd-stibp amx-bf16 amx-int8',
    'amx-tile apic apic-id arat arch-capabilities arch-lbr avic avx avx-vnni avx2 avx512-4fmaps avx512-4vnniw',
    'avx512-bf16 avx512-fp16 avx512-vp2intersect avx512-vpopcntdq avx512bitalg avx512bw avx512cd avx512dq avx512er',
    'avx512f avx512ifma avx512pf avx512vbmi avx512vbmi2 avx512vl avx512vnni bmi1 bmi2 bus-lock-detect check cid',
    'cldemote clflush clflushopt clwb clzero cmov cmp-legacy cmp_legacy core-capability core-id cpuid-0xb cr8legacy',
    'crash-information cx16 cx8 dca de decodeassists die-id ds ds-cpl ds_cpl dtes64 enforce erms est extapic f16c',
    'family feature-words ffxsr fill-mtrr-mask filtered-features flushbyasid fma fma4 fpu fsgsbase fsrm',
    'full-cpuid-auto-level full-width-write fxsr fxsr-opt fxsr_opt gfni hle host-phys-bits host-phys-bits-limit',
    'hotpluggable hotplugged ht hv-apicv hv-avic hv-crash hv-emsr-bitmap hv-enforce-cpuid hv-evmcs hv-frequencies',
    'hv-ipi hv-no-nonarch-coresharing hv-passthrough hv-reenlightenment hv-relaxed hv-reset hv-runtime hv-spinlocks',
    'hv-stimer hv-stimer-direct hv-syndbg hv-synic hv-time hv-tlbflush hv-tlbflush-direct hv-tlbflush-ext hv-vapic',
    'hv-vendor-id hv-version-id-build hv-version-id-major hv-version-id-minor hv-version-id-sbranch',
    'hv-version-id-snumber hv-version-id-spack hv-vpindex hv-xmm-input hypervisor i64 ia64 ibpb ibrs ibrs-all ibs',
    'intel-pt intel-pt-lip invpcid invtsc kvm kvm-asyncpf kvm-asyncpf-int kvm-hint-dedicated kvm-mmu',
    'kvm-msi-ext-dest-id kvm-no-smi-migration kvm-nopiodelay kvm-poll-control kvm-pv-enforce-cpuid kvm-pv-eoi',
    'kvm-pv-ipi kvm-pv-sched-yield kvm-pv-tlb-flush kvm-pv-unhalt kvm-steal-time kvm_asyncpf kvm_asyncpf_int',
    'kvm_mmu kvm_nopiodelay kvm_poll_control kvm_pv_eoi kvm_pv_unhalt kvm_steal_time kvmclock kvmclock-stable-bit',
    'l3-cache la57 lahf-lm lahf_lm lbr-fmt lbr_fmt lbrv legacy-cache legacy-memory level level-func7 lm lmce lwp',
    'mca mce md-clear mds-no memory min-level min-xlevel min-xlevel2 misalignsse mmx mmxext model model-id monitor',
    'movbe movdir64b movdiri mpx msr mtrr node-id nodeid-msr nodeid_msr npt nrip-save nrip_save nx osvw pae',
    'parent_bus pat pause-filter pause_filter pbe pcid pclmuldq pclmulqdq pcommit pdcm pdpe1gb perfctr-core',
    'perfctr-nb perfctr_core perfctr_nb pfthreshold pge phe phe-en phys-bits pks pku pmm pmm-en pmu pn pni popcnt',
    'pschange-mc-no pse pse36 rdctl-no rdpid rdrand rdseed rdtscp realized rsba rtm sep serialize sgx sgx-debug',
    'sgx-exinfo sgx-kss sgx-mode64 sgx-provisionkey sgx-tokenkey sgx1 sgx2 sgxlc sha-ni skinit skip-l1dfl-vmentry',
    'smap smep smx socket-id spec-ctrl split-lock-detect ss ssb-no ssbd sse sse2 sse3 sse4-1 sse4-2 sse4.1 sse4.2',
    'sse4_1 sse4_2 sse4a ssse3 start-powered-off stepping stibp svm svm-lock svm_lock svme-addr-chk syscall taa-no',
    'tbm tce tcg-cpuid thread-id tm tm2 topoext tsc tsc-adjust tsc-deadline tsc-frequency tsc-scale tsc_adjust',
    'tsc_scale tsx-ctrl tsx-ldtrk type ucode-rev umip unavailable-features v-vmsave-vmload vaes vendor vgif',
    'virt-ssbd vmcb-clean vmcb_clean vme vmware-cpuid-freq vmx vmx-activity-hlt vmx-activity-shutdown',
    'vmx-activity-wait-sipi vmx-apicv-register vmx-apicv-vid vmx-apicv-x2apic vmx-apicv-xapic vmx-cr3-load-noexit',
    'vmx-cr3-store-noexit vmx-cr8-load-exit vmx-cr8-store-exit vmx-desc-exit vmx-encls-exit vmx-entry-ia32e-mode',
    'vmx-entry-load-bndcfgs vmx-entry-load-efer vmx-entry-load-pat vmx-entry-load-perf-global-ctrl',
    'vmx-entry-load-pkrs vmx-entry-load-rtit-ctl vmx-entry-noload-debugctl vmx-ept vmx-ept-1gb vmx-ept-2mb',
    'vmx-ept-advanced-exitinfo vmx-ept-execonly vmx-eptad vmx-eptp-switching vmx-exit-ack-intr',
    'vmx-exit-clear-bndcfgs vmx-exit-clear-rtit-ctl vmx-exit-load-efer vmx-exit-load-pat',
    'vmx-exit-load-perf-global-ctrl vmx-exit-load-pkrs vmx-exit-nosave-debugctl vmx-exit-save-efer',
    'vmx-exit-save-pat vmx-exit-save-preemption-timer vmx-flexpriority vmx-hlt-exit vmx-ins-outs vmx-intr-exit',
    'vmx-invept vmx-invept-all-context vmx-invept-single-context vmx-invept-single-context-noglobals',
    'vmx-invlpg-exit vmx-invpcid-exit vmx-invvpid vmx-invvpid-all-context vmx-invvpid-single-addr vmx-io-bitmap',
    'vmx-io-exit vmx-monitor-exit vmx-movdr-exit vmx-msr-bitmap vmx-mtf vmx-mwait-exit vmx-nmi-exit vmx-page-walk-4',
    'vmx-page-walk-5 vmx-pause-exit vmx-ple vmx-pml vmx-posted-intr vmx-preemption-timer vmx-rdpmc-exit',
    'vmx-rdrand-exit vmx-rdseed-exit vmx-rdtsc-exit vmx-rdtscp-exit vmx-secondary-ctls vmx-shadow-vmcs',
    'vmx-store-lma vmx-true-ctls vmx-tsc-offset vmx-tsc-scaling vmx-unrestricted-guest vmx-vintr-pending vmx-vmfunc',
    'vmx-vmwrite-vmexit-fields vmx-vnmi vmx-vnmi-pending vmx-vpid vmx-wbinvd-exit vmx-xsaves vmx-zero-len-inject',
    'vpclmulqdq waitpkg wbnoinvd wdt x-force-features x-hv-max-vps x-hv-synic-kvm-only x-intel-pt-auto-level',
    'x-migrate-smi-count x-vendor-cpuid-only x2apic xcrypt xcrypt-en xd xfd xgetbv1 xlevel xlevel2 xop xsave xsavec',
    'xsaveerptr xsaveopt xsaves xstore xstore-en xtpr',
  ]
    .join(' ')
    .split(' '),
);

const ON = ['on', 'yes', 'true', 'y'];
const OFF = ['off', 'no', 'false', 'n'];

/**
 * x86_cpu_parse_featurestr() and x86_cpu_expand_features(): a -cpu value. "name=value" sets a
 * property (the last one wins; a bare "name" is name=on); "+name" and "-name" are applied after
 * them, and "-name" wins over "+name", whatever the order (QEMU warns about mixing the two forms).
 */
export function parseQemuCpu(value: string): QemuCpu {
  const [modelName, ...opts] = value.split(',');
  const name = modelName ?? '';
  const model = lookupModel(name);
  if (!model)
    throw new InputError(`unable to find CPU model '${name}' (QEMU's x86 models: qemu64, max, host, EPYC, Skylake-Server, ...)`, {
      field: '-cpu',
    });
  const props = new Map<string, boolean>();
  const plus = new Set<string>();
  const minus = new Set<string>();
  let vendor = model.vendor;
  for (const raw of opts) {
    if (raw === '') continue;
    const sign = raw[0] === '+' || raw[0] === '-' ? raw[0] : '';
    const body = sign ? raw.slice(1) : raw;
    const eq = body.indexOf('=');
    const prop = (eq < 0 ? body : body.slice(0, eq)).replace(/_/g, '-');
    if (!CPU_PROPERTIES.has(prop) && !CPU_PROPERTIES.has(prop.replace(/-/g, '_'))) {
      throw new InputError(`-cpu ${name}: QEMU has no CPU property '${prop}'`, { field: '-cpu' });
    }
    if (sign) {
      if (eq >= 0) throw new InputError(`-cpu ${name}: "${raw}": a feature given with + or - takes no value`, { field: '-cpu' });
      (sign === '+' ? plus : minus).add(prop);
      continue;
    }
    const v = eq < 0 ? 'on' : body.slice(eq + 1);
    if (prop === 'vendor') {
      if (v.length !== 12) throw new InputError(`-cpu ${name}: vendor "${v}" is not 12 characters`, { field: '-cpu' });
      vendor = v === 'AuthenticAMD' ? 'AMD' : v === 'GenuineIntel' ? 'Intel' : v === 'HygonGenuine' ? 'Hygon' : 'other';
      continue;
    }
    if (prop === 'pdpe1gb' || prop === 'lm') {
      if (ON.includes(v)) props.set(prop, true);
      else if (OFF.includes(v)) props.set(prop, false);
      else throw new InputError(`-cpu ${name}: Parameter '${prop}' expects 'on' or 'off', not "${v}"`, { field: '-cpu' });
    }
  }
  const feature = (f: 'pdpe1gb' | 'lm', dflt: boolean) => (minus.has(f) ? false : plus.has(f) ? true : (props.get(f) ?? dflt));
  const cpu: QemuCpu = { model: name, pdpe1gb: feature('pdpe1gb', model.pdpe1gb), lm: feature('lm', model.lm), vendor };
  if (name === 'host')
    cpu.note =
      '-cpu host: hvosim takes the host CPU to have 1 GiB pages (pdpe1gb) and an AMD vendor; name a model (EPYC, Skylake-Server, ...) to be exact';
  return cpu;
}

/** The names of the models (without versions and aliases), for messages and tests. */
export function qemuCpuModels(): string[] {
  return [...MODELS.keys(), 'host', 'max'];
}
