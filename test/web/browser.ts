// What the browser tests share: the page built from the current sources into a folder of its own
// (two test files building at once never share one), served, and driven in headless Chromium
// (Debian's chromium through playwright-core). Without Chromium the tests are one skipped test
// that says so, unless HVOSIM_REQUIRE_BROWSER is set (as CI does), when its absence is a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { Server } from 'node:http';
import { startServer } from '../../src/cli/serve.js';

const CHROMIUM = process.env.HVOSIM_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = process.env.HVOSIM_SCREENSHOTS ?? join(tmpdir(), 'hvosim-page-shots');

export interface PageKit {
  /** `test`, or a stand-in that registers nothing when there is no browser. */
  browserTest: typeof test;
  open(query?: string, width?: number): Promise<Page>;
}

/** Registers the before/after hooks of one test file and returns how to open the page. */
export function usePage(): PageKit {
  const required = !!process.env.HVOSIM_REQUIRE_BROWSER;
  const missing = !existsSync(CHROMIUM) && !required;
  if (missing)
    test(`the web page in a browser: SKIPPED, no ${CHROMIUM} (install Debian's chromium; CI sets HVOSIM_REQUIRE_BROWSER=1 to fail instead)`, {
      skip: 'no browser',
    }, () => {});
  let browser: Browser;
  let server: Server;
  let url: string;
  let outDir: string;
  before(async () => {
    if (missing) return;
    assert.ok(existsSync(CHROMIUM), `the browser tests need ${CHROMIUM}`);
    // The page is built from the current sources, so the test sees what serve would hand out.
    outDir = mkdtempSync(join(tmpdir(), 'hvosim-web-'));
    execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir'], { stdio: 'ignore' });
    ({ server, url } = await startServer(outDir, 0));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });
  const browserTest: typeof test = missing ? ((() => undefined) as unknown as typeof test) : test;
  async function open(query = '', width = 1500): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url + query);
    await ready(page);
    assert.deepEqual(errors, [], 'no script errors');
    return page;
  }
  return { browserTest, open };
}

/** Waits until the page is done booting (or showing why not). */
export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => ['ready', 'error', 'confirm', 'cancelled'].includes(document.body.dataset.state ?? ''), undefined, {
    timeout: 120_000,
  });
}

/** Set a field and wait for the boot it starts. */
export async function edit(page: Page, selector: string, value: string): Promise<void> {
  await page.evaluate(() => (document.body.dataset.state = 'editing'));
  await page.fill(selector, value);
  await ready(page);
}
