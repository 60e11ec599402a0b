// The command line's face: the planner in `boot`, pictures, serve, colour, --json everywhere.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from '../helpers.js';

const BIN = join(ROOT, 'bin/hvosim.js');
function hvosim(args: string[], env: Record<string, string> = { NO_COLOR: '1' }) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), 'hvosim-ui-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('boot answers the operator', () => {
  test('the summary ends with pages asked and got, the HugeTLB memory, the struct-page cost and the best command line', () => {
    const r = hvosim(['boot', '--cmdline', 'hugepagesz=1G hugepages=6 hugetlb_free_vmemmap=on']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Huge pages asked and got:/);
    assert.match(r.out, /1 GiB\s+all\s+6\s+\d/);
    assert.match(r.out, /Why \d pages of 1 GiB are missing:\n {2}node 0: /);
    assert.match(r.out, /Memory given to HugeTLB: /);
    assert.match(r.out, /struct pages: 96 MiB without HVO, [\d.]+ MiB now .*HVO saves/);
    assert.match(
      r.out,
      new RegExp(
        /Most 1 GiB pages this machine gets: \d+ \(node0 \d+, node1 \d+\), leaving ~[\d.]+ [KMGT]?i?B free\. Command line:\n/.source +
          / {2}hugetlb_free_vmemmap=on hugepagesz=1G hugepages=\d+/.source,
      ),
    );
  });

  test('--json carries the plan; --no-plan leaves it out', () => {
    const j = JSON.parse(hvosim(['boot', '--json']).out);
    assert.equal(j.plan.sizes[0].asked, 2);
    assert.equal(j.plan.sizes[0].got, 2);
    assert.ok(j.plan.structPages.savedBytes > 0);
    assert.equal(JSON.parse(hvosim(['boot', '--json', '--no-plan']).out).plan, undefined);
  });

  test('a misspelt parameter is a warning, and the boot goes on as the kernel would', () => {
    const r = hvosim(['boot', '--cmdline', 'hugepage=4']);
    assert.equal(r.code, 0);
    assert.match(r.out, /warning: "hugepage=4": .*did you mean hugepages=\?/);
  });

  test('--svg and --vmemmap-svg write the pictures; an unwritable path is one input error', () => {
    const mm = join(tmp, 'map.svg');
    const vm = join(tmp, 'vmemmap.svg');
    const r = hvosim(['boot', '--machine-preset', '2s-server', '--no-plan', '--svg', mm, '--vmemmap-svg', vm]);
    assert.equal(r.code, 0, r.err);
    const svg = readFileSync(mm, 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<g class="node"/g) ?? []).length, 2);
    assert.match(readFileSync(vm, 'utf8'), /struct pages/);
    const bad = hvosim(['boot', '--svg', join(tmp, 'no/such/dir/x.svg')]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^hvosim: .*x\.svg: cannot write: ENOENT\n$/);
  });
});

describe('serve', () => {
  test('a bad port is one input error', () => {
    const r = hvosim(['serve', '--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^hvosim: --port: "70000" is not a TCP port/);
  });

  test('listens on 127.0.0.1, prints where, and hands out the page', {
    skip: !existsSync(join(ROOT, 'dist-web/index.html')) && 'the page is not built (npm run build)',
  }, async () => {
    const p = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        p.stdout.once('data', (d) => resolve(String(d)));
        p.once('exit', (c) => reject(new Error(`exited ${c}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>hvosim/);
      assert.equal((await fetch(`${url}../../etc/passwd`)).status, 404);
    } finally {
      p.kill();
    }
  });
});

describe('conventions', () => {
  test('every command has --help with examples, and --help lists serve', () => {
    const top = hvosim(['--help']).out;
    for (const c of ['boot', 'replay', 'diff', 'explain', 'check', 'conformance', 'machine', 'serve']) {
      assert.match(top, new RegExp(`\\n  ${c} `), c);
      const h = hvosim([c, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.out, /Examples:\n {2}\$ hvosim /, c);
      assert.match(h.out, /--json/, `${c} has --json`);
    }
  });

  test('colour only on a terminal, never with NO_COLOR', { skip: !existsSync('/usr/bin/script') && 'no script(1)' }, () => {
    const viaTty = (env: Record<string, string>) =>
      spawnSync('script', ['-qc', `${process.execPath} ${BIN} boot --no-plan`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      }).stdout;
    const { NO_COLOR: _drop, ...noNoColor } = process.env;
    const coloured = spawnSync('script', ['-qc', `${process.execPath} ${BIN} boot --no-plan`, '/dev/null'], {
      encoding: 'utf8',
      env: noNoColor as Record<string, string>,
    }).stdout;
    assert.match(coloured, /\x1b\[1m/);
    assert.doesNotMatch(viaTty({ NO_COLOR: '1' }), /\x1b\[/);
    assert.doesNotMatch(hvosim(['boot', '--no-plan'], {}).out, /\x1b\[/, 'piped: no colour');
  });
});
