/**
 * serve: one machine's pool as a BullMQ worker. Each job names a task and
 * carries one item or a chunk; the processor runs them on the pool with the
 * job's per-attempt timeout (terminating the thread when it runs over),
 * reports every item's outcome, and lets BullMQ retry failed attempts with
 * the job's backoff. A cancellation published by a producer reaches the job
 * through `worker.cancelJob`; the thread is terminated and the job is not
 * retried. A job whose lock is lost (Redis forgot it) is stopped the same way.
 */

import type { ConnectionOptions, Job, Worker } from 'bullmq';
import { checkRuntime, currentRuntime } from '../common/runtime.js';
import type { AttemptRequest } from '../common/target.js';
import { closeWithoutReconnecting } from './closing.js';
import { loadBullmq } from './peer.js';
import {
  BACKOFF_TYPE,
  backoffDelay,
  type CancelMessage,
  cancelTopic,
  JOB_FORMAT,
  type RemoteError,
  type RemoteJobData,
  type RemoteJobResult,
  type RemoteOutcome,
  type RemoteProgress,
  toRemoteError,
} from './protocol.js';

/** What `serve` needs of a pool: its slots and a way to run one attempt. */
export interface ServablePool {
  readonly dispatcher: { readonly slots: number };
  attempt(name: string, request: AttemptRequest): Promise<unknown>;
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The BullMQ queue name. */
  queue: string;
  /** Redis connection options (or an ioredis instance), as BullMQ takes them. */
  connection: ConnectionOptions;
  /** BullMQ key prefix. @default 'bull' */
  prefix?: string;
  /** Jobs run at once on this machine; never more than the pool's slots. @default pool slots */
  concurrency?: number;
  /** BullMQ rate limit, shared by every machine serving the queue: `max` jobs per `duration` ms. */
  limiter?: { max: number; duration: number };
  /** Jobs running at once across every machine serving the queue (BullMQ global concurrency). */
  globalConcurrency?: number;
  /** How long a job's lock lasts without renewal, ms: a dead machine's job is recovered after about this long. @default 30000 */
  lockDuration?: number;
  /** How often stalled jobs (of dead machines) are looked for, ms. @default 30000 */
  stalledInterval?: number;
  /** How many times a job may stall before it fails for good. @default 1 */
  maxStalledCount?: number;
  /** Receives connection and processing errors of the BullMQ worker. @default process.emitWarning */
  onError?: (error: Error) => void;
}

