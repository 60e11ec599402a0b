// SVG drawings of a boot picture (report/picture.ts): the physical memory map per node
// and the vmemmap per node. Plain strings, no DOM: `hvosim boot --svg` writes them and
// the web page puts them on screen.
//
// Any size reads: every node is one bar of the same width, and ranges narrower than a
// pixel are merged with their neighbours of the same kind, so 64 TiB draws as few
// rectangles as 6 GiB. A window (physical or vmemmap addresses) zooms in.
import { humanSize } from '../util/units.js';
import { hex } from '../util/format.js';
import type { BootPicture, Extent, VmemmapKind } from './picture.js';
import { OWNERS, type Owner } from '../util/kernel-callers.js';

export const OWNER_COLOURS: Record<Owner, string> = {
  hugetlb: '#1b9e77',
  memmap: '#d95f02',
  'page tables': '#7570b3',
  'kernel & firmware': '#e7298a',
  'node data': '#e6ab02',
  'per-cpu': '#66a61e',
  other: '#a6761d',
};
export const ZONE_COLOURS: Record<string, string> = {
  DMA: '#9ecae1',
  DMA32: '#6baed6',
  Normal: '#3182bd',
  Movable: '#fd8d3c',
  Device: '#969696',
};
export const VMEMMAP_COLOURS: Record<VmemmapKind, string> = { 'pmd leaf': '#3182bd', 'pte table': '#fd8d3c', hvo: '#31a354' };

/** Where the bars start and how much room is kept on the right: the page maps clicks back to addresses with these. */
export const BAR_X0 = 150;
export const BAR_RIGHT = 12;
/** Narrower than this, a node's labels go on a line above its bars, and the bars take the whole width. */
export const COMPACT_WIDTH = 560;
/** Where the bars start in a picture `width` pixels wide. */
export function barX0(width: number): number {
  return width < COMPACT_WIDTH ? 8 : BAR_X0;
}
/** The smallest text drawn (the page draws at its own width, so this is the size on screen). */
const SMALL = 10;

export interface SvgOptions {
  width?: number;
  /** Draw only [start, end) of the address space (physical for the memory map, vmemmap offsets for the vmemmap). */
  window?: { start: number; end: number };
}

/** Text made safe inside SVG or HTML. */
export const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Rectangles for extents on a bar of `w` pixels from x0. Extents of a pixel or more are
 * drawn as they are; where several kinds share a pixel, the pixel takes the kind that
 * covers most of it, so a million small ranges draw as at most one rectangle a pixel.
 */
function bars<T extends string>(
  items: Extent<T>[],
  lo: number,
  hi: number,
  x0: number,
  w: number,
  y: number,
  h: number,
  colour: (t: T) => string,
  title: (e: Extent<T>) => string,
): string[] {
  const out: string[] = [];
  const scale = w / (hi - lo);
  const px = Math.max(1, Math.ceil(w));
  const kinds: T[] = [];
  const kindIdx = new Map<T, number>();
  // Per kind and pixel: bytes covered, the first and last extent touching it, extents starting in it.
  const cover: Float64Array[] = [];
  const first: (Extent<T> | undefined)[][] = [];
  const last: (Extent<T> | undefined)[][] = [];
  const starts: Uint32Array[] = [];
  for (const e of items) {
    const a = Math.max(e.start, lo);
    const b = Math.min(e.end, hi);
    if (b <= a) continue;
    let k = kindIdx.get(e.what);
    if (k === undefined) {
      k = kinds.length;
      kinds.push(e.what);
      kindIdx.set(e.what, k);
      cover.push(new Float64Array(px));
      first.push(new Array(px));
      last.push(new Array(px));
      starts.push(new Uint32Array(px));
    }
    const p1 = Math.min(px - 1, Math.floor((a - lo) * scale));
    const p2 = Math.max(p1, Math.min(px - 1, Math.ceil((b - lo) * scale) - 1));
    starts[k]![p1]!++;
    for (let p = p1; p <= p2; p++) {
      cover[k]![p]! += Math.min(b, lo + (p + 1) / scale) - Math.max(a, lo + p / scale);
      first[k]![p] ??= e;
      last[k]![p] = e;
    }
  }
  // Each pixel takes its kind; runs of one kind become one rectangle.
  let run: { k: number; p1: number; p2: number; from: Extent<T>; to: Extent<T>; n: number } | null = null;
  const flush = () => {
    if (!run) return;
    // Exact edges where the run starts or ends inside its first or last pixel.
    const ex1 = Math.max(x0 + run.p1, x0 + (Math.max(run.from.start, lo) - lo) * scale);
    const ex2 = Math.min(x0 + run.p2 + 1, x0 + (Math.min(run.to.end, hi) - lo) * scale);
    const e = { start: run.from.start, end: run.to.end, what: kinds[run.k]! };
    const t = run.n > 1 ? `${title(e)} (${run.n} ranges drawn as one)` : title(e);
    out.push(
      `<rect x="${ex1.toFixed(2)}" y="${y}" width="${Math.max(ex2 - ex1, 0.8).toFixed(2)}" height="${h}" ` +
        `fill="${colour(kinds[run.k]!)}"><title>${esc(t)}</title></rect>`,
    );
    run = null;
  };
  for (let p = 0; p < px; p++) {
    let best = -1;
    for (let k = 0; k < kinds.length; k++) if (cover[k]![p]! > 0 && (best < 0 || cover[k]![p]! > cover[best]![p]!)) best = k;
    if (best < 0) {
      flush();
      continue;
    }
    if (run && run.k === best && run.p2 === p - 1) {
      run.p2 = p;
      run.to = last[best]![p]!;
      run.n += starts[best]![p]!;
    } else {
      flush();
      run = { k: best, p1: p, p2: p, from: first[best]![p]!, to: last[best]![p]!, n: Math.max(1, starts[best]![p]!) };
    }
  }
  flush();
  return out;
}

