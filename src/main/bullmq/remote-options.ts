/** The public shapes of `connectQueue`: its options and the remote queue it returns. */
import type { ConnectionOptions } from 'bullmq';
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
  /** Receives connection errors of the BullMQ queue and event stream. @default process.emitWarning */
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
