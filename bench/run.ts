/**
 * `npm run bench`: runs every suite one after another and writes
 * bench/RESULTS.md (tables, targets, machine and versions) and
 * bench/speedup.svg. Options: `--rounds N` (default 3), `--only pool,peers`,
 * `--all` (the optional suites too).
 *
 * Other runtimes (installed from npm into .runtimes/ on first use):
 * - `--runtime node24|bun|deno|...` (or POOLCALL_BENCH_RUNTIME): the pool and
 *   alcall suites (or `--only`) under that runtime, written to
 *   bench/RESULTS.<runtime>.md;
 * - `--runtimes node,node22,node24,node26,bun,deno` (or POOLCALL_BENCH_RUNTIMES):
 *   those suites under each runtime in turn, their headline figures as the
 *   Runtimes table of bench/RESULTS.md (the rest of the file is kept).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { alcallSuite } from './alcall.bench.js';
import { bulkSuite } from './bulk.bench.js';
import { speedupChart } from './lib/chart.js';
import type { SuiteOptions, SuiteResult } from './lib/report.js';
import { suiteMarkdown, targetsMarkdown } from './lib/report.js';
import {
  RUNTIME_SUITES,
  runtimeLabel,
  runtimesMarkdown,
  runtimesSectionOf,
  runUnder,
  sideBySide,
  withRuntimesBlock,
  withRuntimesSection,
} from './lib/runtimes.js';
import { loadSuite } from './load.bench.js';
import { memorySuite } from './memory.bench.js';
import { peersSuite } from './peers.bench.js';
import { poolSuite } from './pool.bench.js';
import { serverSuite } from './server.bench.js';
import { timeoutSuite } from './timeout.bench.js';
import { tinySuite } from './tiny.bench.js';

const SUITES: Record<string, (o: SuiteOptions) => Promise<SuiteResult>> = {
  pool: poolSuite,
  peers: peersSuite,
  alcall: alcallSuite,
  tiny: tinySuite,
  bulk: bulkSuite,
  timeout: timeoutSuite,
  load: loadSuite,
  memory: memorySuite,
  server: serverSuite,
};

/**
 * Suites run in fewer rounds than asked: their figures barely move between
 * rounds and one round takes about a minute.
 */
const ROUNDS_CAP: Record<string, number> = { memory: 1 };

/** Left out of the default run to keep it within about 5 minutes on 2 cores; `--all` or `--only` runs them. */
const OPTIONAL = new Set(['memory']);

/** The source bench/ folder (this file runs from dist-bench/bench/). */
const benchDir = new URL('../../bench/', import.meta.url);
const require = createRequire(import.meta.url);

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    const file = require.resolve(pkg);
    const root = file.slice(
      0,
      file.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}/`.length,
    );
    return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** The arguments without `name` and its value. */
function without(name: string): string[] {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 2);
  return args;
}

const self = fileURLToPath(import.meta.url);
const scriptsDir = new URL('../scripts/', benchDir);
const child = process.env.POOLCALL_BENCH_CHILD === '1';
const runtimes = (arg('--runtimes') ?? (child ? undefined : process.env.POOLCALL_BENCH_RUNTIMES))
  ?.split(',')
  .filter((n) => n !== '');
const runtime = arg('--runtime') ?? (child ? undefined : process.env.POOLCALL_BENCH_RUNTIME);

if (runtimes) {
  const started = new Date();
  const loadBefore = os.loadavg()[0]!;
  const args = without('--runtimes');
  if (!args.includes('--only')) args.push('--only', RUNTIME_SUITES.join(','));
  const figures = await sideBySide(runtimes, self, args, scriptsDir);
  const file = new URL('RESULTS.md', benchDir);
  const note = `The ${RUNTIME_SUITES.join(' and ')} suites (or \`--only\`) under each runtime in turn, in one session on this machine, ${started.toISOString()}; load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} cores. Each cell is poolcall against piscina on that runtime, median (min–max) over the suite's rounds; the tables below are the Node.js run of \`npm run bench\`. Re-measure with \`npm run bench -- --runtimes ${runtimes.join(',')}\`.`;
  writeFileSync(
    file,
    withRuntimesSection(readFileSync(file, 'utf8'), runtimesMarkdown(figures, note)),
  );
  process.stderr.write('bench: wrote the Runtimes table of bench/RESULTS.md\n');
  process.exit(figures.every((f) => f.targets.length > 0) ? 0 : 1);
}
if (runtime) {
  const args = without('--runtime');
  const only = args.includes('--only') ? [] : ['--only', RUNTIME_SUITES.join(',')];
  const out = args.includes('--json') ? [] : ['--out', `RESULTS.${runtime}.md`];
  process.exit(await runUnder(runtime, self, [...args, ...only, ...out], scriptsDir));
}