const rangeTitle = (label: string, e: { start: number; end: number }) =>
  `${label}: [${hex(e.start)}-${hex(e.end - 1)}] ${humanSize(e.end - e.start)}`;

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<defs><pattern id="hole" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Colour keys from (8, y), wrapped at `width`; returns the drawing and the y below it. */
function legend(items: [string, string][], y: number, width: number): { svg: string[]; y: number } {
  const out: string[] = [];
  let x = 8;
  for (const [label, colour] of items) {
    const w = 36 + label.length * 8;
    if (x + w > width && x > 8) {
      x = 8;
      y += 18;
    }
    out.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${colour}"/><text x="${x + 16}" y="${y}">${esc(label)}</text>`);
    x += w;
  }
  return { svg: out, y: y + 18 };
}

/** What a node's label says: its RAM, and its span only as a span. */
function nodeLines(n: BootPicture['nodes'][number]): [string, string] {
  return [`${humanSize(n.ram)} RAM`, `spans ${humanSize(n.end - n.start)}`];
}

function nodeTitle(n: BootPicture['nodes'][number]): string {
  const parts = [`node ${n.nid}: ${humanSize(n.ram)} of RAM (memblock's memory ranges of the node)`];
  if (n.presentBytes !== null) parts.push(`present pages ${humanSize(n.presentBytes)}`);
  if (n.managedBytes !== null) parts.push(`managed by the page allocator ${humanSize(n.managedBytes)}`);
  parts.push(`span ${rangeTitle('', n).slice(2)} (holes and other nodes' ranges included)`);
  return parts.join('; ');
}

