/**
 * poolcall `pool.run` against raw piscina on the same two threads: one-call
 * round trip (p50 latency, one call in flight) and throughput (a batch of
 * calls in flight at once), each as a ratio to piscina in the same round.
 *
 * Each round starts both pools afresh and alternates between them in short
 * slices. On a virtual machine a round trip costs ~30 µs when the worker
 * thread happens to share the main thread's core and ~100 µs when it must be
 * woken on the other one; threads keep their core for a long time, so one
 * long measurement per pool mostly measures where its threads landed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { piscinaRunner, poolcallRunner, type Runner, warm } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { scriptFlags } from './lib/runtimes.js';
import { batchRate, callLatency, num, rotate, show, spread } from './lib/stats.js';

const BATCH = 5_000;
/** Fresh pool pairs measured at least: where threads land varies from pair to pair. */
const MIN_ROUNDS = 9;

interface RoundFigures {
  readonly p50: Record<string, number>;
  readonly rate: Record<string, number>;
}

/** Processes per contender for the one-core round trip, alternating between contenders. */
const PINNED_RUNS = 5;
/** Calls each pinned child makes before measuring, so both sides run optimised code. */
const PINNED_WARM_CALLS = 20_000;

/**
 * In a child process pinned to one core: the round-trip p50 of one
 * contender, in µs, printed as the last line. With every thread on one core
 * no call waits for another core to wake up, so the figure is the CPU work
 * per call on both sides, without the placement noise of a virtual machine.
 */
async function pinnedChild(contender: string): Promise<void> {
  const runner: Runner = contender === 'piscina' ? piscinaRunner() : poolcallRunner();
  try {
    await warm(runner, 'inc', 1);
    for (let i = 0; i < PINNED_WARM_CALLS; i++) await runner.run('inc', 1);
    const { p50 } = await callLatency(() => runner.run('inc', 1), 1000);
    console.log(String(p50 * 1000));
  } finally {
    await runner.close();
  }
}

/** One-core round trips of both contenders, or undefined without `taskset`. */
function pinnedRoundTrips(): { piscina: number[]; poolcall: number[] } | undefined {
  const self = fileURLToPath(import.meta.url);
  const once = (contender: string): number => {
    const out = execFileSync(
      'taskset',
      ['-c', '0', process.execPath, ...scriptFlags(), self, '--pinned', contender],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return Number(out.trim().split('\n').at(-1));
  };
  const figures = { piscina: [] as number[], poolcall: [] as number[] };
  try {
    for (let k = 0; k < PINNED_RUNS; k++) {
      for (const c of rotate(['piscina', 'poolcall'] as const, k)) figures[c].push(once(c));
    }
  } catch {
    return undefined;
  }
  return figures;
}

/** Slices per contender and figure in one round, alternating between contenders. */
const SLICES = 4;

function median(values: readonly number[]): number {
  return spread(values).median;
}

/** One round on fresh pools: round trip and throughput, alternating in slices. */
async function round(k: number): Promise<RoundFigures> {
  const runners = rotate([piscinaRunner(), poolcallRunner()], k);
  try {
    for (const r of runners) await warm(r, 'inc', 1);
    const items = Array.from({ length: BATCH }, (_, i) => i);
    const p50s = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    const rates = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    for (let s = 0; s < SLICES; s++) {
      for (const r of rotate(runners, s)) {
        p50s.get(r.name)!.push((await callLatency(() => r.run('inc', 1), 100)).p50 * 1000);
      }
    }
    for (let s = 0; s < SLICES; s++) {
      for (const r of rotate(runners, s)) {
        rates.get(r.name)!.push(await batchRate(() => r.runMany('inc', items), BATCH, 1));
      }
    }
    const p50: Record<string, number> = {};
    const rate: Record<string, number> = {};
    for (const r of runners) {
      p50[r.name] = median(p50s.get(r.name)!);
      rate[r.name] = median(rates.get(r.name)!);
    }
    return { p50, rate };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

/** Round trip and throughput of poolcall `pool.run` vs raw `piscina.run`. */
export async function poolSuite(options: SuiteOptions): Promise<SuiteResult> {
  const piscina = { name: 'piscina' };
  const poolcall = { name: 'poolcall pool.run' };
  const rounds = Math.max(MIN_ROUNDS, options.rounds);
  const figures: RoundFigures[] = [];
  for (let k = 0; k < rounds; k++) figures.push(await round(k));
  const p50 = (n: string) => spread(figures.map((f) => f.p50[n]!));
  const rate = (n: string) => spread(figures.map((f) => f.rate[n]!));
  const p50Ratio = spread(figures.map((f) => f.p50[poolcall.name]! / f.p50[piscina.name]!));
  const rateRatio = spread(figures.map((f) => f.rate[poolcall.name]! / f.rate[piscina.name]!));
  const pinned = pinnedRoundTrips();
  const pinnedRows = pinned
    ? [
        [
          'round trip p50, all threads on one core (µs)',
          show(spread(pinned.piscina)),
          show(spread(pinned.poolcall)),
          show(spread(pinned.poolcall.map((v, i) => v / pinned.piscina[i]!)), '×'),
        ],
      ]
    : [];
  return {
    tables: [
      {
        title: 'Round trip and throughput: poolcall pool.run vs piscina.run',
        intro: `Task \`inc(x) = x + 1\`, 2 threads. Round trip: one call in flight (tinybench p50). Throughput: ${num(BATCH)} calls in flight at once. ${rounds} rounds, each on both pools started afresh, alternating between them in ${SLICES} slices per figure (the median slice counts); ratios are poolcall / piscina within each round.${pinned ? ` One core: ${PINNED_RUNS} child processes per pool under \`taskset -c 0\`, alternating, so no call waits for a thread on the other core to wake (the CPU work per call on both sides); ratios pair the runs in order.` : ''}`,
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
          ...pinnedRows,
        ],
      },
    ],
    targets: [
      target('round-trip p50 vs piscina', '≤ 1.1×', p50Ratio, show(p50Ratio, '×'), (m) => m <= 1.1),
      target('throughput vs piscina', '≥ 1.0×', rateRatio, show(rateRatio, '×'), (m) => m >= 1),
    ],
  };
}

const pinnedAt = process.argv.indexOf('--pinned');
if (pinnedAt > 0) await pinnedChild(process.argv[pinnedAt + 1]!);
else await runAlone(import.meta.url, poolSuite);
