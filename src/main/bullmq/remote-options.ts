/** The public shapes of `connectQueue`: its options (and their checks) and the remote queue it returns. */
import type { ConnectionOptions } from 'bullmq';
import { checkValue, show } from '../common/validate.js';
import type { HandleOf, TaskItem, TaskName, TaskResult } from '../pool/pool.js';

/** Options of {@link connectQueue}. */
export interface ConnectQueueOptions {
  /** The BullMQ queue name (the one the machines `serve`). */
  queue: string;
  /** Redis connection options, as BullMQ takes them. */
  connection: ConnectionOptions;
  /** BullMQ key prefix. @default 'bull' */
  prefix?: string;
  /**
   * Jobs a scheduler (alcall, imap, ...) keeps in flight through one handle:
   * its `capacity` is this many jobs times the chunk size. @default 64
   */
  maxInFlight?: number;
  /**
   * What one job costs beyond its items' run time, ms (Redis round trips on
   * both sides). `chunkSize: 'auto'` packs enough items per job to keep this
   * under 5% of the job's run time, from item run times the machines report
   * (one item per job until the first report; at most 256). @default 2
   */
  jobOverhead?: number;
  /** How many jobs that failed for good Redis keeps for inspection (BullMQ `removeOnFail`). @default 1000 */
  keepFailed?: number;
  /**
   * How many times a job that Redis lost (a restart without persistence, a
   * flush) is added again, under a new id, before its calls reject with
   * `RemoteJobLostError`. `0`: reject at once. @default 3
   */
  lostJobRetries?: number;
  /**
   * How often, ms, the producer checks that the jobs it waits for still exist
   * in Redis; it also checks after every reconnection. `Infinity`: only after
   * reconnections. @default 30000
   */
  lostJobCheckInterval?: number;
  /**
   * Receives connection errors of the BullMQ queue and event stream, and a
   * `PoolcallError` (code 'ERR_REMOTE_JOB_LOST') each time Redis is found to
   * have lost jobs. @default process.emitWarning
   */
  onError?: (error: Error) => void;
}

/** Options of `remote.close()`. */
export interface RemoteCloseOptions {
  /** Reject pending calls with PoolClosedError and cancel their jobs, instead of waiting for them. @default false */
  force?: boolean;
}

/** A producer's connection to a queue served by `serve`; see {@link connectQueue}. */
export interface RemoteQueue<M> extends AsyncDisposable {
  /** A callable handle to task `name`, run as BullMQ jobs; works wherever a pool handle does. */
  task<N extends TaskName<M>>(name: N): HandleOf<M, N>;
  /** Runs task `name` on `item` once, remotely. */
  run<N extends TaskName<M>>(
    name: N,
    item: TaskItem<M[N]>,
    options?: { signal?: AbortSignal; timeout?: number; kwargs?: unknown },
  ): Promise<TaskResult<M[N]>>;
  /** Resolves once connected to Redis (calls connect on their own; this surfaces errors early). */
  ready(): Promise<void>;
  /** Waits for pending calls (or, with `force`, cancels them), then closes the Redis connections. */
  close(options?: RemoteCloseOptions): Promise<void>;
}

/** Throws a TypeError or RangeError naming the first bad option of `connectQueue` and the value received. */
export function checkConnectQueueOptions(options: ConnectQueueOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`connectQueue: options must be an object, received ${String(options)}`);
  }
  if (typeof options.queue !== 'string' || options.queue.length === 0) {
    throw new TypeError(
      `connectQueue: queue must be a non-empty string, received ${String(options.queue)}`,
    );
  }
  const overhead = options.jobOverhead;
  if (overhead !== undefined && !(Number.isFinite(overhead) && overhead >= 0)) {
    throw new RangeError(
      `connectQueue: jobOverhead must be a finite number >= 0, received ${overhead}`,
    );
  }
  const max = options.maxInFlight;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new RangeError(`connectQueue: maxInFlight must be an integer >= 1, received ${max}`);
  }
  if (options.lostJobRetries !== undefined) {
    checkValue('connectQueue', 'lostJobRetries', options.lostJobRetries, 'count');
  }
  const interval: unknown = options.lostJobCheckInterval;
  if (interval !== undefined) {
    if (typeof interval !== 'number') {
      throw new TypeError(
        `connectQueue: option "lostJobCheckInterval" must be a number, received ${show(interval)}`,
      );
    }
    if (!(interval > 0)) {
      throw new RangeError(
        `connectQueue: option "lostJobCheckInterval" must be a number > 0 (ms, or Infinity), received ${interval}`,
      );
    }
  }
}
