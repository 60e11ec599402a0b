// Many machines without a scheduler of our own: the Kubernetes Indexed Job that runs the shards, the pod that
// merges them, the GNU parallel line, and the container image recipe, checked without a cluster or Docker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { type K8sCampaign, k8sJob, k8sMergePod, shardScript } from '../../src/conformance/k8s.js';
import { ROOT } from '../helpers.js';

const C: K8sCampaign = {
  name: 'hvosim-73',
  image: 'registry.example/hvosim:1',
  shards: 4,
  parallelism: 2,
  cases: 200,
  seed: 7,
  kernel: '7.3',
  jobs: 2,
  timeoutSec: 300,
  walkVmemmap: false,
  claim: 'results',
  memory: '8Gi',
};

// A misspelt field is a type error (npm run typecheck fails when this one is not).
const misspelt = (): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  // @ts-expect-error completionsMode is no field of a JobSpec
  spec: { completionsMode: 'Indexed', template: {} },
});

describe('the Indexed Job', () => {
  const job = k8sJob(C);
  const pod = job.spec!.template.spec!;
  const ctr = pod.containers[0]!;
  test('typed: kubernetes-types checks the fields (see misspelt above)', () => assert.equal(typeof misspelt, 'function'));
  test('an Indexed Job of N completions, the parallelism asked, pods never restarted in place', () => {
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.kind, 'Job');
    assert.equal(job.metadata!.name, 'hvosim-73');
    assert.equal(job.spec!.completionMode, 'Indexed');
    assert.equal(job.spec!.completions, 4);
    assert.equal(job.spec!.parallelism, 2);
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(ctr.image, 'registry.example/hvosim:1');
    assert.deepEqual(ctr.resources?.requests, { cpu: '2', memory: '8Gi' });
  });
  test('the pod of index K runs shard $JOB_COMPLETION_INDEX/N of the run and writes its folder to the volume', () => {
    assert.deepEqual(ctr.command!.slice(0, 2), ['sh', '-c']);
    const script = ctr.command![2]!;
    assert.equal(script, shardScript(C));
    assert.match(script, /^hvosim conformance --cases 200 --seed 7 --kernel 7\.3 --jobs 2 --timeout 300 /);
    assert.match(script, / --shard "\$JOB_COMPLETION_INDEX\/4" /);
    assert.match(script, / --out "\/results\/hvosim-73\/shard-\$JOB_COMPLETION_INDEX" --work \/work /);
    const results = ctr.volumeMounts!.find((m) => m.mountPath === '/results')!;
    const vol = pod.volumes!.find((v) => v.name === results.name)!;
    assert.equal(vol.persistentVolumeClaim?.claimName, 'results');
    // The kernel and initramfs are each pod's own.
    const work = ctr.volumeMounts!.find((m) => m.mountPath === '/work')!;
    assert.deepEqual(pod.volumes!.find((v) => v.name === work.name)!.emptyDir, {});
  });
  test('the script, run by sh: exit 1 (mismatches found) is a finished shard, exit 2 a failed pod', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvosim-k8s-'));
    mkdirSync(join(dir, 'bin'));
    const fake = join(dir, 'bin', 'hvosim');
    const run = (status: number) => {
      writeFileSync(fake, `#!/bin/sh\necho "$@" > ${dir}/args\nexit ${status}\n`);
      chmodSync(fake, 0o755);
      const r = spawnSync('sh', ['-c', shardScript(C)], { env: { PATH: `${dir}/bin:/usr/bin:/bin`, JOB_COMPLETION_INDEX: '3' } });
      return { status: r.status, args: readFileSync(join(dir, 'args'), 'utf8').trim() };
    };
    const ok = run(1);
    assert.equal(ok.status, 0);
    assert.match(ok.args, /^conformance .* --shard 3\/4 --out \/results\/hvosim-73\/shard-3 --work \/work$/);
    assert.equal(run(0).status, 0);
    assert.notEqual(run(2).status, 0);
  });
  test('the merge pod reads every shard’s folder', () => {
    const p = k8sMergePod(C);
    assert.equal(p.kind, 'Pod');
    const script = p.spec!.containers[0]!.command![2]!;
    assert.match(
      script,
      /hvosim conformance merge \/results\/hvosim-73\/shard-0 \/results\/hvosim-73\/shard-1 \/results\/hvosim-73\/shard-2 \/results\/hvosim-73\/shard-3 >/,
    );
    assert.equal(p.spec!.volumes![0]!.persistentVolumeClaim?.claimName, 'results');
  });
});

describe('hvosim conformance k8s-job', () => {
  const hvosim = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/hvosim.js'), ...args], { encoding: 'utf8' });
  test('prints the Job as JSON for kubectl apply -f', () => {
    const r = hvosim(
      'conformance',
      'k8s-job',
      '--shards',
      '4',
      '--parallelism',
      '2',
      '--cases',
      '200',
      '--seed',
      '7',
      '--kernel',
      '7.3',
      '--image',
      C.image,
      '--name',
      C.name,
      '--claim',
      C.claim,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(k8sJob(C))));
  });
  test('bad input: one line, exit 2', () => {
    const err = (re: RegExp, ...args: string[]) => {
      const r = hvosim('conformance', 'k8s-job', ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr.trim(), re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    };
    err(/--shards: "9" is not a number of shards: a whole number from 1 to 8/, '--shards', '9', '--cases', '8', '--image', 'i');
    err(/--kernel: "hvo-v7" is not a kernel generation/, '--shards', '2', '--kernel', 'hvo-v7', '--image', 'i');
    err(/--name: "Big_Name" is not a Job name/, '--shards', '2', '--name', 'Big_Name', '--image', 'i');
    err(/--memory: "8GB" is not a Kubernetes memory quantity/, '--shards', '2', '--memory', '8GB', '--image', 'i');
  });
});

describe('the container image recipe and the docs', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((l) => !l.startsWith('#'));
  test('Node 20 on Debian, QEMU, busybox, cpio; npm ci, the CLI built, hvosim on the PATH', () => {
    assert.match(lines.find((l) => l.startsWith('FROM '))!, /^FROM node:20-(bookworm|trixie)(-slim)?$/);
    const install = lines.join('\n');
    for (const pkg of ['qemu-system-x86', 'busybox-static', 'cpio']) assert.match(install, new RegExp(`apt-get install .*\\b${pkg}\\b`));
    assert.match(install, /^RUN npm ci\b/m);
    assert.match(install, /npm run build:cli/);
    assert.match(install, /ln -s \/opt\/hvosim\/bin\/hvosim\.js \/usr\/local\/bin\/hvosim/);
    assert.match(install, /^ENTRYPOINT \["hvosim"\]$/m);
    // What it copies first exists.
    for (const f of /^COPY (.*) \.\/$/m.exec(install)![1]!.split(' ')) readFileSync(join(ROOT, f));
  });
  test('the README shows the Job and the GNU parallel line, and how to merge', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const many = readme.slice(readme.indexOf('## Many machines'));
    assert.ok(readme.includes('## Many machines'));
    assert.match(many, /hvosim conformance k8s-job --shards \d+/);
    assert.match(many, /parallel [\s\S]*--shard \{\}\/\d+/);
    assert.match(many, /hvosim conformance merge /);
  });
});
