/** Options of {@link createPool}. */
import type { ResourceLimits } from 'node:worker_threads';
import type { Clock } from '../common/clock.js';
import { checkOptions, type OptionSchema } from '../common/validate.js';

/** Options of `createPool`. Durations in milliseconds. */
export interface PoolOptions {
  /**
   * Threads kept alive when idle.
   * @default maxThreads
   */
  minThreads?: number;
  /**
   * Threads that run tasks at once (times `concurrentTasksPerWorker` slots).
   * @default os.availableParallelism()
   */
  maxThreads?: number;
  /**
   * How long an idle thread above `minThreads` lives, ms.
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
  /** Worker heap limits; a worker that exceeds them fails its tasks with WorkerCrashedError. */
  resourceLimits?: ResourceLimits;
  /** The workers' `process.env`. */
  env?: Record<string, string>;
  /** Visible inside workers as `worker_threads.workerData`. */
  workerData?: unknown;
  /**
   * Idle threads kept ready beyond `maxThreads`, so that when a timeout or a
   * cancel terminates a worker the next task starts at once instead of paying
   * a thread start.
   * @default 1
   */
  spareThreads?: number;
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
  env: 'object',
  workerData: 'any',
  spareThreads: 'size0',
  terminateTimeout: 'duration',
  clock: 'object',
};

/** Validates pool options; throws TypeError / RangeError naming the option. */
export function checkPoolOptions(options: unknown, defaultThreads: number): void {
  checkOptions('createPool', options, schema);
  const o = (options ?? {}) as PoolOptions;
  const max = o.maxThreads ?? defaultThreads;
  if (o.minThreads !== undefined && o.minThreads > max) {
    throw new RangeError(
      `createPool: option "minThreads" must not exceed maxThreads (${max}), received ${o.minThreads}`,
    );
  }
}
