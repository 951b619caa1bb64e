/**
 * What a suite hands back (tables, targets, chart bars) and how it is printed
 * as Markdown, alone or in bench/RESULTS.md.
 */
import { pathToFileURL } from 'node:url';
import type { Spread } from './stats.js';

/** A Markdown table with a title and a sentence saying what it shows. */
export interface Table {
  readonly title: string;
  readonly intro: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** A target from the design brief and whether the median met it. */
export interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** One bar of the chart: a speedup over the serial baseline. */
export interface Bar {
  readonly group: string;
  readonly label: string;
  readonly value: Spread;
}

/** The outcome of one suite. */
export interface SuiteResult {
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
  readonly bars?: readonly Bar[];
}

/** Options every suite takes. */
export interface SuiteOptions {
  /** Repetitions; each figure is reported as median (min–max) over them. */
  readonly rounds: number;
}

/** Renders a table as Markdown. */
export function tableMarkdown(t: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    `### ${t.title}`,
    '',
    t.intro,
    '',
    line(t.headers),
    line(t.headers.map(() => '---')),
    ...t.rows.map(line),
    '',
  ].join('\n');
}

/** Renders targets as a Markdown table. */
export function targetsMarkdown(targets: readonly Target[]): string {
  if (targets.length === 0) return '';
  const rows = targets.map(
    (t) => `| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`,
  );
  return [
    '| figure | target | measured (median, min–max) | |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Renders a suite result as Markdown. */
export function suiteMarkdown(r: SuiteResult): string {
  return [...r.tables.map(tableMarkdown), targetsMarkdown(r.targets)].join('\n');
}

/**
 * Runs a suite when its file is the program being run (`node dist-bench/bench/x.bench.js`),
 * printing its Markdown; `--rounds N` overrides the default repetitions.
 */
export async function runAlone(
  moduleUrl: string,
  suite: (options: SuiteOptions) => Promise<SuiteResult>,
): Promise<void> {
  const main = process.argv[1];
  if (!main || pathToFileURL(main).href !== moduleUrl) return;
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 3;
  const result = await suite({ rounds });
  console.log(suiteMarkdown(result));
}

/** Yes when a spread's median satisfies `ok`. */
export function target(
  what: string,
  targetText: string,
  value: Spread,
  measured: string,
  ok: (median: number) => boolean,
): Target {
  return { what, target: targetText, measured, met: ok(value.median) };
}
