/**
 * Measuring helpers shared by the suites: repeated rounds reduced to
 * min / median / max, ratios to a baseline measured in the same round, and
 * tinybench timing of one call or one batch.
 */
import { Bench } from 'tinybench';

/** Min, median and max of a set of repeated measurements. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** Reduces repeated measurements to their spread. */
export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

/** The `q` quantile (0..1) of samples. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Formats a number with a sensible number of digits. */
export function num(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(digits)}M`;
  if (abs >= 1e4) return `${(x / 1e3).toPrecision(digits)}k`;
  if (abs >= 100) return x.toFixed(0);
  return x.toPrecision(digits);
}

/** `median (min–max)` with a unit suffix. */
export function show(s: Spread, unit = '', digits = 3): string {
  return `${num(s.median, digits)}${unit} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

/** Runs `fn` for rounds 0..n-1 in sequence and collects the results. */
export async function rounds<T>(n: number, fn: (round: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let r = 0; r < n; r++) out.push(await fn(r));
  return out;
}

/** Rotates `list` by `k`, so that no contender always runs first in a round. */
export function rotate<T>(list: readonly T[], k: number): T[] {
  const n = list.length;
  return list.map((_, i) => list[(i + k) % n]!);
}

/** Latency of one async call: tinybench samples over `timeMs`, p50 and p99 in ms. */
export async function callLatency(
  fn: () => Promise<unknown>,
  timeMs: number,
): Promise<{ p50: number; p99: number; mean: number }> {
  const bench = new Bench({ time: timeMs, iterations: 50, warmupTime: timeMs / 4, throws: true });
  bench.add('call', fn, { async: true });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`tinybench task ended as ${r.state}`);
  return { p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.mean };
}

/** Items per second of a batch function, median of `iterations` timed batches (tinybench). */
export async function batchRate(
  batch: () => Promise<unknown>,
  items: number,
  iterations: number,
): Promise<number> {
  const bench = new Bench({
    time: 0,
    iterations,
    warmupIterations: 1,
    warmupTime: 0,
    throws: true,
  });
  // Said async, so tinybench does not call it once to find out (a call left
  // running beside the first measured batch).
  bench.add('batch', batch, { async: true });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`tinybench task ended as ${r.state}`);
  return (items * 1000) / r.latency.p50;
}

/** Calibrates `spin(n)` of bench/fixtures/ops.js to take about `ms` on this machine. */
export function calibrateSpin(spin: (n: number) => number, ms: number): number {
  let n = 10_000;
  for (;;) {
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) spin(n);
    const took = (performance.now() - t0) / 5;
    if (took > 2) {
      const times: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        spin(n);
        times.push(performance.now() - t);
      }
      return Math.max(1, Math.round((n * ms) / spread(times).min));
    }
    n *= 4;
  }
}