const rounds = Number(arg('--rounds') ?? 3);
const only = arg('--only')?.split(',');
const all = process.argv.includes('--all');
const json = arg('--json');
const out = arg('--out');
const selected = Object.entries(SUITES).filter(([name]) =>
  only ? only.includes(name) : all || !OPTIONAL.has(name),
);
const started = new Date();
const loadBefore = os.loadavg()[0]!;
const sections: string[] = [];
const targets: SuiteResult['targets'][number][] = [];
const bars: NonNullable<SuiteResult['bars']>[number][] = [];
const timings: string[] = [];

for (const [name, suite] of selected) {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}...`);
  try {
    const result = await suite({ rounds: Math.min(rounds, ROUNDS_CAP[name] ?? rounds) });
    sections.push(`## ${name}\n\n${suiteMarkdown(result)}`);
    targets.push(...result.targets);
    bars.push(...(result.bars ?? []));
  } catch (error) {
    sections.push(`## ${name}\n\nFailed: \`${String(error)}\`\n`);
  }
  const took = (performance.now() - t0) / 1000;
  timings.push(`${name} ${took.toFixed(0)} s`);
  process.stderr.write(` ${took.toFixed(0)} s\n`);
}

if (json) {
  writeFileSync(json, JSON.stringify({ runtime: runtimeLabel(), targets }));
  process.exit(0);
}

const cpus = os.cpus();
const libs = ['piscina', 'tinypool', 'workerpool', 'poolifier', 'tinybench', 'autocannon'];
const own = JSON.parse(readFileSync(new URL('../package.json', benchDir), 'utf8')) as {
  version: string;
};
const header = [
  '# Benchmark results',
  '',
  'Generated by `npm run bench` (bench/run.ts); do not edit by hand. What each figure means: [README.md](./README.md).',
  '',
  `- Date: ${started.toISOString()}`,
  `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical cores (os.availableParallelism() = ${os.availableParallelism()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
  `- Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}. Above the core count, other processes shared the CPU and absolute figures are noisy; the ratios compare contenders measured in the same round.`,
  `- ${runtimeLabel()}; poolcall ${own.version}; ${libs.map((l) => `${l} ${version(l)}`).join('; ')}`,
  `- ${rounds} rounds per figure (${Object.entries(ROUNDS_CAP)
    .map(([n, r]) => `${n}: ${r}`)
    .join(', ')}), shown as median (min–max). Suite times: ${timings.join(', ')}.`,
  '',
  '## Targets',
  '',
  targetsMarkdown(targets),
  bars.length ? '![Speedup over the serial main thread](./speedup.svg)\n' : '',
];
const resultsFile = new URL(out ?? 'RESULTS.md', benchDir);
let kept = '';
try {
  kept = out ? '' : runtimesSectionOf(readFileSync(resultsFile, 'utf8'));
} catch {}
const results = `${[...header, ...sections].join('\n')}\n`;
writeFileSync(resultsFile, kept ? withRuntimesBlock(results, kept) : results);
if (bars.length && !out) {
  writeFileSync(
    new URL('speedup.svg', benchDir),
    speedupChart(
      bars,
      'Items/s ÷ serial main thread (2 threads per pool; log scale; bar = median, line = min–max)',
    ),
  );
}
process.stderr.write(`bench: wrote bench/${out ?? 'RESULTS.md'}\n`);
process.exit(0);
