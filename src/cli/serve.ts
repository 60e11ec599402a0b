// hvosim serve: the web page on 127.0.0.1. The page runs the simulator itself (built from
// these sources by Vite into dist-web/); the server only hands out its files.
import type { Command } from 'commander';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';
import { wholeOption } from './options.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** dist-web/ of this package, from src/cli or dist/cli alike. */
export function webRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist-web');
}

/**
 * The page's needs, and nothing more: its own scripts, module worker and stylesheet, SVG drawn
 * inline (no style attributes), the empty data: icon. No framing, no form posts, no plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every answer carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** How the server answers one request: status, headers and body. Never throws on any request line. */
export function answer(
  root: string,
  method: string | undefined,
  rawUrl: string | undefined,
): { status: number; headers: Record<string, string>; body?: Buffer | string } {
  const text = (status: number, msg: string, extra: Record<string, string> = {}) => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...extra },
    body: `${msg}\n`,
  });
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed', { allow: 'GET, HEAD' });
  let path: string;
  try {
    path = decodeURIComponent(new URL(rawUrl ?? '/', 'http://x').pathname);
  } catch {
    return text(400, 'bad request: the path is not valid percent-encoding');
  }
  if (path.includes('\0')) return text(400, 'bad request: NUL in the path');
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  let isFile = false;
  try {
    isFile = file.startsWith(root + sep) && statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) return text(404, 'not found');
  return {
    status: 200,
    headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' },
    body: readFileSync(file),
  };
}

/** Serve `root` on 127.0.0.1:port (0: any free port); resolves once listening. */
export function startServer(root: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let a: ReturnType<typeof answer>;
    try {
      a = answer(root, req.method, req.url);
    } catch {
      // A file that vanished or cannot be read between stat and read: the server goes on.
      a = { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'cannot read the file\n' };
    }
    res.writeHead(a.status, { ...SECURITY_HEADERS, ...a.headers });
    res.end(req.method === 'HEAD' ? undefined : a.body);
  });
  // A malformed request line never reaches the handler: answer 400 and keep listening.
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : port}/` });
    });
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'start the web page on 127.0.0.1: edit the machine and command line, see the memory map, the vmemmap, the boot timeline and two profiles side by side',
    )
    .option('--port <n>', 'TCP port (0 picks a free one)', '8040')
    .option('--json', 'print the address as JSON ({"url": ...}) once listening, for scripts')
    .addHelpText(
      'after',
      `
The page runs the simulator in the browser, from the same sources as this
command line. Parameters in the address pick what it starts with:
  http://127.0.0.1:8040/?preset=64t
  http://127.0.0.1:8040/?preset=default&profile=6.15&compare=hvo-v7
  http://127.0.0.1:8040/?cmdline=hugepagesz%3D1G%20hugepages%3D4

Examples:
  $ hvosim serve
  $ hvosim serve --port 0`,
    )
    .action(async (o: { port: string; json?: boolean }) => {
      const port = wholeOption(o.port, '--port', { what: 'a TCP port', min: 0, max: 65535, why: '0 picks a free one' });
      const root = webRoot();
      if (!existsSync(join(root, 'index.html')))
        throw new InputError(`the web page is not built (no ${join(root, 'index.html')}): run npm run build:web`);
      let url: string;
      try {
        ({ url } = await startServer(root, port));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(code === 'EADDRINUSE' ? `port ${o.port} is in use (try --port 0)` : `cannot listen: ${code ?? String(e)}`, {
          field: '--port',
        });
      }
      process.stdout.write(o.json ? `${JSON.stringify({ url })}\n` : `hvosim serve: ${url} (Ctrl-C stops it)\n`);
    });
}
