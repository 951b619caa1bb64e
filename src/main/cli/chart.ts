/** `poolcall size` for people: the table, the unicode bar chart and the recommendation. */
import type { SizeReport } from './measure.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value / max` of `width` cells, in eighths of a cell. */
export function bar(value: number, max: number, width: number): string {
  if (!(max > 0) || !(value > 0)) return '';
  const eighths = Math.round(Math.min(1, value / max) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** A number for a table cell: 3 significant figures or more, thousands grouped. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** The report as a table, a bar chart of throughput and the recommended size. */
export function renderReport(report: SizeReport, title: string, barWidth = 40): string {
  const base = report.sizes[0]?.threads ?? 1;
  const header = ['threads', 'items/s', `speedup vs ${base}`, 'p50 ms', 'p99 ms', 'utilization'];
  const rows = report.sizes.map((s) => [
    String(s.threads),
    num(s.itemsPerSec),
    `${s.speedup.toFixed(2)}x`,
    num(s.p50Ms),
    num(s.p99Ms),
    `${(s.utilization * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');

  const best = Math.max(...report.sizes.map((s) => s.itemsPerSec));
  const label = Math.max(...report.sizes.map((s) => String(s.threads).length));
  const chart = report.sizes.map((s) => {
    const mark = s.threads === report.recommended ? '  ◀ recommended' : '';
    const b = bar(s.itemsPerSec, best, barWidth).padEnd(barWidth);
    return `${String(s.threads).padStart(label)} │${b} ${num(s.itemsPerSec)}${mark}`;
  });
  const threads = report.recommended === 1 ? 'thread' : 'threads';
  return [
    title,
    '',
    line(header),
    ...rows.map(line),
    '',
    'items/s by threads',
    ...chart,
    '',
    `recommended: ${report.recommended} ${threads} (the smallest size within 5% of the best throughput)`,
    '',
  ].join('\n');
}
