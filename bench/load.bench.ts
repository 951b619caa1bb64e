/**
 * What a large or saturating load costs the main thread: heap growth for
 * 200,000 items (piscina all at once vs poolcall), and event-loop delay p99
 * while the pool is saturated (poolcall vs raw piscina).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { createPool } from 'poolcall';
import * as ops from './fixtures/ops.js';
import { findAlcall } from './lib/alcall-runner.js';
import { opsUrl, THREADS } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, type Table, target } from './lib/report.js';
import { calibrateSpin, rotate, show, spread } from './lib/stats.js';

const ITEMS = 200_000;
const SATURATE_ITEMS = 20_000;
const WINDOW = 16;
const MEMORY_ROUNDS = 1;

type Batch = (items: readonly number[]) => Promise<unknown>;

/** Collects garbage when the process runs with --expose-gc. */
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Peak heap growth (MB) while `batch` runs over `items`, sampled every 10 ms and after submission. */
async function heapGrowth(batch: Batch, items: readonly number[]): Promise<number> {
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 10);
  const done = batch(items);
  sample();
  await done;
  sample();
  clearInterval(timer);
  return (peak - base) / 2 ** 20;
}

/** Event-loop delay p99 (ms) while `batch` keeps the pool saturated. */
async function loopDelay(batch: Batch, items: readonly number[]): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await batch(items);
  h.disable();
  return h.percentile(99) / 1e6;
}

/** Keeps `WINDOW` calls in flight until every item has run. */
function windowed(run: (item: number) => Promise<unknown>): Batch {
  return async (items) => {
    let next = 0;
    const lane = async () => {
      while (next < items.length) await run(items[next++]!);
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
  };
}

/** Heap growth for 200,000 items and event-loop delay under saturation. */
export async function loadSuite(options: SuiteOptions): Promise<SuiteResult> {
  const piscina = new Piscina({ filename: opsUrl.href, minThreads: THREADS, maxThreads: THREADS });
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  const alcall = findAlcall();
  const inc = pool.task('inc');
  const spin = pool.task('spin');
  const memory: Record<string, Batch> = {
    'piscina, all at once': (xs) =>
      Promise.all(xs.map((x) => piscina.run({ name: 'inc', item: x }))),
    'poolcall pool.run, all at once': (xs) => Promise.all(xs.map((x) => pool.run('inc', x))),
    ...(alcall
      ? { "poolcall alcall chunkSize 'auto'": (xs) => alcall(xs, inc, { chunkSize: 'auto' }) }
      : {}),
  };
  const saturate: Record<string, Batch> = {
    'piscina.run': windowed((x) => piscina.run({ name: 'spin', item: x })),
    'poolcall pool.run': windowed((x) => pool.run('spin', x)),
    ...(alcall
      ? { "poolcall alcall chunkSize 'auto'": (xs) => alcall(xs, spin, { chunkSize: 'auto' }) }
      : {}),
  };
  try {
    const tenth = calibrateSpin(ops.spin, 0.1);
    const many = Array.from({ length: ITEMS }, (_, i) => i);
    const spins = Array.from({ length: SATURATE_ITEMS }, () => tenth);
    for (const b of Object.values(saturate)) await b(spins.slice(0, 200));
    const mem = new Map<string, number[]>(Object.keys(memory).map((k) => [k, []]));
    const eld = new Map<string, number[]>(Object.keys(saturate).map((k) => [k, []]));
    for (let k = 0; k < options.rounds; k++) {
      // Heap figures barely move between rounds (±1%) and cost the most time: MEMORY_ROUNDS.
      for (const [name, b] of Object.entries(k < MEMORY_ROUNDS ? memory : {}))
        mem.get(name)!.push(await heapGrowth(b, many));
      // Rotated, so that no contender always runs first (right after the heap runs or another's).
      for (const [name, b] of rotate(Object.entries(saturate), k))
        eld.get(name)!.push(await loopDelay(b, spins));
    }
    const piscinaMem = mem.get('piscina, all at once')!;
    const memTable: Table = {
      title: `Main-thread heap for ${ITEMS.toLocaleString('en')} items`,
      intro: `Peak \`heapUsed\` growth while \`inc\` runs over ${ITEMS.toLocaleString('en')} items (after a forced GC; run with --expose-gc), ${MEMORY_ROUNDS} round(s). Ratio to piscina all-at-once in the same round.`,
      headers: ['how', 'peak heap growth (MB)', 'ratio to piscina'],
      rows: [...mem].map(([name, v]) => [
        name,
        show(spread(v)),
        show(spread(v.map((x, i) => x / piscinaMem[i]!)), '×'),
      ]),
    };
    const piscinaEld = eld.get('piscina.run')!;
    const eldTable: Table = {
      title: 'Main-thread event-loop delay under a saturating load',
      intro: `\`monitorEventLoopDelay\` p99 (ms, 1 ms resolution) while ${SATURATE_ITEMS} ~0.1 ms tasks run, ${WINDOW} calls in flight (alcall: its own window). Difference to piscina in the same round.`,
      headers: ['how', 'event-loop delay p99 (ms)', 'minus piscina (ms)'],
      rows: [...eld].map(([name, v]) => [
        name,
        show(spread(v)),
        show(spread(v.map((x, i) => x - piscinaEld[i]!))),
      ]),
    };
    const diff = spread(eld.get('poolcall pool.run')!.map((x, i) => x - piscinaEld[i]!));
    return {
      tables: [memTable, eldTable],
      targets: [
        target(
          'event-loop delay p99 vs piscina',
          '≤ +0.5 ms',
          diff,
          `${show(diff)} ms`,
          (m) => m <= 0.5,
        ),
      ],
    };
  } finally {
    await Promise.all([piscina.destroy(), pool.close()]);
  }
}

await runAlone(import.meta.url, loadSuite);
