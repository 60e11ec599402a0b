// A conformance campaign on a Kubernetes cluster: an Indexed Job whose pod of index K runs shard K/N of the run
// and writes its folder to a shared volume, and a pod that merges the folders into the one report. Typed with
// kubernetes-types, so that a field Kubernetes does not have fails the type check.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodSpec, Volume } from 'kubernetes-types/core/v1.js';

export interface K8sCampaign {
  /** The Job's name (a DNS label); the shards' folders go under RESULTS/NAME on the volume. */
  name: string;
  /** The image built from the repository's Dockerfile. */
  image: string;
  /** Shards (the Job's completions): pod K runs shard K/N. */
  shards: number;
  /** Pods at a time. */
  parallelism: number;
  cases: number;
  seed: number;
  kernel: string;
  /** QEMUs at a time in each pod. */
  jobs: number;
  timeoutSec: number;
  walkVmemmap: boolean;
  /** The PersistentVolumeClaim that holds the shards' folders (ReadWriteMany when pods land on several nodes). */
  claim: string;
  /** The memory each pod asks for (a Kubernetes quantity). */
  memory: string;
}

/** Where the claim is mounted in every pod. */
export const RESULTS = '/results';
/** The kernel, initramfs and apt state of one pod: its own, never shared (two pods fetching one kernel would collide). */
export const WORK = '/work';

const sh = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`);

const LABELS = (c: K8sCampaign) => ({ 'app.kubernetes.io/name': 'hvosim', 'hvosim/campaign': c.name });

function volumes(c: K8sCampaign): Volume[] {
  return [
    { name: 'results', persistentVolumeClaim: { claimName: c.claim } },
    { name: 'work', emptyDir: {} },
  ];
}

/**
 * The shell line a pod runs: shard $JOB_COMPLETION_INDEX of N (the index the Job controller gives each pod,
 * 0 to N-1, as --shard counts). hvosim's exit status 1 (a mismatch found, or a boot failed) is the shard's
 * result, not a failure of the pod: only another status (bad input, a crash) has the Job try the index again,
 * and a retried shard boots only the cases whose logs are not yet on the volume.
 */
export function shardScript(c: K8sCampaign): string {
  const args = [
    'hvosim conformance',
    `--cases ${c.cases}`,
    `--seed ${c.seed}`,
    `--kernel ${sh(c.kernel)}`,
    `--jobs ${c.jobs}`,
    `--timeout ${c.timeoutSec}`,
    ...(c.walkVmemmap ? ['--walk-vmemmap'] : []),
    `--shard "$JOB_COMPLETION_INDEX/${c.shards}"`,
    `--out "${RESULTS}/${c.name}/shard-$JOB_COMPLETION_INDEX"`,
    `--work ${WORK}`,
  ];
  return `${args.join(' ')} || [ $? -eq 1 ]`;
}

function container(c: K8sCampaign, name: string, script: string, resources: boolean): Container {
  return {
    name,
    image: c.image,
    command: ['sh', '-c', script],
    volumeMounts: [
      { name: 'results', mountPath: RESULTS },
      { name: 'work', mountPath: WORK },
    ],
    ...(resources ? { resources: { requests: { cpu: String(c.jobs), memory: c.memory } } } : {}),
  };
}

/** The Indexed Job: N completions, each pod one shard. */
export function k8sJob(c: K8sCampaign): Job {
  const pod: PodSpec = {
    restartPolicy: 'Never',
    containers: [container(c, 'shard', shardScript(c), true)],
    volumes: volumes(c),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: c.name, labels: LABELS(c) },
    spec: {
      completionMode: 'Indexed',
      completions: c.shards,
      parallelism: Math.min(c.parallelism, c.shards),
      // A pod that dies (evicted, a crash) is tried again twice for its index; the other indexes go on.
      backoffLimitPerIndex: 2,
      template: { metadata: { labels: LABELS(c) }, spec: pod },
    },
  };
}

/** The shards' folders on the volume, as the merge reads them. */
export function shardDirs(c: K8sCampaign): string[] {
  return Array.from({ length: c.shards }, (_, k) => `${RESULTS}/${c.name}/shard-${k}`);
}

/**
 * A pod that merges the shards once the Job is complete: the report in its log, and merged.txt and merged.json
 * beside the shards on the volume.
 */
export function k8sMergePod(c: K8sCampaign): Pod {
  const dirs = shardDirs(c).join(' ');
  const dir = `${RESULTS}/${c.name}`;
  const script =
    `hvosim conformance merge --json ${dirs} > ${dir}/merged.json; ` +
    `hvosim conformance merge ${dirs} > ${dir}/merged.txt; s=$?; cat ${dir}/merged.txt; [ $s -le 1 ]`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${c.name}-merge`, labels: LABELS(c) },
    spec: { restartPolicy: 'Never', containers: [container(c, 'merge', script, false)], volumes: volumes(c) },
  };
}
