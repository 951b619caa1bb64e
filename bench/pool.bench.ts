/**
 * poolcall `pool.run` against raw piscina on the same two threads: one-call
 * round trip (p50 latency, one call in flight) and throughput (a batch of
 * calls in flight at once), each as a ratio to piscina in the same round.
 */
import { piscinaRunner, poolcallRunner, type Runner, warm } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { batchRate, callLatency, num, rotate, show, spread } from './lib/stats.js';

const BATCH = 5_000;

interface RoundFigures {
  readonly p50: Record<string, number>;
  readonly rate: Record<string, number>;
}

async function round(runners: readonly Runner[], k: number): Promise<RoundFigures> {
  const p50: Record<string, number> = {};
  const rate: Record<string, number> = {};
  const items = Array.from({ length: BATCH }, (_, i) => i);
  for (const r of rotate(runners, k)) {
    p50[r.name] = (await callLatency(() => r.run('inc', 1), 300)).p50 * 1000;
    rate[r.name] = await batchRate(() => r.runMany('inc', items), BATCH, 3);
  }
  return { p50, rate };
}

/** Round trip and throughput of poolcall `pool.run` vs raw `piscina.run`. */
export async function poolSuite(options: SuiteOptions): Promise<SuiteResult> {
  const piscina = piscinaRunner();
  const poolcall = poolcallRunner();
  const runners = [piscina, poolcall];
  try {
    for (const r of runners) await warm(r, 'inc', 1);
    const figures: RoundFigures[] = [];
    for (let k = 0; k < options.rounds; k++) figures.push(await round(runners, k));
    const p50 = (n: string) => spread(figures.map((f) => f.p50[n]!));
    const rate = (n: string) => spread(figures.map((f) => f.rate[n]!));
    const p50Ratio = spread(figures.map((f) => f.p50[poolcall.name]! / f.p50[piscina.name]!));
    const rateRatio = spread(figures.map((f) => f.rate[poolcall.name]! / f.rate[piscina.name]!));
    return {
      tables: [
        {
          title: 'Round trip and throughput: poolcall pool.run vs piscina.run',
          intro: `Task \`inc(x) = x + 1\`, 2 threads. Round trip: one call in flight (tinybench p50). Throughput: ${num(BATCH)} calls in flight at once. Ratios are poolcall / piscina within each round.`,
          headers: ['', 'piscina', 'poolcall', 'poolcall / piscina'],
          rows: [
            [
              'round trip p50 (µs)',
              show(p50(piscina.name)),
              show(p50(poolcall.name)),
              show(p50Ratio, '×'),
            ],
            [
              'throughput (calls/s)',
              show(rate(piscina.name)),
              show(rate(poolcall.name)),
              show(rateRatio, '×'),
            ],
          ],
        },
      ],
      targets: [
        target(
          'round-trip p50 vs piscina',
          '≤ 1.1×',
          p50Ratio,
          show(p50Ratio, '×'),
          (m) => m <= 1.1,
        ),
        target('throughput vs piscina', '≥ 1.0×', rateRatio, show(rateRatio, '×'), (m) => m >= 1),
      ],
    };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

await runAlone(import.meta.url, poolSuite);