/** The physical memory map: per node, its zones, its RAM and holes, reservations by owner, huge pages. */
export function memoryMapSvg(pic: BootPicture, o: SvgOptions = {}): string {
  const width = o.width ?? 1000;
  const compact = width < COMPACT_WIDTH;
  const x0 = barX0(width);
  const w = width - x0 - BAR_RIGHT;
  const body: string[] = [];
  const nodes = pic.nodes.filter((n) => !o.window || (n.end > o.window.start && n.start < o.window.end));
  let y = 36;
  for (const n of nodes) {
    const lo = o.window ? Math.max(n.start, o.window.start) : n.start;
    const hi = o.window ? Math.min(n.end, o.window.end) : n.end;
    const [ramLine, spanLine] = nodeLines(n);
    body.push(`<g class="node" data-nid="${n.nid}"><title>${esc(nodeTitle(n))}</title>`);
    if (compact) {
      body.push(
        `<text class="node-label" x="8" y="${y + 12}"><tspan font-weight="bold">node ${n.nid}</tspan> ${esc(ramLine)}` +
          `<tspan fill="#555">, ${esc(spanLine)}</tspan></text>`,
      );
      y += 18;
    } else
      body.push(
        `<text class="node-label" x="8" y="${y + 24}" font-weight="bold">node ${n.nid}</text>` +
          `<text class="node-label" x="8" y="${y + 38}">${esc(ramLine)}</text>` +
          `<text class="node-label" x="8" y="${y + 51}" font-size="${SMALL}" fill="#555">${esc(spanLine)}</text>`,
      );
    // Zones: a strip above the bar, named where there is room.
    body.push(
      ...bars(
        n.zones,
        lo,
        hi,
        x0,
        w,
        y,
        12,
        (z) => ZONE_COLOURS[z] ?? '#ccc',
        (e) => rangeTitle(`zone ${e.what}`, e),
      ),
    );
    for (const z of n.zones) {
      const a = Math.max(z.start, lo);
      const b = Math.min(z.end, hi);
      const px = ((b - a) * w) / (hi - lo);
      if (px > z.what.length * 6 + 6)
        body.push(
          `<text x="${(x0 + ((a - lo) * w) / (hi - lo) + 3).toFixed(1)}" y="${y + 10}" font-size="${SMALL}" fill="#fff">${esc(z.what)}</text>`,
        );
    }
    // RAM, then holes and reservations over it.
    const ry = y + 14;
    body.push(
      `<rect x="${x0}" y="${ry}" width="${w}" height="26" fill="#e8e8e8">` +
        `<title>${esc(rangeTitle(`node ${n.nid} free RAM`, { start: lo, end: hi }))}</title></rect>`,
    );
    body.push(
      ...bars(
        n.holes,
        lo,
        hi,
        x0,
        w,
        ry,
        26,
        () => 'url(#hole)',
        (e) => rangeTitle('not RAM of this node', e),
      ),
    );
    body.push(
      ...bars(
        n.reserved,
        lo,
        hi,
        x0,
        w,
        ry,
        26,
        (k) => OWNER_COLOURS[k],
        (e) => rangeTitle(`reserved by ${e.what}`, e),
      ),
    );
    // Section boundaries, where they are far enough apart to tell.
    const secPx = (n.sections.size * w) / (hi - lo);
    if (secPx >= 6) {
      const ticks: string[] = [];
      for (const r of n.sections.present) {
        for (let a = Math.max(r.start, Math.ceil(lo / n.sections.size) * n.sections.size); a <= Math.min(r.end, hi); a += n.sections.size)
          ticks.push(`M${(x0 + (a - lo) * (w / (hi - lo))).toFixed(1)} ${ry}v26`);
      }
      body.push(
        `<path d="${ticks.join('')}" stroke="#fff" stroke-opacity="0.7" stroke-width="1">` +
          `<title>memory sections of ${esc(humanSize(n.sections.size))}</title></path>`,
      );
    }
    // Huge pages: a strip under the bar.
    body.push(
      ...bars(
        n.hugePages,
        lo,
        hi,
        x0,
        w,
        ry + 28,
        8,
        (k) => (k === 'pool' ? '#1b9e77' : '#a1d99b'),
        (e) => rangeTitle(e.what === 'pool' ? 'huge page in the pool' : 'boot page (not gathered yet)', e),
      ),
    );
    body.push(
      `<text x="${x0}" y="${ry + 47}" font-size="${SMALL}" fill="#777">${hex(lo)}</text>` +
        `<text x="${x0 + w}" y="${ry + 47}" font-size="${SMALL}" fill="#777" text-anchor="end">${hex(hi)}</text>`,
    );
    body.push('</g>');
    y += 72;
  }
  y += 8;
  const l1 = legend(
    [...OWNERS.map((k) => [k, OWNER_COLOURS[k]] as [string, string]), ['free RAM', '#e8e8e8'], ['not RAM', 'url(#hole)']],
    y,
    width,
  );
  const l2 = legend([...Object.entries(ZONE_COLOURS).slice(0, 4), ['huge page', '#1b9e77']], l1.y, width);
  body.push(...l1.svg, ...l2.svg);
  y = l2.y - 18;
  const step = pic.steps[pic.step]?.fn ?? '';
  const title = `${pic.machine}, kernel ${pic.profile}: physical memory${step && pic.step < pic.steps.length - 1 ? ` after ${step}` : ''}`;
  return frame(width, y + 28, title, body);
}