/** A running server; see {@link serve}. */
export interface Server extends AsyncDisposable {
  /** The BullMQ worker, for its events (`active`, `completed`, `failed`, ...). */
  readonly worker: Worker<RemoteJobData, RemoteJobResult>;
  /** The concurrency in use. */
  readonly concurrency: number;
  /**
   * Stops taking jobs, lets running jobs finish, closes the Redis connections.
   * With `force`, does not wait: running jobs are left to BullMQ's stalled-job
   * recovery (another machine runs them again). The pool stays open either way.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

const CANCEL_MEMORY_MS = 10 * 60_000;
const LOCK_LOST = 'the job lost its lock in Redis';
const RELAY_HEARTBEAT_MS = 2000;

/**
 * Serves `pool` on the BullMQ queue `options.queue`: jobs added by
 * {@link connectQueue} run on this machine's worker threads.
 *
 * @example
 * ```ts
 * const pool = createPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const server = await serve(pool, { queue: 'jobs', connection: { host: 'localhost', port: 6379 } });
 * // ...
 * await server.close();
 * await pool.close();
 * ```
 */
export async function serve(pool: ServablePool, options: ServeOptions): Promise<Server> {
  checkServeOptions(options);
  checkRuntime(currentRuntime(), { bullmq: 'serve' });
  const { Worker, Queue, Relay, UnrecoverableError } = await loadBullmq();
  const slots = pool.dispatcher.slots;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? slots, slots));
  const prefix = options.prefix ?? 'bull';
  const onError =
    options.onError ?? ((error: Error) => process.emitWarning(error, 'PoolcallBullmqWarning'));
  const cancelled = new Map<string, number>();

  if (options.globalConcurrency !== undefined) {
    const queue = new Queue(options.queue, { connection: options.connection, prefix });
    try {
      await queue.setGlobalConcurrency(options.globalConcurrency);
    } finally {
      await queue.close();
    }
  }

  const processor = async (
    job: Job<RemoteJobData, RemoteJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<RemoteJobResult> => {
    const data = job.data;
    if (data?.v !== JOB_FORMAT) {
      throw new UnrecoverableError(`Job ${job.id} is not a poolcall job`);
    }
    if (job.id !== undefined && cancelled.has(job.id)) {
      throw new UnrecoverableError('The job was cancelled');
    }
    const attempt = (data.priorAttempts ?? 0) + job.attemptsMade + 1;
    const done = data.done ?? [];
    const reports = new Set<Promise<unknown>>();
    let runMs = Number.POSITIVE_INFINITY;
    const outcomes = await Promise.all(
      data.items.map(async (item, position): Promise<RemoteOutcome> => {
        const prior = done[position];
        if (prior?.ok || prior?.error.final) return prior;
        const started = performance.now();
        try {
          const value = await pool.attempt(job.name, {
            item,
            index: data.indices[position] ?? position,
            attempt,
            kwargs: data.kwargs,
            signal,
            timeout: data.timeout,
            onProgress: data.progress
              ? (_, value) => track(reports, report(job, position, value))
              : undefined,
          });
          runMs = Math.min(runMs, performance.now() - started);
          return { ok: true, value };
        } catch (error) {
          return { ok: false, error: toRemoteError(error) };
        }
      }),
    );
    if (data.progress) {
      // Progress travels on its own port: let late reports arrive, then reach Redis before the result.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...reports]);
    }
    if (signal?.aborted) {
      throw new UnrecoverableError(`The job was cancelled: ${String(signal.reason ?? 'cancel')}`);
    }
    const failures = outcomes.filter((o) => !o.ok);
    if (failures.length === 0) {
      return Number.isFinite(runMs)
        ? { outcomes, runMs: Math.round(runMs * 1000) / 1000 }
        : { outcomes };
    }
    // A StopRetrying failure is kept as final; when every failure is, BullMQ must not retry.
    const stop = failures.every((o) => !o.ok && o.error.final);
    const last = stop || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await job.updateData(
      last
        ? { ...data, outcomes }
        : { ...data, done: outcomes.map((o) => (o.ok || o.error.final ? o : null)) },
    );
    const error = jobError(failures[0]!.error, failures.length);
    if (stop) throw new UnrecoverableError(error.message);
    throw error;
  };

  const worker = new Worker<RemoteJobData, RemoteJobResult>(options.queue, processor, {
    connection: options.connection,
    prefix,
    concurrency,
    ...(options.limiter ? { limiter: options.limiter } : {}),
    ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
    ...(options.stalledInterval === undefined ? {} : { stalledInterval: options.stalledInterval }),
    ...(options.maxStalledCount === undefined ? {} : { maxStalledCount: options.maxStalledCount }),
    settings: {
      backoffStrategy: (attemptsMade, type, _err, job) => {
        if (type !== BACKOFF_TYPE || !job) return 0;
        const backoff = job.opts.backoff;
        const delay = typeof backoff === 'object' ? (backoff.delay ?? 0) : (backoff ?? 0);
        const factor = (job.data as RemoteJobData | undefined)?.backoffFactor ?? 1;
        return backoffDelay(attemptsMade, delay, factor);
      },
    },
  });
  worker.on('error', onError);
  // A job whose lock cannot be renewed is no longer this machine's: Redis lost it (restarted
  // without persistence) or another machine took it over as stalled. Stop its run to free the
  // thread; it is not remembered as cancelled, since its producer may add it again.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) worker.cancelJob(id, LOCK_LOST);
  });

  // A Relay node forgotten by Redis (a restart) hears nothing until its next heartbeat registers it
  // again: beat often, so cancellations reach this machine soon after Redis is back.
  const relay = new Relay({
    connection: options.connection,
    prefix,
    heartbeatInterval: RELAY_HEARTBEAT_MS,
  });
  relay.on('error', onError);
  try {
    await relay.subscribe<CancelMessage>(cancelTopic(prefix, options.queue), (message) => {
      const now = Date.now();
      for (const [id, at] of cancelled) if (now - at > CANCEL_MEMORY_MS) cancelled.delete(id);
      for (const id of message.data.jobIds) {
        cancelled.set(id, now);
        worker.cancelJob(id, message.data.reason ?? 'cancelled by the producer');
      }
    });
    await worker.waitUntilReady();
  } catch (error) {
    await Promise.allSettled([worker.close(true), relay.close()]);
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { force?: boolean } = {}): Promise<void> => {
    closing ??= (async () => {
      await closeWithoutReconnecting(worker, () => worker.close(closeOptions.force ?? false));
      await closeWithoutReconnecting(relay, () => relay.close());
    })();
    return closing;
  };
  return { worker, concurrency, close, [Symbol.asyncDispose]: () => close() };
}

function report(job: Job, position: number, value: unknown): Promise<unknown> {
  const progress: RemoteProgress = { position, value };
  return job.updateProgress(progress as object).catch(() => {});
}

function track(reports: Set<Promise<unknown>>, p: Promise<unknown>): void {
  reports.add(p);
  p.then(() => reports.delete(p));
}

/** The error a job fails with: readable in BullMQ dashboards; the producer reads the exact outcomes from the job. */
function jobError(first: RemoteError, failed: number): Error {
  const more = failed > 1 ? ` (and ${failed - 1} more items of the chunk)` : '';
  const error = new Error(`${first.name}: ${first.message}${more}`);
  if (first.stack !== undefined) error.stack = first.stack;
  return error;
}

function checkServeOptions(options: ServeOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`serve: options must be an object, received ${String(options)}`);
  }
  if (typeof options.queue !== 'string' || options.queue.length === 0) {
    throw new TypeError(
      `serve: queue must be a non-empty string, received ${String(options.queue)}`,
    );
  }
  for (const key of ['concurrency', 'globalConcurrency', 'maxStalledCount'] as const) {
    const value = options[key];
    if (
      value !== undefined &&
      (!Number.isInteger(value) || value < (key === 'maxStalledCount' ? 0 : 1))
    ) {
      throw new RangeError(
        `serve: ${key} must be an integer >= ${key === 'maxStalledCount' ? 0 : 1}, received ${value}`,
      );
    }
  }
  for (const key of ['lockDuration', 'stalledInterval'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`serve: ${key} must be a finite number > 0, received ${value}`);
    }
  }
}
