// hvosim serve: the server on 127.0.0.1 (an ephemeral port) answers every request and keeps running.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'hvosim-serve-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'assets', 'a.js'), 'export {};');
mkdirSync(join(root, 'dir.js'));
writeFileSync(join(root, '..', 'hvosim-serve-secret.txt'), 'secret');

let child: ChildProcess;
let port = 0;
let stderr = '';

// The server runs in a process of its own, as `hvosim serve` does, so a request that kills it is seen.
before(async () => {
  const code =
    `import('${join(ROOT, 'src/cli/serve.ts').replace(/\\/g, '/')}')` +
    `.then((m) => m.startServer(${JSON.stringify(root)}, 0)).then(({ url }) => console.log(url));`;
  child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (c) => reject(new Error(`server exited (${c}): ${stderr}`)));
  });
  port = Number(new URL(url).port);
  assert.ok(url.startsWith('http://127.0.0.1:') && port > 0, url);
});
after(() => {
  child?.kill();
  rmSync(root, { recursive: true, force: true });
  rmSync(join(root, '..', 'hvosim-serve-secret.txt'), { force: true });
});

function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

async function stillServes(): Promise<void> {
  assert.equal(child.exitCode, null, `the server is still running (${stderr})`);
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.match(r.body, /<title>t<\/title>/);
}

describe('hvosim serve', () => {
  test('GET / is the page, with the security headers', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    const csp = String(r.headers['content-security-policy']);
    for (const d of ["default-src 'none'", "script-src 'self'", "worker-src 'self'", "style-src 'self'", "frame-ancestors 'none'"])
      assert.ok(csp.includes(d), `${d} in ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });
  test('GET /% (bad percent-encoding) is 400 and the server keeps running', async () => {
    for (const p of ['/%', '/%zz', '/a%E0%A4%A', '/%00']) {
      const r = await get(p);
      assert.equal(r.status, 400, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    await stillServes();
  });
  test('methods other than GET and HEAD are 405 with Allow', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await get('/', m);
      assert.equal(r.status, 405, m);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    const h = await get('/', 'HEAD');
    assert.equal(h.status, 200);
    assert.equal(h.body, '');
    await stillServes();
  });
  test('outside the root, directories and missing files are 404', async () => {
    for (const p of ['/../hvosim-serve-secret.txt', '/%2e%2e/hvosim-serve-secret.txt', '/dir.js', '/nope.js'])
      assert.equal((await get(p)).status, 404, p);
    const js = await get('/assets/a.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
  });
  test('a malformed request line is 400 and the server keeps running', async () => {
    assert.match(await raw('GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw('\x01\x02 nonsense\r\n\r\n'), /^HTTP\/1\.1 400/);
    await stillServes();
  });
});
