/**
 * The field on three task sizes (tiny `x + 1`, ~0.1 ms and ~2 ms of CPU):
 * items per second and speedup over the serial main thread, measured in the
 * same round, for every pool with two threads.
 */
import * as ops from './fixtures/ops.js';
import { alcallRunner } from './lib/alcall-runner.js';
import { type OpName, peerFactories, type Runner, serialRunner, warm } from './lib/peers.js';
import {
  type Bar,
  runAlone,
  type SuiteOptions,
  type SuiteResult,
  type Table,
} from './lib/report.js';
import { batchRate, calibrateSpin, rotate, show, spread } from './lib/stats.js';

interface Workload {
  readonly label: string;
  readonly op: OpName;
  readonly item: number;
  readonly count: number;
}

function workloads(): Workload[] {
  for (let i = 0; i < 20; i++) ops.spin(100_000);
  return [
    { label: 'tiny x + 1', op: 'inc', item: 1, count: 2_000 },
    { label: '~0.1 ms CPU', op: 'spin', item: calibrateSpin(ops.spin, 0.1), count: 2_000 },
    { label: '~2 ms CPU', op: 'spin', item: calibrateSpin(ops.spin, 2), count: 160 },
  ];
}

/** Items/s of every runner on every workload, serial included, over `rounds` rounds. */
export async function peersSuite(options: SuiteOptions): Promise<SuiteResult> {
  const loads = workloads();
  const runners: Runner[] = [serialRunner(), ...peerFactories.map((f) => f())];
  const alcall = await alcallRunner();
  if (alcall) runners.push(alcall);
  try {
    for (const r of runners) await warm(r, 'inc', 1);
    // rate[workload][runner][round]
    const rate = loads.map(() => runners.map(() => [] as number[]));
    const speedup = loads.map(() => runners.map(() => [] as number[]));
    for (let k = 0; k < options.rounds; k++) {
      for (const [w, load] of loads.entries()) {
        const items = Array.from({ length: load.count }, () => load.item);
        const got = new Map<Runner, number>();
        for (const r of rotate(runners, k)) {
          got.set(r, await batchRate(() => r.runMany(load.op, items), load.count, 2));
        }
        const serial = got.get(runners[0]!)!;
        runners.forEach((r, i) => {
          rate[w]![i]!.push(got.get(r)!);
          speedup[w]![i]!.push(got.get(r)! / serial);
        });
      }
    }
    const tables: Table[] = loads.map((load, w) => ({
      title: `Peers: ${load.label}`,
      intro: `${load.count} calls in flight at once${load.op === 'spin' ? ` (spin(${load.item}))` : ''}, 2 threads per pool. Speedup = items/s ÷ serial main thread items/s in the same round.`,
      headers: ['runner', 'items/s', 'speedup vs serial'],
      rows: runners.map((r, i) => [
        r.name,
        show(spread(rate[w]![i]!)),
        show(spread(speedup[w]![i]!), '×'),
      ]),
    }));
    const bars: Bar[] = loads.flatMap((load, w) =>
      runners.map((r, i) => ({ group: load.label, label: r.name, value: spread(speedup[w]![i]!) })),
    );
    return { tables, targets: [], bars };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

await runAlone(import.meta.url, peersSuite);
