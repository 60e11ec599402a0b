// The page read by an operator: what a node's label counts, why the vmemmap bars and the struct
// page card differ, the page at 420 px, and a slow boot that shows its time and can be cancelled.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { edit, SHOTS, usePage } from './browser.js';

const { browserTest, open } = usePage();

const state = (page: Page) => page.getAttribute('body', 'data-state');

browserTest("a node's label is its RAM, and its span is labelled as a span", async () => {
  const page = await open();
  // Node 0 of the default machine spans 0x1000-0x140000000 (4.99 GiB) around the PCI hole; its RAM is 2.99 GiB
  // (its 3 GiB less the low firmware ranges).
  const label = (await page.locator('#col-a .memmap g.node[data-nid="0"] text.node-label').allTextContents()).join(' ');
  assert.match(label, /\b2\.99 GiB RAM\b/, label);
  assert.match(label, /spans 4\.99 GiB/, label);
  assert.doesNotMatch(label.replace(/spans 4\.99 GiB/, ''), /4\.99 GiB/, label);
  await page.close();
});

browserTest('the vmemmap bars and the struct pages card count the same struct pages, and say what each counts', async () => {
  const page = await open();
  const card = (await page.textContent('#summary .card.structpages')) ?? '';
  assert.match(card, /96 MiB → 64\.08 MiB/);
  assert.match(card, /present/, 'the card says it counts the struct pages of present memory');
  const perNode = await page.locator('#col-a .vmemmap text.node-label').allTextContents();
  const joined = perNode.join(' | ');
  // 48 + 48 = 96: each node's struct pages, the figure the card starts from.
  assert.equal((joined.match(/48 MiB of struct pages/g) ?? []).length, 2, joined);
  // Node 0's range of vmemmap is larger (its span has a hole): labelled as a range, not as struct pages.
  assert.match(joined, /79\.99 MiB range/, joined);
  await page.close();
});

browserTest('at 420 px: labels readable, log lines wrap, the preset menu fits, nothing scrolls sideways', async () => {
  for (const q of ['', '?profile=6.15&compare=hvo-v7']) {
    const page = await open(q, 420);
    const small = await page.evaluate(() => {
      const out: string[] = [];
      for (const svg of document.querySelectorAll<SVGSVGElement>('#columns svg')) {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        for (const t of svg.querySelectorAll('text')) {
          const px = parseFloat(getComputedStyle(t).fontSize) * scale;
          if (px < 10 && t.textContent) out.push(`${t.textContent} (${px.toFixed(1)} px)`);
        }
      }
      return out;
    });
    assert.deepEqual(small, [], `${q || 'default'}: SVG text under 10 px`);
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('pre')].filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.textContent!.slice(0, 60)),
    );
    assert.deepEqual(cut, [], `${q || 'default'}: lines cut in a box that scrolls sideways`);
    const menu = await page.evaluate(() => {
      const sel = document.getElementById('preset') as HTMLSelectElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(sel).font;
      const room = sel.clientWidth - 28; // the arrow and the padding
      return [...sel.options].filter((o) => !o.hidden).map((o) => ({ text: o.text, w: ctx.measureText(o.text).width, room }));
    });
    for (const m of menu) assert.ok(m.w <= m.room, `preset menu: "${m.text}" is ${m.w.toFixed(0)} px wide in ${m.room} px`);
    assert.match((await page.textContent('#preset-about')) ?? '', /two 3 GiB nodes/);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.scrollingElement!.scrollWidth,
      client: document.scrollingElement!.clientWidth,
    }));
    assert.ok(scroll <= client, `${q || 'default'}: scrollWidth ${scroll} > clientWidth ${client}`);
    await page.screenshot({ path: join(SHOTS, `narrow-operator${q ? '-diff' : ''}.png`), fullPage: true });
    await page.close();
  }
});

browserTest('a slow boot shows its time, clears the last error, can be cancelled, and the page goes on', async () => {
  const page = await open();
  const before = await page.innerHTML('#col-a .memmap');
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['-3G'] } }));
  assert.notEqual(await page.textContent('#machine-error'), '');
  // 63 TiB on one node (just below what x86_64 addresses) with 60,000 gigantic pages: the boot and the planner's
  // trial boots take seconds (the RAM alone boots in a quarter of one on a quiet machine). The boot clears the old
  // error as it starts.
  await page.fill('#cmdline', 'hugepagesz=1G hugepages=60000 hugetlb_free_vmemmap=on');
  await page.fill('#machine', JSON.stringify({ q35: { nodes: ['63T'] } }));
  await page.waitForFunction(() => document.body.dataset.state === 'booting');
  assert.equal(await page.textContent('#machine-error'), '', 'the previous error is gone once a new boot starts');
  await page.waitForFunction(() => /booting… [1-9]\d*\.\d s/.test(document.getElementById('status')!.textContent ?? ''), undefined, {
    timeout: 20_000,
  });
  // The page itself stays responsive while the worker boots.
  const t = await page.evaluate(
    () =>
      new Promise<number>((r) => {
        const t0 = performance.now();
        requestAnimationFrame(() => r(performance.now() - t0));
      }),
  );
  assert.ok(t < 1000, `a frame took ${t} ms`);
  assert.ok(await page.locator('#cancel').isVisible());
  await page.click('#cancel');
  await page.waitForFunction(() => document.body.dataset.state === 'cancelled');
  assert.match((await page.textContent('#status')) ?? '', /cancelled after \d+\.\d s/);
  assert.ok(!(await page.locator('#cancel').isVisible()));
  // The last good boot is still drawn, and the timeline still scrubs with a new worker.
  assert.equal(await page.innerHTML('#col-a .memmap'), before);
  await page.locator('#col-a input.step').fill('0');
  await page.waitForFunction(() => /after step 1 of/.test(document.querySelector('#col-a .step-name')?.textContent ?? ''));
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['2G', '2G'] } }));
  assert.equal(await state(page), 'ready');
  assert.equal(await page.locator('#col-a .memmap g.node').count(), 2);
  await page.close();
});

browserTest('a machine too large to boot quickly asks first, and says why', async () => {
  const page = await open();
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['1P'] } }));
  assert.equal(await state(page), 'confirm');
  const why = (await page.textContent('#confirm')) ?? '';
  assert.match(why, /1023\.99 TiB of RAM/); // 1 PiB less the firmware holes
  assert.match(why, /64 TiB/);
  assert.ok(await page.locator('#boot-anyway').isVisible());
  await page.click('#boot-anyway');
  await page.waitForFunction(() => document.body.dataset.state === 'booting');
  assert.ok(!(await page.locator('#boot-anyway').isVisible()));
  await page.click('#cancel');
  await page.waitForFunction(() => document.body.dataset.state === 'cancelled');
  await page.close();
});
