/**
 * alcall over a worker task against raw piscina `Promise.all` on the same two
 * threads, and the serial main thread, on ~2 ms CPU-bound tasks: the cost of
 * the scheduler (slot-aware windows, per-item retries/timeouts bookkeeping)
 * where the work is real. Figures are items/s and ratios within each round.
 *
 * `node --import tsx bench/alcall.bench.ts [--rounds N]` (after `npm run build`).
 */
import { alcall, createPool } from 'poolcall';
import * as ops from './fixtures/ops.js';
import {
  bareRunner,
  opsUrl,
  piscinaRunner,
  type Runner,
  serialRunner,
  THREADS,
  warm,
  windowed,
} from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { batchRate, calibrateSpin, num, rotate, show, spread } from './lib/stats.js';

const ITEMS = 400;
const TASK_MS = 2;
/** Timed batches per contender in one round, alternating between contenders. */
const SLICES = 3;
/** Rounds at least: each starts fresh pools, and where their threads land varies from round to round. */
const MIN_ROUNDS = 7;

function alcallRunner(): Runner {
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  const spin = pool.task('spin');
  const inc = pool.task('inc');
  const runMany = (op: 'inc' | 'spin' | 'forever', items: readonly number[]) =>
    alcall(items, op === 'spin' ? spin : inc);
  return {
    name: 'poolcall alcall',
    run: async (op, item) => (await runMany(op, [item]))[0],
    runMany,
    close: () => pool.close(),
  };
}

/** alcall vs piscina vs serial on ~2 ms tasks. */
export async function alcallSuite(options: SuiteOptions): Promise<SuiteResult> {
  const n = calibrateSpin(ops.spin, TASK_MS);
  const items = Array.from({ length: ITEMS }, () => n);
  const serial = serialRunner();
  const rounds: Record<string, number>[] = [];
  const names = {
    piscina: 'piscina',
    poolcall: 'poolcall alcall',
    ceiling: `bare postMessage, ${THREADS} calls in flight`,
  };
  // Fresh pools each round, alternating in slices: where threads land (the
  // main thread's core or the other) moves figures more than what is measured.
  const roundCount = Math.max(MIN_ROUNDS, options.rounds);
  for (let k = 0; k < roundCount; k++) {
    const ceiling = windowed(bareRunner(), THREADS, names.ceiling);
    const runners = rotate([piscinaRunner(), alcallRunner(), ceiling, serial], k);
    try {
      for (const r of runners) await warm(r, 'inc', 1);
      const slices = new Map<string, number[]>(runners.map((r) => [r.name, []]));
      for (let s = 0; s < SLICES; s++) {
        for (const r of rotate(runners, s)) {
          slices.get(r.name)!.push(await batchRate(() => r.runMany('spin', items), ITEMS, 1));
        }
      }
      rounds.push(Object.fromEntries([...slices].map(([name, v]) => [name, spread(v).median])));
    } finally {
      await Promise.all(runners.filter((r) => r !== serial).map((r) => r.close()));
    }
  }
  const piscina = { name: names.piscina };
  const poolcall = { name: names.poolcall };
  const rate = (name: string) => spread(rounds.map((f) => f[name]!));
  const ratio = (a: string, b: string) => spread(rounds.map((f) => f[a]! / f[b]!));
  const vsPiscina = ratio(poolcall.name, piscina.name);
  const vsSerial = ratio(poolcall.name, serial.name);
  const piscinaVsSerial = ratio(piscina.name, serial.name);
  const ceilingVsSerial = ratio(names.ceiling, serial.name);
  const ceilingVsPiscina = ratio(names.ceiling, piscina.name);
  return {
    tables: [
      {
        title: 'alcall over a worker task vs piscina Promise.all vs the main thread',
        intro: `${num(ITEMS)} calls of a ~${TASK_MS} ms CPU task (\`spin(${num(n)})\`), ${THREADS} threads; alcall with default options (the window is the pool's slots), piscina with every call submitted at once. The bare row is two bare \`worker_threads\` workers fed as alcall's window is, one call per thread posted as the last one ends: what any scheduler that keeps no more in flight than the pool's slots can reach on this machine. Items/s, median (min–max) over ${roundCount} rounds, each on pools started afresh, alternating between contenders in ${SLICES} slices (median slice). The machine may be shared: read the ratios, not the absolute rates.`,
        headers: ['', 'items/s', 'vs piscina', 'vs serial'],
        rows: [
          [piscina.name, show(rate(piscina.name)), '1×', show(piscinaVsSerial, '×')],
          [poolcall.name, show(rate(poolcall.name)), show(vsPiscina, '×'), show(vsSerial, '×')],
          [
            names.ceiling,
            show(rate(names.ceiling)),
            show(ceilingVsPiscina, '×'),
            show(ceilingVsSerial, '×'),
          ],
          [serial.name, show(rate(serial.name)), '', '1×'],
        ],
      },
    ],
    targets: [
      target(
        'alcall throughput vs piscina (~2 ms tasks)',
        '≥ 1.0×',
        vsPiscina,
        show(vsPiscina, '×'),
        (m) => m >= 1.0,
      ),
      target(
        'alcall throughput vs serial (~2 ms tasks)',
        '≥ 1.9×',
        vsSerial,
        show(vsSerial, '×'),
        (m) => m >= 1.9,
      ),
    ],
  };
}

await runAlone(import.meta.url, alcallSuite);
