// npm run screenshots: the pictures of the web page (README.md, docs/web.md), taken in headless Chromium
// (Debian's chromium through playwright-core), written to docs/screenshots/.
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { startServer, webRoot } from '../src/cli/serve.js';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
const SHOTS: [string, string, number][] = [
  ['default.png', '', 1500],
  ['64t.png', '?preset=64t', 1500],
  [
    'diff-6.15-hvo-v7.png',
    '?profile=6.15&compare=hvo-v7&cmdline=hugepagesz%3D1G%20hugepages%3D2%20hugetlb_free_vmemmap%3Don%20movablecore%3D2300M',
    1700,
  ],
];

const { server, url } = await startServer(webRoot(), 0);
const browser = await chromium.launch({
  executablePath: process.env.HVOSIM_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  for (const [file, query, width] of SHOTS) {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    await page.goto(url + query);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 300_000 });
    await page.screenshot({ path: join(OUT, file), fullPage: true });
    process.stdout.write(`${join(OUT, file)}: ${await page.textContent('#status')}\n`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
