// The page: edit the machine and the command line, pick kernel profiles, and see the boot
// drawn. All simulation happens in worker.ts from the project's own sources; this file
// only draws what comes back (the SVG from src/report/svg.ts, the same as `boot --svg`).
import { PRESETS, presetJson, presetNames } from '../src/machine/presets.js';
import { DEFAULT_PROFILE, PROFILE_NAMES, type ProfileName } from '../src/simulator.js';
import { memoryMapSvg, vmemmapSvg, barX0, BAR_RIGHT, esc } from '../src/report/svg.js';
import { humanSize } from '../src/util/units.js';
import type { BootPicture } from '../src/report/picture.js';
import { hugepageSizeLabel, VMEMMAP_LABELS } from '../src/check/diff.js';
import type { Request, Response, View } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
type BootRequest = Omit<Extract<Request, { kind: 'boot' }>, 'id'>;

let nextId = 1;
let latestBoot = 0;
/** Answers awaited from the worker; null when the worker was stopped first. */
const pending = new Map<number, (r: Response | null) => void>();
let worker: Worker;
/** The worker holds the boot on screen (a new worker holds nothing until it boots it again). */
let workerHasBoot = false;
/** The boot on screen, to give a new worker when the timeline is scrubbed. */
let lastGood: BootRequest | null = null;

function startWorker(): void {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<Response>) => {
    pending.get(ev.data.id)?.(ev.data);
    pending.delete(ev.data.id);
  };
  workerHasBoot = false;
}

/** Ends whatever the worker is doing (the only way to stop a boot) and starts a fresh one. */
function restartWorker(): void {
  worker.terminate();
  for (const resolve of pending.values()) resolve(null);
  pending.clear();
  startWorker();
}

function ask(req: Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never): Promise<Response | null> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ ...req, id });
  });
}

/** The boot running now: when it started, and the timer that shows its time. */
let running: { t0: number; timer: ReturnType<typeof setInterval> } | null = null;
const elapsed = () => (running ? ((performance.now() - running.t0) / 1000).toFixed(1) : '0.0');

function startRunning(): void {
  const t0 = performance.now();
  running = { t0, timer: setInterval(() => ($('status').textContent = `booting… ${elapsed()} s`), 100) };
  $('cancel').hidden = false;
  setState('booting', 'booting… 0.0 s');
}

function stopRunning(): void {
  if (running) clearInterval(running.timer);
  running = null;
  $('cancel').hidden = true;
}

/** The physical window the memory maps show (null: each node whole). */
let physWindow: { start: number; end: number } | null = null;
const pictures: Record<'a' | 'b', BootPicture | null> = { a: null, b: null };

