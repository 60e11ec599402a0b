// The web page end to end, in headless Chromium (Debian's chromium, driven by playwright-core):
// load it, change the machine, see the picture change, bad input next to its field, the diff view.
// Chromium is installed by .ci/run; test/web/browser.ts says what happens without it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { edit, ready, SHOTS, usePage } from './browser.js';

const { browserTest, open } = usePage();

browserTest('the page boots the default machine and draws it', async () => {
  const page = await open();
  assert.match((await page.textContent('#summary .got')) ?? '', /^2 of 2 × 1 GiB$/);
  // Two nodes in the memory map, hugetlb's reservation drawn, the vmemmap's HVO range drawn.
  assert.equal(await page.locator('#col-a .memmap g.node').count(), 2);
  assert.ok((await page.locator('#col-a .memmap g.node rect[fill="#1b9e77"]').count()) > 0);
  assert.ok((await page.locator('#col-a .vmemmap rect[fill="#31a354"]').count()) > 0);
  // hvo-v7 maps the tails of both gigantic pages onto one shared tail page of node 1's Normal zone.
  assert.equal(await page.textContent('#col-a details.shared summary'), '1 shared vmemmap page');
  assert.match((await page.textContent('#col-a details.shared')) ?? '', /shared tail page: node 1 Normal, order 18/);
  await page.screenshot({ path: join(SHOTS, 'default.png'), fullPage: true });
  await page.close();
});

browserTest('changing the machine changes the picture', async () => {
  const page = await open();
  const before = await page.innerHTML('#col-a .memmap');
  const memBefore = await page.textContent('#summary .memtotal');
  await edit(page, '#machine', JSON.stringify({ name: 'edited', q35: { nodes: ['3G', '3G', '2G'] } }));
  assert.equal(await page.locator('#col-a .memmap g.node').count(), 3);
  assert.notEqual(await page.innerHTML('#col-a .memmap'), before);
  assert.notEqual(await page.textContent('#summary .memtotal'), memBefore);
  // The command line too: more pages asked, the plan says what the machine gets.
  await edit(page, '#cmdline', 'hugepagesz=1G hugepages=5 hugetlb_free_vmemmap=on');
  assert.match((await page.textContent('#plan')) ?? '', /asked 5, got \d/);
  await page.close();
});

browserTest("bad input shows the command line's message next to its field, and the page keeps working", async () => {
  const page = await open();
  const negative = JSON.stringify({ q35: { nodes: ['-3G'] } });
  await edit(page, '#machine', negative);
  const msg = await page.textContent('#machine-error');
  // The same words `hvosim boot --machine FILE` prints for that file (after "hvosim: FILE:").
  const { loadMachineJson } = await import('../../src/machine/json.js');
  let cli = '';
  try {
    loadMachineJson(negative, 'machine.json');
  } catch (e) {
    cli = (e as { describe(): string }).describe();
  }
  assert.ok(cli.length > 0);
  assert.equal(msg, cli);
  assert.match(msg ?? '', /-3G/);
  // Overlapping nodes, in the explicit form.
  await edit(
    page,
    '#machine',
    JSON.stringify({
      e820: [{ start: 0, size: '4G', type: 'usable' }],
      nodes: [
        { id: 0, ranges: [{ start: 0, size: '3G' }] },
        { id: 1, ranges: [{ start: '2G', size: '2G' }] },
      ],
    }),
  );
  assert.match((await page.textContent('#machine-error')) ?? '', /overlaps node 1/);
  // An unknown field of the machine file, and an unknown kernel parameter (the kernel warns and goes on).
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['4G'] }, memory: 3 }));
  assert.match((await page.textContent('#machine-error')) ?? '', /memory/);
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['4G'] } }));
  assert.equal(await page.textContent('#machine-error'), '');
  await edit(page, '#cmdline', 'hugepage=4 hugepagesz=3G hugepages=1');
  const warn = await page.textContent('#cmdline-error');
  assert.match(warn ?? '', /did you mean hugepages=/);
  assert.match(warn ?? '', /HugeTLB: unsupported hugepagesz=3G/);
  // Still booting and drawing after all that.
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready');
  assert.equal(await page.locator('#col-a .memmap g.node').count(), 1);
  await page.close();
});

