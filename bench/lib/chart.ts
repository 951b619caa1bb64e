/**
 * A dependency-free SVG chart: speedup over the serial main thread per
 * runner, grouped by task size, on a log scale (tiny tasks are thousands of
 * times slower through any pool), median bar with a min–max whisker.
 */
import type { Bar } from './report.js';

const ROW = 18;
const LABEL = 230;
const PLOT = 520;
const PAD = 12;
const COLORS = [
  '#9e9e9e',
  '#4e79a7',
  '#f28e2b',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#e15759',
  '#b07aa1',
];

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders the bars as an SVG document. */
export function speedupChart(bars: readonly Bar[], title: string): string {
  const groups = [...new Set(bars.map((b) => b.group))];
  const labels = [...new Set(bars.map((b) => b.label))];
  const values = bars.flatMap((b) => [b.value.min, b.value.max]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 1)));
  const x = (v: number) =>
    LABEL +
    (PLOT * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [];
  let y = 40;
  for (const group of groups) {
    out.push(`<text x="${PAD}" y="${y + 12}" font-weight="bold">${xml(group)}</text>`);
    y += ROW;
    for (const b of bars.filter((bar) => bar.group === group)) {
      const color = COLORS[labels.indexOf(b.label) % COLORS.length];
      const w = Math.max(1, x(b.value.median) - LABEL);
      out.push(
        `<text x="${LABEL - 6}" y="${y + 12}" text-anchor="end">${xml(b.label)}</text>`,
        `<rect x="${LABEL}" y="${y + 2}" width="${w.toFixed(1)}" height="${ROW - 5}" fill="${color}"/>`,
        `<line x1="${x(b.value.min).toFixed(1)}" x2="${x(b.value.max).toFixed(1)}" y1="${y + 8}" y2="${y + 8}" stroke="#222"/>`,
        `<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + 12}" fill="#333">${b.value.median.toPrecision(3)}×</text>`,
      );
      y += ROW;
    }
    y += 8;
  }
  const ticks: string[] = [];
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    for (const m of t === hi ? [1] : [1, 2, 5]) {
      const v = t * m;
      const label = v >= 1 ? `${v}×` : `${Number(v.toPrecision(1))}×`;
      ticks.push(
        `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="30" y2="${y}" stroke="${v === 1 ? '#000' : '#ddd'}"/>`,
        m === 1
          ? `<text x="${x(v).toFixed(1)}" y="${y + 14}" text-anchor="middle">${label}</text>`
          : '',
      );
    }
  }
  const width = LABEL + PLOT + 70;
  const height = y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${PAD}" y="18" font-size="13" font-weight="bold">${xml(title)}</text>`,
    ...ticks,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
