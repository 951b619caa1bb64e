/**
 * A runaway task (an endless loop) stopped by a deadline: how long after the
 * deadline the call rejects, and how long after that rejection the next task
 * completes (does it pay a thread start?). Every pool has two threads.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createPool } from 'poolcall';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import type * as ops from './fixtures/ops.js';
import { opsUrl, THREADS } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { rotate, show, spread } from './lib/stats.js';

/** The runaway's deadline, ms. */
export const DEADLINE = 50;

/** One stopped runaway: ms from the deadline to the rejection, and from the rejection to the next result. */
export interface Stop {
  readonly rejectLag: number;
  readonly nextLag: number;
}

/** A contender: `runaway(deadline)` must reject; `next()` runs `inc(1)`. */
interface Contender {
  readonly name: string;
  runaway(deadline: number): Promise<unknown>;
  next(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** Starts a runaway, waits for its rejection, then times the next task. */
export async function measureStop(
  runaway: (deadline: number) => Promise<unknown>,
  next: () => Promise<unknown>,
): Promise<Stop> {
  const t0 = performance.now();
  await runaway(DEADLINE).then(
    () => {
      throw new Error('the runaway task resolved');
    },
    () => {},
  );
  const rejected = performance.now();
  await next();
  return { rejectLag: rejected - (t0 + DEADLINE), nextLag: performance.now() - rejected };
}

function contenders(): Contender[] {
  const make = (spareThreads: number, name: string): Contender => {
    const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS, spareThreads });
    return {
      name,
      runaway: (timeout) => pool.run('forever', 0, { timeout }),
      next: () => pool.run('inc', 1),
      close: () => pool.close(),
    };
  };
  const piscina = new Piscina({ filename: opsUrl.href, minThreads: THREADS, maxThreads: THREADS });
  const tinypool = new Tinypool({
    filename: opsUrl.href,
    minThreads: THREADS,
    maxThreads: THREADS,
  });
  const wp = workerpool.pool(new URL('./fixtures/workerpool-worker.js', import.meta.url).pathname, {
    minWorkers: THREADS,
    maxWorkers: THREADS,
    workerType: 'thread',
  });
  return [
    make(1, 'poolcall timeout'),
    make(0, 'poolcall timeout (spareThreads: 0)'),
    {
      name: 'piscina AbortSignal.timeout',
      runaway: (ms) =>
        piscina.run({ name: 'forever', item: 0 }, { signal: AbortSignal.timeout(ms) }),
      next: () => piscina.run({ name: 'inc', item: 1 }),
      close: () => piscina.destroy(),
    },
    {
      name: 'tinypool AbortSignal.timeout',
      runaway: (ms) =>
        tinypool.run({ name: 'forever', item: 0 }, { signal: AbortSignal.timeout(ms) }),
      next: () => tinypool.run({ name: 'inc', item: 1 }),
      close: () => tinypool.destroy(),
    },
    {
      name: 'workerpool .timeout()',
      runaway: (ms) => wp.exec('forever', [0]).timeout(ms) as Promise<unknown>,
      next: () => wp.exec('inc', [1]) as Promise<unknown>,
      close: async () => {
        await wp.terminate(true);
      },
    },
  ];
}

/** poolifier cannot stop a blocked worker; measured in a child process that exits afterwards. */
function poolifierStop(): Promise<string> {
  const script = fileURLToPath(new URL('./lib/poolifier-runaway.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, String(DEADLINE)], { timeout: 10_000 }, (_e, stdout) =>
      resolve(stdout.trim() || 'no answer'),
    );
  });
}

/** Deadline-to-rejection and rejection-to-next-result for each pool. */
export async function timeoutSuite(options: SuiteOptions): Promise<SuiteResult> {
  const list = contenders();
  const stops = new Map<string, Stop[]>(list.map((c) => [c.name, []]));
  try {
    for (const c of list) await Promise.all(Array.from({ length: 8 }, () => c.next()));
    const n = Math.max(options.rounds, 5);
    for (let k = 0; k < n; k++) {
      for (const c of rotate(list, k)) {
        stops.get(c.name)!.push(await measureStop(c.runaway, c.next));
        // Let every pool bring its replacement thread up before its next runaway.
        await sleep(250);
      }
    }
  } finally {
    await Promise.all(list.map((c) => c.close()));
  }
  const poolifier = await poolifierStop();
  const rows = list.map((c) => {
    const s = stops.get(c.name)!;
    return [
      c.name,
      show(spread(s.map((x) => x.rejectLag)), ' ms'),
      show(spread(s.map((x) => x.nextLag)), ' ms'),
    ];
  });
  rows.push(['poolifier AbortSignal.timeout', poolifier, '—']);
  const ours = stops.get('poolcall timeout')!;
  const reject = spread(ours.map((x) => x.rejectLag));
  const next = spread(ours.map((x) => x.nextLag));
  return {
    tables: [
      {
        title: 'Runaway task stopped by a deadline',
        intro: `An endless loop with a ${DEADLINE} ms deadline on a pool of 2 threads, then \`inc(1)\` at once. Columns: deadline → rejection, and rejection → next result (a pool that has to start a thread first pays for it here). ${Math.max(options.rounds, 5)} rounds.`,
        headers: ['pool', 'deadline → rejection', 'rejection → next result'],
        rows,
      },
    ],
    targets: [
      target(
        'runaway rejected after deadline',
        '≤ 5 ms',
        reject,
        show(reject, ' ms'),
        (m) => m <= 5,
      ),
      target('next task done after rejection', '≤ 10 ms', next, show(next, ' ms'), (m) => m <= 10),
    ],
  };
}

await runAlone(import.meta.url, timeoutSuite);
