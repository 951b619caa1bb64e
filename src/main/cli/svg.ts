/** `poolcall size --svg`: throughput (bars, left axis) and p99 latency (line, right axis) against threads. */
import type { SizeReport } from './measure.js';

const W = 720;
const H = 420;
const M = { top: 56, right: 76, bottom: 64, left: 84 };
const BAR = '#4C78A8';
const LINE = '#F58518';

/** "Nice" axis ticks from 0 to at least `max`. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function label(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n >= 1e4) return `${Number((n / 1e3).toPrecision(3))}k`;
  return String(Number(n.toPrecision(4)));
}

/** An SVG document (a string) a browser can open. */
export function renderSvg(report: SizeReport, title: string): string {
  const sizes = report.sizes;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const tOps = ticks(Math.max(...sizes.map((s) => s.itemsPerSec)));
  const tP99 = ticks(Math.max(...sizes.map((s) => s.p99Ms)));
  const maxOps = tOps[tOps.length - 1] ?? 1;
  const maxP99 = tP99[tP99.length - 1] ?? 1;
  const slot = plotW / Math.max(1, sizes.length);
  const x = (i: number) => M.left + slot * (i + 0.5);
  const yOps = (v: number) => M.top + plotH - (v / maxOps) * plotH;
  const yP99 = (v: number) => M.top + plotH - (v / maxP99) * plotH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`,
  );
  for (const v of tOps) {
    const y = f(yOps(v));
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 8}" y="${y}" dy="4" text-anchor="end" fill="${BAR}">${label(v)}</text>`,
    );
  }
  for (const v of tP99) {
    parts.push(
      `<text x="${W - M.right + 8}" y="${f(yP99(v))}" dy="4" fill="${LINE}">${label(v)}</text>`,
    );
  }
  for (const [i, s] of sizes.entries()) {
    const bw = slot * 0.56;
    const y = yOps(s.itemsPerSec);
    const rec = s.threads === report.recommended;
    parts.push(
      `<rect x="${f(x(i) - bw / 2)}" y="${f(y)}" width="${f(bw)}" height="${f(M.top + plotH - y)}" fill="${BAR}"${rec ? ' stroke="#222" stroke-width="2"' : ''}><title>${s.threads} threads: ${label(s.itemsPerSec)} items/s, speedup ${s.speedup}x</title></rect>`,
      `<text x="${f(x(i))}" y="${M.top + plotH + 18}" text-anchor="middle">${s.threads}${rec ? ' ★' : ''}</text>`,
    );
  }
  const points = sizes.map((s, i) => `${f(x(i))},${f(yP99(s.p99Ms))}`).join(' ');
  parts.push(
    `<polyline points="${points}" fill="none" stroke="${LINE}" stroke-width="2.5"/>`,
    ...sizes.map(
      (s, i) =>
        `<circle cx="${f(x(i))}" cy="${f(yP99(s.p99Ms))}" r="4" fill="${LINE}"><title>${s.threads} threads: p99 ${s.p99Ms} ms</title></circle>`,
    ),
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 24}" text-anchor="middle">threads (★ recommended: ${report.recommended})</text>`,
    `<text transform="translate(20 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${BAR}">throughput, items/s (bars)</text>`,
    `<text transform="translate(${W - 16} ${M.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="${LINE}">p99 latency, ms (line)</text>`,
    '</svg>',
    '',
  );
  return parts.join('\n');
}