/** The vmemmap per node: PMD leaves, split PTE tables, HVO-remapped ranges, and what backs them. */
export function vmemmapSvg(pic: BootPicture, o: SvgOptions = {}): string {
  const width = o.width ?? 1000;
  const compact = width < COMPACT_WIDTH;
  const x0 = barX0(width);
  const w = width - x0 - BAR_RIGHT;
  const v = pic.vmemmap;
  const body: string[] = [];
  let y = 36;
  for (const n of v.nodes) {
    if (o.window && !(n.end > o.window.start && n.start < o.window.end)) continue;
    const lo = o.window ? Math.max(n.start, o.window.start) : n.start;
    const hi = o.window ? Math.min(n.end, o.window.end) : n.end;
    // The node's struct pages (its present sections) add up to the "without HVO" bar below; the
    // bar itself is the vmemmap range over the node's whole span, whose holes are not mapped.
    const pages = `${humanSize(n.structPageBytes)} of struct pages`;
    const range = `in a ${humanSize(n.end - n.start)} range`;
    const title = `node ${n.nid}: ${pages} (its present sections), ${range} of vmemmap over its span (holes not mapped)`;
    body.push(`<g class="vnode" data-nid="${n.nid}"><title>${esc(title)}</title>`);
    if (compact) {
      body.push(
        `<text class="node-label" x="8" y="${y + 12}"><tspan font-weight="bold">node ${n.nid}</tspan> ${esc(pages)}` +
          `<tspan fill="#555"> ${esc(range)}</tspan></text>`,
      );
      y += 16;
    } else
      body.push(
        `<text class="node-label" x="8" y="${y + 14}" font-weight="bold">node ${n.nid}</text>` +
          `<text class="node-label" x="8" y="${y + 28}">${esc(pages)}</text>` +
          `<text class="node-label" x="8" y="${y + 41}" font-size="${SMALL}" fill="#555">${esc(range)}</text>`,
      );
    body.push(`<rect x="${x0}" y="${y + 4}" width="${w}" height="24" fill="#f4f4f4"><title>not mapped</title></rect>`);
    body.push(
      ...bars(
        n.segments,
        lo,
        hi,
        x0,
        w,
        y + 4,
        24,
        (k) => VMEMMAP_COLOURS[k],
        (e) => rangeTitle(e.what === 'hvo' ? 'remapped by HVO (shares a page)' : e.what, e),
      ),
    );
    body.push('</g>');
    y += compact ? 34 : 48;
  }
  // The saving: the struct-page memory without HVO against what backs the vmemmap now.
  const full = Math.max(v.fullBytes, v.backingBytes, 1);
  y += 6;
  if (compact) {
    body.push(`<text x="8" y="${y + 4}">struct pages, all nodes</text>`);
    y += 10;
  } else body.push(`<text x="8" y="${y + 14}">struct pages</text>`);
  body.push(
    `<rect x="${x0}" y="${y}" width="${w}" height="16" fill="#bdbdbd"><title>${esc(`without HVO: ${humanSize(v.fullBytes)}`)}</title></rect>`,
  );
  body.push(`<text x="${x0 + 4}" y="${y + 12}" font-size="${SMALL}">without HVO: ${esc(humanSize(v.fullBytes))}</text>`);
  y += 20;
  body.push(
    `<rect x="${x0}" y="${y}" width="${Math.max(1, (v.backingBytes / full) * w).toFixed(2)}" height="16" fill="#31a354">` +
      `<title>${esc(`now: ${humanSize(v.backingBytes)} (the pages behind the vmemmap and its page tables)`)}</title></rect>`,
  );
  const saved = v.fullBytes - v.backingBytes;
  const nowW = (v.backingBytes / full) * w;
  const label = `now: ${humanSize(v.backingBytes)} (${v.hvo ? `HVO ${saved >= 0 ? 'saves' : 'costs'} ${humanSize(Math.abs(saved))}` : 'HVO is off'})`;
  const labelW = label.length * 6 + 8;
  // Inside the bar when it has room, beside it when it is a sliver, under it when neither fits.
  if (nowW > labelW) body.push(`<text x="${x0 + 4}" y="${y + 12}" font-size="${SMALL}" fill="#fff">${esc(label)}</text>`);
  else if (x0 + nowW + labelW <= width)
    body.push(`<text x="${(x0 + nowW + 6).toFixed(1)}" y="${y + 12}" font-size="${SMALL}">${esc(label)}</text>`);
  else {
    y += 14;
    body.push(`<text x="${x0}" y="${y + 14}" font-size="${SMALL}">${esc(label)}</text>`);
  }
  y += 30;
  const heads = v.shared.filter((x) => x.kind === 'head').length;
  const tails = v.shared.filter((x) => x.kind === 'tail');
  const said: string[] = [];
  if (heads) said.push(`${heads} head page${heads === 1 ? '' : 's'} mapped again by their tails`);
  if (tails.length)
    said.push(`${tails.length} shared tail page${tails.length === 1 ? '' : 's'} (${tails.reduce((a, t) => a + t.refs, 0)} mappings)`);
  for (const line of wrapText(`shared vmemmap pages: ${said.length ? said.join(', ') : 'none'}`, width - 16)) {
    body.push(`<text x="8" y="${y}">${esc(line)}</text>`);
    y += 16;
  }
  y += 6;
  const l = legend(Object.entries(VMEMMAP_COLOURS), y, width);
  body.push(...l.svg);
  y = l.y - 18;
  return frame(width, y + 12, `${pic.machine}, kernel ${pic.profile}: vmemmap`, body);
}

/** Words on lines of at most `px` pixels of 12 px text (about 7 px a character). */
function wrapText(text: string, px: number): string[] {
  const max = Math.max(20, Math.floor(px / 7));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
