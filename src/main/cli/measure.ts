/**
 * `poolcall size`, the measurement: one pool per size, a tinybench run whose
 * operation is a batch of `threads × k` concurrent calls (so every thread stays
 * busy and throughput counts items per second), and the recommendation.
 */
import { createPool, type Pool } from '../pool/pool.js';

/** The figures of one pool size. */
export interface SizeRow {
  /** Worker threads of the pool. */
  readonly threads: number;
  /** Items per second (each benchmark operation is a batch of items). */
  readonly itemsPerSec: number;
  /**
   * The same figure as `itemsPerSec`, under the name the first `--json`
   * format used; kept so that existing readers go on working.
   */
  readonly opsPerSec: number;
  /** Throughput over the throughput of the smallest size measured (1 thread by default). */
  readonly speedup: number;
  /** Median time from a worker taking an item to its result, ms. */
  readonly p50Ms: number;
  /** 99th percentile of the same, ms. */
  readonly p99Ms: number;
  /** Share of thread time spent running items while measuring, 0..1. */
  readonly utilization: number;
}

/** What `poolcall size --json` prints. */
export interface SizeReport {
  /** The task's exported name. */
  readonly task: string;
  /** One row per size, smallest first. */
  readonly sizes: readonly SizeRow[];
  /** The smallest size within 5% of the best throughput. */
  readonly recommended: number;
}

/** What to measure. */
export interface MeasureOptions {
  /** Absolute path or `file:` URL of the task module. */
  readonly module: string;
  readonly task: string;
  /** Sample items, used in turn (at least one). */
  readonly items: readonly unknown[];
  /** Pool sizes, ascending. */
  readonly sizes: readonly number[];
  /** Measuring time per size, ms. */
  readonly duration: number;
  /** Called before each size is measured. */
  readonly onSize?: (threads: number, index: number) => void;
}

/** A size whose throughput is within this share of the best is good enough. */
const TOLERANCE = 0.05;

/** Measures every size in turn and recommends one. */
export async function measureSizes(options: MeasureOptions): Promise<SizeReport> {
  const raw: Omit<SizeRow, 'speedup' | 'opsPerSec'>[] = [];
  for (const [index, threads] of options.sizes.entries()) {
    options.onSize?.(threads, index);
    raw.push(await measureOne(options, threads));
  }
  const base = raw[0]?.itemsPerSec ?? 0;
  const sizes = raw.map((r) => ({
    threads: r.threads,
    itemsPerSec: round(r.itemsPerSec, 2),
    opsPerSec: round(r.itemsPerSec, 2),
    speedup: round(base > 0 ? r.itemsPerSec / base : 0, 3),
    p50Ms: round(r.p50Ms, 3),
    p99Ms: round(r.p99Ms, 3),
    utilization: round(r.utilization, 3),
  }));
  return { task: options.task, sizes, recommended: recommend(sizes) };
}

/** The smallest size whose throughput is within 5% of the best. */
export function recommend(sizes: readonly Pick<SizeRow, 'threads' | 'itemsPerSec'>[]): number {
  const best = Math.max(...sizes.map((s) => s.itemsPerSec));
  const good = sizes.filter((s) => s.itemsPerSec >= best * (1 - TOLERANCE));
  return Math.min(...good.map((s) => s.threads));
}

async function measureOne(
  options: MeasureOptions,
  threads: number,
): Promise<Omit<SizeRow, 'speedup' | 'opsPerSec'>> {
  const pool = createPool(options.module, { maxThreads: threads, spareThreads: 0 });
  const created = performance.now();
  try {
    let next = 0;
    const items = options.items;
    const batch = async (n: number): Promise<void> => {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) calls.push(pool.run(options.task, items[next++ % items.length]));
      await Promise.all(calls);
    };
    // First calls load the module in every thread; the next two waves time one wave.
    await batch(threads);
    const t0 = performance.now();
    await batch(threads * 2);
    const waveMs = Math.max((performance.now() - t0) / 2, 0.001);
    // Aim for ~50 operations within the budget, at least 4 items per thread each.
    const perThread = Math.min(10_000, Math.max(4, Math.round(options.duration / 50 / waveMs)));
    const opItems = threads * perThread;

    // Loaded here, not at the top: only `poolcall size` measures.
    const { Bench } = await import('tinybench');
    const bench = new Bench({
      time: options.duration,
      iterations: 3,
      warmupTime: Math.min(options.duration / 5, 1000),
      warmupIterations: 1,
      throws: true,
    });
    // Said async, so tinybench does not call it once to find out (a batch
    // left running beside the first measured one).
    bench.add(options.task, () => batch(opItems), { async: true });
    const before = busyTime(pool, created, threads);
    await bench.run();
    const after = busyTime(pool, created, threads);
    const result = bench.tasks[0]?.result;
    if (!result || !('period' in result) || result.period <= 0) {
      throw new Error(`tinybench measured nothing at ${threads} threads`);
    }
    const stats = pool.stats();
    const windowMs = after.at - before.at;
    return {
      threads,
      itemsPerSec: (opItems * 1000) / result.period,
      p50Ms: stats.runTime.p50,
      p99Ms: stats.runTime.p99,
      utilization: windowMs > 0 ? clamp01((after.busy - before.busy) / (windowMs * threads)) : 0,
    };
  } finally {
    await pool.close();
  }
}

/** Busy slot-time so far, from `pool.stats().utilization` (a share since the pool started). */
function busyTime(pool: Pool, created: number, threads: number): { at: number; busy: number } {
  const at = performance.now();
  return { at, busy: pool.stats().utilization * (at - created) * threads };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