function setState(state: 'booting' | 'ready' | 'error' | 'confirm' | 'cancelled', text: string): void {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

function fillSelects(): void {
  // Names only, so the menu fits a narrow window; what the chosen one is shows under it.
  $('preset').innerHTML = `${presetNames()
    .map((n) => `<option value="${n}" title="${esc(PRESETS[n]!.describe)}">${n}</option>`)
    .join('')}<option value="custom" hidden disabled>custom</option>`;
  $('profile').innerHTML = PROFILE_NAMES.map((p) => `<option${p === DEFAULT_PROFILE.name ? ' selected' : ''}>${p}</option>`).join('');
  $('compare').innerHTML = `<option value="">(nothing)</option>${PROFILE_NAMES.map((p) => `<option>${p}</option>`).join('')}`;
}

function describePreset(): void {
  const name = ($('preset') as HTMLSelectElement).value;
  $('preset-about').textContent = PRESETS[name]?.describe ?? 'the machine file was edited';
}

function loadPreset(name: string): void {
  ($('machine') as HTMLTextAreaElement).value = JSON.stringify(presetJson(name), null, 2);
  ($('cmdline') as HTMLInputElement).value = PRESETS[name]!.cmdline;
}

/** The physical window as vmemmap addresses (struct pages are a fixed fraction of the memory they describe). */
function vmemmapWindow(pic: BootPicture): { start: number; end: number } | undefined {
  return physWindow ? { start: physWindow.start * pic.structPagePerByte, end: physWindow.end * pic.structPagePerByte } : undefined;
}

function drawColumn(which: 'a' | 'b'): void {
  const pic = pictures[which];
  const col = document.querySelector<HTMLElement>(`#col-${which}`);
  if (!pic || !col) return;
  // Drawn at the column's own width, so its text is the size it says (no scaling down).
  const width = Math.max(280, Math.floor(col.clientWidth ? col.clientWidth - 16 : 900));
  col.querySelector('.memmap')!.innerHTML = memoryMapSvg(pic, { width, window: physWindow ?? undefined });
  col.querySelector('.vmemmap')!.innerHTML = vmemmapSvg(pic, { width, window: vmemmapWindow(pic) });
  const st = pic.steps[pic.step];
  col.querySelector('.step-name')!.textContent =
    `after step ${pic.step + 1} of ${pic.steps.length}: ${st?.fn ?? ''} (${st?.calls ?? 0} memblock calls)`;
}

function columnHtml(which: 'a' | 'b', v: View): string {
  const steps = v.picture.steps.length;
  return `<div class="column" id="col-${which}">
    <h2>kernel ${esc(v.profile)}${v.panic ? ' <span class="died">the boot died</span>' : ''}</h2>
    ${v.panic ? `<pre class="panic">${esc(v.panic)}</pre>` : ''}
    <div class="timeline">
      <input type="range" class="step" min="0" max="${steps - 1}" value="${steps - 1}" aria-label="boot step (${which})" />
      <div class="step-name"></div>
      <details><summary>memblock calls of this step</summary><pre class="calls">${esc(v.stepCalls.join('\n') || '(none)')}</pre></details>
    </div>
    <div class="memmap"></div>
    <div class="vmemmap"></div>
    ${sharedHtml(v)}
  </div>`;
}

/** The vmemmap pages HVO shares, each with how many PTEs map it. */
function sharedHtml(v: View): string {
  const sh = v.picture.vmemmap.shared;
  if (!sh.length) return '';
  const rows = sh
    .slice(0, 50)
    .map(
      (x) =>
        `<tr><td>${x.kind === 'head' ? 'head page (its tails map it)' : `shared tail page: ${esc(x.zone ?? '')}`}</td>` +
        `<td>0x${x.phys.toString(16)}</td><td>${x.refs.toLocaleString('en')}</td></tr>`,
    );
  const more = sh.length > 50 ? `<tr><td colspan="3">… and ${sh.length - 50} more</td></tr>` : '';
  return (
    `<details class="shared"><summary>${sh.length} shared vmemmap page${sh.length === 1 ? '' : 's'}</summary>` +
    `<table><tr><th>page</th><th>physical</th><th>PTEs mapping it</th></tr>${rows.join('')}${more}</table></details>`
  );
}

function summaryHtml(v: View): string {
  const p = v.plan;
  const asked = p.sizes.map((z) => `${z.got} of ${z.asked} × ${z.size}`).join(', ') || 'none asked';
  const sp = p.structPages;
  return (
    `<div class="cards" data-profile="${esc(v.profile)}">
    <div class="card profile"><b>kernel</b><span>${esc(v.profile)}</span></div>
    <div class="card"><b>MemTotal</b><span class="memtotal">${(v.memTotalKb).toLocaleString('en')} kB</span></div>
    <div class="card"><b>huge pages got</b><span class="got">${esc(asked)}</span></div>
    <div class="card"><b>given to HugeTLB</b><span>${humanSize(v.hugetlbKb * 1024)}</span></div>
    <div class="card structpages"><b>struct pages</b><span>${humanSize(sp.withoutHvoBytes)} → ${humanSize(sp.nowBytes)}</span>` +
    `<small>of present memory → backing the vmemmap now, page tables included</small></div>
    <div class="card"><b>HVO ${!sp.hvo ? '' : sp.savedBytes >= 0 ? 'saves' : 'costs'}</b>` +
    `<span class="saved">${sp.hvo ? humanSize(Math.abs(sp.savedBytes)) : 'off'}</span></div>
    <div class="card"><b>memblock calls</b><span>${v.memblockCalls.toLocaleString('en')}</span></div>
  </div>`
  );
}

function planHtml(v: View): string {
  const p = v.plan;
  const out: string[] = [`<h2>Plan (kernel ${esc(v.profile)})</h2>`];
  if (!p.sizes.length && !p.unsupported.length)
    out.push('<p>No huge pages asked: <code>hugepagesz=</code> and <code>hugepages=</code> ask for them.</p>');
  if (p.unsupported.length)
    out.push(`<p>Huge pages asked of a size the kernel refused:</p><ul>${p.unsupported.map((u) => `<li>${esc(u)}.</li>`).join('')}</ul>`);
  for (const z of p.sizes) {
    out.push(`<h3>${esc(z.size)} pages: asked ${z.asked}, got ${z.got}</h3><table><tr><th>node</th><th>asked</th><th>got</th></tr>`);
    for (const r of z.rows)
      out.push(
        `<tr${r.asked !== null && r.got < r.asked ? ' class="short"' : ''}><td>node${r.node}</td><td>${r.asked ?? '—'}</td><td>${r.got}</td></tr>`,
      );
    out.push('</table>');
    if (z.why.length)
      out.push(
        `<ul class="why">${z.why
          .map(
            (w) =>
              `<li>${esc(w.text)}` +
              `${w.examples.length ? `<ul>${w.examples.map((e) => `<li>e.g. ${esc(e)}</li>`).join('')}</ul>` : ''}</li>`,
          )
          .join('')}</ul>`,
      );
    if (z.best)
      out.push(
        `<p>Most ${esc(z.size)} pages this machine gets: <b>${z.best.pages}</b>${z.best.note ? ` (${esc(z.best.note)})` : ''}, ` +
          `with <code class="best">${esc(z.best.cmdline)}</code></p>`,
      );
  }
  out.push(`<h3>Kernel log (HugeTLB)</h3><pre>${esc(v.hugetlbLog.join('\n'))}</pre>`);
  return out.join('');
}

function diffHtml(r: Extract<Response, { kind: 'boot' }>): string {
  if (!r.b || !r.diff) return '';
  const a = r.a;
  const b = r.b;
  // The words the command line's diff uses, not the field names of the data.
  const nodes = [...new Set([...Object.keys(a.hugepages), ...Object.keys(b.hugepages)])].sort();
  const rows: [string, string | number, string | number][] = [
    ['MemTotal (kB)', a.memTotalKb, b.memTotalKb],
    ['memblock calls', a.memblockCalls, b.memblockCalls],
    [
      'memory the vmemmap took at boot, pages (nr_memmap_boot_pages)',
      r.diff.memmapBootPages[0] ?? 'no such counter',
      r.diff.memmapBootPages[1] ?? 'no such counter',
    ],
    ['struct pages now (vmemmap and its page tables)', humanSize(a.plan.structPages.nowBytes), humanSize(b.plan.structPages.nowBytes)],
    ...VMEMMAP_LABELS.map(([k, label]) => [label, a.vmemmap[k], b.vmemmap[k]] as [string, number, number]),
    ...nodes.flatMap((n) => {
      const sizes = [...new Set([...Object.keys(a.hugepages[n] ?? {}), ...Object.keys(b.hugepages[n] ?? {})])].sort(
        (x, y) => parseInt(x, 10) - parseInt(y, 10),
      );
      return sizes.map(
        (sz) =>
          [
            `${hugepageSizeLabel(sz)} huge pages on node ${n.replace(/^node/, '')}`,
            a.hugepages[n]?.[sz] ?? 0,
            b.hugepages[n]?.[sz] ?? 0,
          ] as [string, number, number],
      );
    }),
  ];
  const tr = rows
    .map(
      ([k, x, y]) => `<tr${x !== y ? ' class="changed"' : ''}><td>${esc(k)}</td><td>${esc(String(x))}</td><td>${esc(String(y))}</td></tr>`,
    )
    .join('');
  const only = (l: string[], who: string) => (l.length ? `<p>dmesg only in ${who}:</p><pre>${esc(l.join('\n'))}</pre>` : '');
  return `<h2>${esc(a.profile)} against ${esc(b.profile)}</h2>
    <ul class="diff-summary">${r.diff.summary.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
    <div class="scroll"><table class="diff-table"><tr><th></th><th>kernel ${esc(a.profile)}</th><th>kernel ${esc(b.profile)}</th></tr>${tr}</table></div>
    ${only(r.diff.dmesgOnlyA, a.profile)}${only(r.diff.dmesgOnlyB, b.profile)}`;
}

function clearMessages(): void {
  for (const id of ['machine-error', 'machine-warning', 'cmdline-error', 'build-error', 'general-error']) $(id).textContent = '';
  $('confirm').hidden = true;
  $('cmdline-error').classList.remove('shown');
  $('machine').classList.remove('invalid');
}

async function runBoot(force = false): Promise<void> {
  const req: BootRequest = {
    kind: 'boot',
    machineText: ($('machine') as HTMLTextAreaElement).value,
    cmdline: ($('cmdline') as HTMLInputElement).value,
    profile: ($('profile') as HTMLSelectElement).value as ProfileName,
    compare: (($('compare') as HTMLSelectElement).value || null) as ProfileName | null,
    buildText: ($('build') as HTMLTextAreaElement).value,
    force,
  };
  // A newer boot replaces one still running: that one's answer is no longer wanted.
  if (running) restartWorker();
  stopRunning();
  const mine = ++latestBoot;
  clearMessages();
  startRunning();
  const t0 = performance.now();
  const r = await ask(req);
  if (mine !== latestBoot || !r) return; // replaced or cancelled meanwhile
  stopRunning();
  if (!r.ok) {
    const target = r.error.field === 'general' ? 'general-error' : `${r.error.field}-error`;
    $(target).textContent = r.error.message;
    if (target === 'cmdline-error') $(target).classList.add('shown');
    if (r.error.field === 'machine') $('machine').classList.add('invalid');
    setState('error', 'fix the input to boot again (the last good boot is still shown)');
    return;
  }
  if (r.kind === 'confirm') {
    $('confirm-text').textContent = r.reason;
    $('confirm').hidden = false;
    setState('confirm', 'not booted yet: see why below (the last good boot is still shown)');
    return;
  }
  if (r.kind !== 'boot') return;
  lastGood = req;
  workerHasBoot = true;
  $('machine-warning').textContent = r.machineWarnings.map((w) => `warning: ${w}`).join('\n');
  $('build-note').textContent = r.buildNote ?? '';
  // What the kernel said about the command line, next to it (not only in the log below).
  const kernelSaid = [...new Set([...r.a.kernelWarnings, ...(r.b?.kernelWarnings ?? [])])];
  $('cmdline-error').textContent = [...r.cmdWarnings.map((w) => `warning: ${w}`), ...kernelSaid.map((l) => `kernel: ${l}`)].join('\n');
  $('cmdline-error').classList.toggle('shown', r.cmdWarnings.length + kernelSaid.length > 0);
  pictures.a = r.a.picture;
  pictures.b = r.b?.picture ?? null;
  $('summary').innerHTML = summaryHtml(r.a) + (r.b ? summaryHtml(r.b) : '');
  $('diff').innerHTML = diffHtml(r);
  $('columns').className = r.b ? 'two' : 'one';
  $('columns').innerHTML = columnHtml('a', r.a) + (r.b ? columnHtml('b', r.b) : '');
  $('plan').innerHTML = planHtml(r.a);
  drawColumn('a');
  drawColumn('b');
  setState('ready', `booted in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}

/** Stops the boot running now; the last good boot stays on screen. */
function cancelBoot(): void {
  if (!running) return;
  const secs = elapsed();
  latestBoot++;
  restartWorker();
  stopRunning();
  setState('cancelled', `cancelled after ${secs} s (the last good boot is still shown)`);
}

async function scrub(which: 'a' | 'b', step: number): Promise<void> {
  // A worker started after a cancel boots the machine on screen again first.
  if (!workerHasBoot && lastGood) {
    const r = await ask({ ...lastGood, force: true });
    if (!r?.ok || r.kind !== 'boot') return;
    workerHasBoot = true;
  }
  const r = await ask({ kind: 'step', which, step });
  if (!r?.ok || r.kind !== 'step') return;
  pictures[which] = r.picture;
  document.querySelector(`#col-${which} .calls`)!.textContent = r.stepCalls.join('\n') || '(none)';
  drawColumn(which);
}

function onMapClick(ev: MouseEvent): void {
  const g = (ev.target as Element).closest('g.node') as SVGGElement | null;
  const svg = (ev.target as Element).closest('svg');
  const col = (ev.target as Element).closest('.column') as HTMLElement | null;
  if (!g || !svg || !col) return;
  const which = col.id === 'col-b' ? 'b' : 'a';
  const node = pictures[which]?.nodes.find((n) => n.nid === Number(g.dataset.nid));
  if (!node) return;
  if (!physWindow || physWindow.end <= node.start || physWindow.start >= node.end) physWindow = { start: node.start, end: node.end };
  else {
    const box = svg.getBoundingClientRect();
    const scale = box.width / Number(svg.getAttribute('width'));
    const x0 = barX0(Number(svg.getAttribute('width')));
    const w = Number(svg.getAttribute('width')) - x0 - BAR_RIGHT;
    const frac = Math.min(1, Math.max(0, ((ev.clientX - box.left) / scale - x0) / w));
    const lo = Math.max(physWindow.start, node.start);
    const hi = Math.min(physWindow.end, node.end);
    const at = lo + frac * (hi - lo);
    const span = Math.max((hi - lo) / 8, 4096 * 512);
    physWindow = { start: Math.max(node.start, at - span / 2), end: Math.min(node.end, at + span / 2) };
  }
  drawColumn('a');
  drawColumn('b');
}

let debounce: ReturnType<typeof setTimeout> | undefined;
function bootSoon(): void {
  clearTimeout(debounce);
  debounce = setTimeout(() => void runBoot(), 350);
}

startWorker();
fillSelects();
// The address can pick the start: ?preset=64t&profile=6.15&compare=hvo-v7&cmdline=...
const params = new URLSearchParams(location.search);
const startPreset = params.get('preset') ?? 'default';
($('preset') as HTMLSelectElement).value = PRESETS[startPreset] ? startPreset : 'default';
loadPreset(PRESETS[startPreset] ? startPreset : 'default');
describePreset();
if (params.has('cmdline')) ($('cmdline') as HTMLInputElement).value = params.get('cmdline')!;
for (const k of ['profile', 'compare'] as const) {
  const v = params.get(k);
  if (v !== null && (PROFILE_NAMES as string[]).includes(v)) ($(k) as HTMLSelectElement).value = v;
}
$('preset').addEventListener('change', () => {
  physWindow = null;
  loadPreset(($('preset') as HTMLSelectElement).value);
  describePreset();
  void runBoot();
});
// An edited machine is no longer the preset it started from.
$('machine').addEventListener('input', () => {
  ($('preset') as HTMLSelectElement).value = 'custom';
  describePreset();
});
$('cancel').addEventListener('click', cancelBoot);
$('boot-anyway').addEventListener('click', () => void runBoot(true));
// The pictures are drawn at the column's width: draw them again when it changes.
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    drawColumn('a');
    drawColumn('b');
  }, 150);
});
for (const id of ['machine', 'cmdline', 'build']) $(id).addEventListener('input', bootSoon);
for (const id of ['profile', 'compare']) $(id).addEventListener('change', () => void runBoot());
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void runBoot();
});
$('zoom-reset').addEventListener('click', () => {
  physWindow = null;
  drawColumn('a');
  drawColumn('b');
});
$('columns').addEventListener('input', (e) => {
  const t = e.target as HTMLInputElement;
  const col = t.closest('.column');
  if (t.classList.contains('step') && col) void scrub(col.id === 'col-b' ? 'b' : 'a', Number(t.value));
});
$('columns').addEventListener('click', (e) => {
  if ((e.target as Element).closest('.memmap')) onMapClick(e as MouseEvent);
});
void runBoot();
