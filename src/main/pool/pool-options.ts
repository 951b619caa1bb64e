/** Options of {@link createPool}. */
import { type ResourceLimits, SHARE_ENV } from 'node:worker_threads';
import { MAX_NICE } from '../../shared/wire.js';
import type { Clock } from '../common/clock.js';
import {
  checkOptions,
  type OptionSchema,
  optionNames,
  readOption,
  show,
} from '../common/validate.js';

/**
 * The most threads `maxThreads`, `minThreads` and `spareThreads` may each ask
 * for: a thread costs megabytes and a start, so a count past this is a
 * mistake, refused with a RangeError before any thread starts.
 */
export const MAX_THREADS = 1024;

/** Options of `createPool`. Durations in milliseconds. */
export interface PoolOptions {
  /**
   * Threads kept alive when idle (at most {@link MAX_THREADS}).
   * @default maxThreads
   */
  minThreads?: number;
  /**
   * Threads that run tasks at once (times `concurrentTasksPerWorker` slots;
   * at most {@link MAX_THREADS}).
   * @default os.availableParallelism()
   */
  maxThreads?: number;
  /**
   * How long an idle thread above `minThreads` lives, ms; above 2^31 - 1 ms
   * idle threads are kept for good.
   * @default piscina's default
   */
  idleTimeout?: number;
  /**
   * How many calls may wait for a slot; more reject at once with QueueFullError.
   * @default Infinity
   */
  maxQueue?: number;
  /**
   * Tasks one worker runs at once (useful for async tasks that wait on I/O).
   * @default 1
   */
  concurrentTasksPerWorker?: number;
  /**
   * Worker heap limits (`maxOldGenerationSizeMb`, `maxYoungGenerationSizeMb`,
   * `codeRangeSizeMb`, `stackSizeMb`, each a finite number > 0); a worker that
   * exceeds them fails its tasks with WorkerCrashedError.
   */
  resourceLimits?: ResourceLimits;
  /** The workers' `process.env`: an object of strings, or `SHARE_ENV`. */
  env?: Record<string, string> | typeof SHARE_ENV;
  /** Visible inside workers as `worker_threads.workerData`; must be structured-cloneable. */
  workerData?: unknown;
  /**
   * Idle threads kept ready beyond `maxThreads`, so that when a timeout or a
   * cancel terminates a worker the next task starts at once instead of paying
   * a thread start (at most {@link MAX_THREADS}).
   * @default 1
   */
  spareThreads?: number;
  /**
   * How much lower than the main thread the pool's threads run, as a
   * `nice` increment (0 to {@link MAX_NICE}; piscina's option of the same
   * name). With every core busy, a thread woken for a message waits for a
   * core; above 0 the main thread takes one from a worker at once, so the
   * event loop answers promptly and hands workers their next batch sooner.
   * Linux only (each thread has its own priority there; elsewhere the call
   * would lower the whole process, main thread included, and is skipped).
   * Other processes' threads then also come before the pool's.
   * @default 0
   */
  niceIncrement?: number;
  /**
   * How long `close()` waits for threads to terminate before giving up on them, ms.
   * @default 3000
   */
  terminateTimeout?: number;
  /**
   * The clock used for timeouts and statistics.
   * @default the real clock
   */
  clock?: Clock;
}

const schema: OptionSchema = {
  minThreads: 'size0',
  maxThreads: 'size1',
  idleTimeout: 'duration',
  maxQueue: 'count',
  concurrentTasksPerWorker: 'size1',
  resourceLimits: 'object',
  env: 'any',
  workerData: 'any',
  spareThreads: 'size0',
  terminateTimeout: 'duration',
  niceIncrement: 'size0',
  clock: 'object',
};

/** The keys of `resourceLimits` (Node's `ResourceLimits`), each a size in MB. */
const limitsSchema: OptionSchema = {
  maxOldGenerationSizeMb: 'positive',
  maxYoungGenerationSizeMb: 'positive',
  codeRangeSizeMb: 'positive',
  stackSizeMb: 'positive',
};

/** Validates pool options; throws TypeError / RangeError naming the option. */
export function checkPoolOptions(options: unknown, defaultThreads: number): void {
  checkOptions('createPool', options, schema);
  const o = (options ?? {}) as PoolOptions;
  for (const name of ['maxThreads', 'minThreads', 'spareThreads'] as const) {
    const n = o[name];
    if (n !== undefined && n > MAX_THREADS) {
      throw new RangeError(
        `createPool: option "${name}" must be at most ${MAX_THREADS} (threads), received ${n}`,
      );
    }
  }
  if (o.niceIncrement !== undefined && o.niceIncrement > MAX_NICE) {
    throw new RangeError(
      `createPool: option "niceIncrement" must be at most ${MAX_NICE}, received ${o.niceIncrement}`,
    );
  }
  const max = o.maxThreads ?? defaultThreads;
  if (o.minThreads !== undefined && o.minThreads > max) {
    throw new RangeError(
      `createPool: option "minThreads" must not exceed maxThreads (${max}), received ${o.minThreads}`,
    );
  }
  if (o.resourceLimits !== undefined) {
    checkOptions('createPool: option "resourceLimits"', o.resourceLimits, limitsSchema);
  }
  if (o.env !== undefined) checkEnv(o.env);
  if (o.workerData !== undefined) {
    try {
      structuredClone(o.workerData);
    } catch (error) {
      throw new TypeError(
        `createPool: option "workerData" must be structured-cloneable, received ${show(o.workerData)} (${String(error)})`,
        { cause: error },
      );
    }
  }
}

/** `env` is `SHARE_ENV` or a plain object whose values are strings. */
function checkEnv(env: unknown): void {
  if (env === SHARE_ENV) return;
  const where = 'createPool: option "env"';
  for (const name of optionNames(where, env)) {
    const value = readOption(where, env as Record<string, unknown>, name);
    if (typeof value !== 'string') {
      throw new TypeError(`${where}: "${name}" must be a string, received ${show(value)}`);
    }
  }
}