browserTest('two profiles side by side, differences marked; the timeline scrubs', async () => {
  const page = await open('?profile=6.15&compare=hvo-v7');
  assert.equal(await page.locator('.column').count(), 2);
  assert.ok((await page.locator('.diff-table tr.changed').count()) > 0, 'some rows differ');
  await page.screenshot({ path: join(SHOTS, 'diff.png'), fullPage: true });
  // The diff table speaks the command line's words, not the data's field names.
  const labels = await page.locator('.diff-table td:first-child').allTextContents();
  assert.ok(labels.includes('PMD leaves (2 MiB of vmemmap each)'), labels.join(' | '));
  assert.ok(labels.includes('1 GiB huge pages on node 1'), labels.join(' | '));
  for (const l of labels) assert.doesNotMatch(l, /^[a-z]+[A-Z]\w*$|hugepages-\d+kB/, `an internal name in the diff table: ${l}`);
  const vmemmapEnd = await page.innerHTML('#col-a .vmemmap');
  const hvoRanges = () => page.locator('#col-a .vmemmap rect', { hasText: 'remapped by HVO' }).count();
  assert.ok((await hvoRanges()) > 0, 'HVO drawn at the end');
  // Back to the first step: nothing is reserved by hugetlb yet, and the vmemmap is not built yet either.
  await page.locator('#col-a input.step').fill('0');
  await page.waitForFunction(() => /after step 1 of/.test(document.querySelector('#col-a .step-name')?.textContent ?? ''));
  await page.waitForFunction(() => document.querySelectorAll('#col-a .memmap g.node rect[fill="#1b9e77"]').length === 0);
  await page.waitForFunction((end) => document.querySelector('#col-a .vmemmap')!.innerHTML !== end, vmemmapEnd);
  assert.equal(await hvoRanges(), 0, 'no HVO mapping before the vmemmap exists');
  // Forward to the end again: the picture is the end's.
  const last = await page.locator('#col-a input.step').getAttribute('max');
  await page.locator('#col-a input.step').fill(last!);
  await page.waitForFunction((end) => document.querySelector('#col-a .vmemmap')!.innerHTML === end, vmemmapEnd);
  await page.close();
});

browserTest("the kernel's words about the command line are shown beside it, not only in the log", async () => {
  const page = await open();
  await edit(page, '#cmdline', 'hugepagesz=1G hugepages=x1');
  const box = page.locator('#cmdline-error');
  assert.match((await box.textContent()) ?? '', /kernel: HugeTLB: Invalid hugepages parameter x1/);
  assert.ok(await box.isVisible());
  assert.ok(await box.evaluate((e) => e.classList.contains('shown')));
  await edit(page, '#cmdline', 'hugepagesz=1G hugepages=1');
  assert.equal(await box.textContent(), '');
  await page.close();
});

browserTest('the preset menu says "custom" once the machine is edited', async () => {
  const page = await open('?preset=laptop');
  assert.equal(await page.inputValue('#preset'), 'laptop');
  await edit(page, '#machine', JSON.stringify({ q35: { nodes: ['3G', '2G'] } }));
  assert.equal(await page.inputValue('#preset'), 'custom');
  assert.match((await page.locator('#preset option:checked').textContent()) ?? '', /^custom/);
  // Picking a preset again loads it, and the menu names it.
  await page.evaluate(() => (document.body.dataset.state = 'editing'));
  await page.selectOption('#preset', 'default');
  await ready(page);
  assert.equal(await page.inputValue('#preset'), 'default');
  await page.close();
});

browserTest('at 420 px wide the page does not scroll sideways (one profile and two)', async () => {
  for (const q of ['', '?profile=6.15&compare=hvo-v7']) {
    const page = await open(q, 420);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.scrollingElement!.scrollWidth,
      client: document.scrollingElement!.clientWidth,
    }));
    assert.ok(scroll <= client, `${q || 'default'}: scrollWidth ${scroll} > clientWidth ${client}`);
    await page.screenshot({ path: join(SHOTS, `narrow${q ? '-diff' : ''}.png`), fullPage: true });
    await page.close();
  }
});

browserTest('zooming into a node draws that node alone', async () => {
  const page = await open();
  await page.locator('#col-a .memmap g.node[data-nid="1"] rect').first().click();
  await page.waitForFunction(() => document.querySelectorAll('#col-a .memmap g.node').length === 1);
  await page.click('#zoom-reset');
  assert.equal(await page.locator('#col-a .memmap g.node').count(), 2);
  await page.close();
});

browserTest('a pasted build (.config or hvosim build --json) is booted on both sides and said; bad text shows next to it', async () => {
  const { readFileSync } = await import('node:fs');
  const custom = join(import.meta.dirname, '..', 'fixtures', 'custom', '7.3-min');
  const page = await open('?profile=7.3&compare=7.2');
  const debian = await page.textContent('#summary .memtotal');
  // The tinyconfig build: no DMA zone, a smaller pg_data_t and printk records: more MemTotal, and the note says why.
  await edit(page, '#build', readFileSync(join(custom, 'config'), 'utf8'));
  assert.notEqual(await page.textContent('#summary .memtotal'), debian);
  assert.match((await page.textContent('#build-note')) ?? '', /^build: the options and .*pgdatSize from the pasted build/);
  await edit(page, '#build', readFileSync(join(custom, 'build-from-image.json'), 'utf8'));
  assert.match((await page.textContent('#build-note')) ?? '', /pcpuUnitPages/);
  // Not a configuration: the message of --config, next to the field; the last good boot stays.
  await edit(page, '#build', 'hello');
  assert.match((await page.textContent('#build-error')) ?? '', /not a kernel configuration line/);
  await edit(page, '#build', '');
  assert.equal(await page.textContent('#build-note'), '');
  assert.equal(await page.textContent('#summary .memtotal'), debian);
  await page.close();
});
