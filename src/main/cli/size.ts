/** `poolcall size <module> <task>`: flags, sample items, measuring, output. */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  moduleAndTask,
  parseCommand,
  parseDuration,
  parseJsonFlag,
  parseThreadList,
  resolveModule,
  stringFlag,
  UsageError,
} from './args.js';
import { renderReport } from './chart.js';
import { sizeHelp } from './help.js';
import type { CliIO } from './io.js';
import { measureSizes } from './measure.js';
import { renderSvg } from './svg.js';
import { checkTask } from './task-check.js';

/** Measuring time per size when `--duration` is not given, ms. */
export const DEFAULT_DURATION = 2000;

/** 1, 2, 4, ... up to `max`, `max` itself included. */
export function defaultSizes(max = os.availableParallelism()): number[] {
  const sizes: number[] = [];
  for (let n = 1; n < max; n *= 2) sizes.push(n);
  sizes.push(max);
  return sizes;
}

/** Runs `poolcall size`; resolves the exit code. */
export async function sizeCommand(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommand('size', args, {
    input: { type: 'string' },
    inputs: { type: 'string' },
    threads: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'boolean' },
    svg: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help) {
    io.stdout.write(sizeHelp);
    return 0;
  }
  const [moduleArg, task] = moduleAndTask('size', parsed.positionals);
  const input = stringFlag(parsed, 'input');
  const inputsFile = stringFlag(parsed, 'inputs');
  if (input !== undefined && inputsFile !== undefined) {
    throw new UsageError('give either --input or --inputs, not both', 'size');
  }
  const threads = stringFlag(parsed, 'threads');
  const sizes = threads === undefined ? defaultSizes() : parseThreadList('size', threads);
  const durationText = stringFlag(parsed, 'duration');
  const duration =
    durationText === undefined
      ? DEFAULT_DURATION
      : parseDuration('size', 'duration', durationText, true);
  const svg = stringFlag(parsed, 'svg');
  if (svg === '') throw new UsageError('--svg needs a file name', 'size');
  const module = resolveModule('size', moduleArg);
  const items =
    inputsFile !== undefined
      ? await readSamples(inputsFile)
      : [input === undefined ? undefined : parseJsonFlag('size', 'input', input)];

  await checkTask(module, task, 'size');
  const json = parsed.values.json === true;
  const chatty = !json && io.stderr.isTTY === true;
  const report = await measureSizes({
    module,
    task,
    items,
    sizes,
    duration,
    onSize: (n, i) => {
      if (chatty) io.stderr.write(`\r\x1b[Kmeasuring ${n} threads (${i + 1}/${sizes.length})...`);
    },
  });
  if (chatty) io.stderr.write('\r\x1b[K');

  const sample =
    inputsFile === undefined ? (input ?? '') : `${items.length} items from ${inputsFile}`;
  const title = `${task}(${sample}) from ${path.basename(module)}: ${duration} ms per size`;
  if (svg !== undefined) await writeFile(svg, renderSvg(report, title));
  if (json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    io.stdout.write(renderReport(report, title));
    if (svg !== undefined) io.stdout.write(`chart written to ${svg}\n`);
  }
  return 0;
}

/** The sample items of `--inputs FILE.jsonl`: one JSON value a line, blank lines skipped. */
async function readSamples(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--inputs: cannot read ${file} (${why})`, 'size');
  }
  const items: unknown[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new UsageError(`--inputs: line ${i + 1} of ${file} is not JSON (${why})`, 'size');
    }
  }
  if (items.length === 0) throw new UsageError(`--inputs: ${file} holds no items`, 'size');
  return items;
}
