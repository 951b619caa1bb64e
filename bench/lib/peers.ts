/**
 * One adapter per contender, all with two worker threads running the same
 * functions (bench/fixtures/ops.js): serial main thread, raw piscina,
 * tinypool, workerpool, poolifier, bare postMessage, poolcall.
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createPool } from 'poolcall';
import { FixedThreadPool } from 'poolifier';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import * as ops from '../fixtures/ops.js';

/** A task of bench/fixtures/ops.js. */
export type OpName = 'inc' | 'spin' | 'forever';

/** Threads every pool gets. */
export const THREADS = 2;

/** The bench task module. */
export const opsUrl = new URL('../fixtures/ops.js', import.meta.url);

/** A contender: runs one task call at a time or a batch at once. */
export interface Runner {
  readonly name: string;
  /** One call. */
  run(op: OpName, item: number): Promise<unknown>;
  /** A whole batch, results in input order. */
  runMany(op: OpName, items: readonly number[]): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Builds a runner whose batch is `Promise.all` of single calls. */
function perCall(
  name: string,
  run: (op: OpName, item: number) => Promise<unknown>,
  close: () => Promise<unknown>,
): Runner {
  return {
    name,
    run,
    runMany: (op, items) => Promise.all(items.map((x) => run(op, x))),
    close: async () => {
      await close();
    },
  };
}

/** The same functions called inline on the main thread, one after another. */
export function serialRunner(): Runner {
  const call = (op: OpName, item: number): unknown =>
    op === 'inc' ? ops.inc(item) : ops.spin(item);
  return {
    name: 'serial (main thread)',
    run: async (op, item) => call(op, item),
    runMany: async (op, items) => items.map((x) => call(op, x)),
    close: async () => {},
  };
}

/** Raw piscina 5 with the module's default export (`{ name, item }`). */
export function piscinaRunner(): Runner {
  const pool = new Piscina({ filename: opsUrl.href, minThreads: THREADS, maxThreads: THREADS });
  return perCall(
    'piscina',
    (name, item) => pool.run({ name, item }),
    () => pool.destroy(),
  );
}

/** tinypool with the module's default export. */
export function tinypoolRunner(): Runner {
  const pool = new Tinypool({ filename: opsUrl.href, minThreads: THREADS, maxThreads: THREADS });
  return perCall(
    'tinypool',
    (name, item) => pool.run({ name, item }),
    () => pool.destroy(),
  );
}

/** workerpool with a worker that registers the functions by name. */
export function workerpoolRunner(): Runner {
  const pool = workerpool.pool(
    new URL('../fixtures/workerpool-worker.js', import.meta.url).pathname,
    {
      minWorkers: THREADS,
      maxWorkers: THREADS,
      workerType: 'thread',
    },
  );
  return perCall(
    'workerpool',
    (name, item) => pool.exec(name, [item]) as Promise<unknown>,
    async () => {
      await pool.terminate();
    },
  );
}

/** poolifier FixedThreadPool with named task functions. */
export function poolifierRunner(): Runner {
  const pool = new FixedThreadPool(
    THREADS,
    new URL('../fixtures/poolifier-worker.js', import.meta.url).pathname,
    { errorHandler: () => {} },
  );
  // poolifier's destroy() can wait on workers that no longer keep the event
  // loop alive; a ref'd timer keeps the process up until it settles (3 s at most).
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 3000);
    });
    await Promise.race([pool.destroy(), cap]);
    clearTimeout(timer);
  };
  return perCall('poolifier', (name, item) => pool.execute(item, name), close);
}

/** Two bare worker_threads workers with postMessage, least-loaded first. */
export function bareRunner(): Runner {
  const url = new URL('../fixtures/bare-worker.js', import.meta.url);
  const workers = Array.from({ length: THREADS }, () => new Worker(url));
  const pending = new Map<number, (value: unknown) => void>();
  const load = workers.map(() => 0);
  let nextId = 0;
  workers.forEach((w, k) => {
    w.on('message', ([id, value]: [number, unknown]) => {
      load[k]!--;
      const resolve = pending.get(id);
      pending.delete(id);
      resolve?.(value);
    });
  });
  const run = (name: OpName, item: number) =>
    new Promise<unknown>((resolve) => {
      let k = 0;
      for (let j = 1; j < workers.length; j++) if (load[j]! < load[k]!) k = j;
      load[k]!++;
      const id = nextId++;
      pending.set(id, resolve);
      workers[k]!.postMessage([id, name, item]);
    });
  return perCall('bare postMessage', run, () => Promise.all(workers.map((w) => w.terminate())));
}

/**
 * `runner` with at most `window` calls in flight, each next call posted as
 * one ends: what a scheduler that never has more in flight than the pool's
 * slots can reach with that runner.
 */
export function windowed(runner: Runner, window: number, name: string): Runner {
  return {
    name,
    run: (op, item) => runner.run(op, item),
    runMany: async (op, items) => {
      const out: unknown[] = new Array(items.length);
      let next = 0;
      const lane = async () => {
        while (next < items.length) {
          const k = next++;
          out[k] = await runner.run(op, items[k]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
      return out;
    },
    close: () => runner.close(),
  };
}

/** poolcall `pool.run`, batches as `Promise.all`. */
export function poolcallRunner(options: { spareThreads?: number } = {}): Runner {
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS, ...options });
  const label = options.spareThreads === 0 ? 'poolcall pool.run (no spare)' : 'poolcall pool.run';
  return perCall(
    label,
    (name, item) => pool.run(name, item),
    () => pool.close(),
  );
}

/** Waits until a runner's threads are up and its code paths are warm. */
export async function warm(runner: Runner, op: OpName, item: number): Promise<void> {
  for (let i = 0; i < 3; i++)
    await runner.runMany(
      op,
      Array.from({ length: 50 }, () => item),
    );
}

/** Every worker-pool peer (serial excluded). */
export const peerFactories: readonly (() => Runner)[] = [
  piscinaRunner,
  tinypoolRunner,
  workerpoolRunner,
  poolifierRunner,
  bareRunner,
  () => poolcallRunner(),
];
