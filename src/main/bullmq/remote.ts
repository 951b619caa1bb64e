/**
 * connectQueue: task handles whose attempts run as BullMQ jobs on the
 * machines that `serve` a pool. Retries and backoff become job options kept
 * in Redis; results, failures and progress come back through QueueEvents;
 * a cancelled call removes its waiting jobs and stops its running ones
 * through the serving worker's `cancelJob`.
 */

import { randomUUID } from 'node:crypto';
import { realClock } from '../common/clock.js';
import { effectiveSignal } from '../common/context.js';
import {
  PoolClosedError,
  PoolcallError,
  RemoteJobLostError,
  TaskAbortedError,
  WorkerCrashedError,
} from '../common/errors.js';
import { cloneError } from '../common/outcome.js';
import { checkRuntime, currentRuntime } from '../common/runtime.js';
import {
  type AttemptRequest,
  bindTarget,
  type RetryPolicy,
  type TaskTarget,
} from '../common/target.js';
import type { HandleOf, TaskItem, TaskName, TaskResult } from '../pool/pool.js';
import { type Backend, openBackend } from './backend.js';
import { CancelSender } from './cancels.js';
import { closeWithoutReconnecting } from './closing.js';
import { JobBuilder, type PendingJob } from './jobs.js';
import { LostJobCheck } from './lost-jobs.js';
import { fromRemoteError, jsonProblem, type RemoteOutcome } from './protocol.js';
import {
  type ConnectQueueOptions,
  checkConnectQueueOptions,
  type RemoteCloseOptions,
  type RemoteQueue,
} from './remote-options.js';

export type { ConnectQueueOptions, RemoteCloseOptions, RemoteQueue } from './remote-options.js';

const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_LOST_JOB_RETRIES = 3;
const DEFAULT_LOST_JOB_CHECK_INTERVAL = 30_000;
/** How long a lost-job check waits for its marker to come back on the event stream, ms. */
const MARKER_TIMEOUT = 30_000;
const MAX_AUTO_CHUNK = 256;
const SINGLE_ATTEMPT: RetryPolicy = { attempts: 1, delay: 0, backoffFactor: 1 };

class RemoteQueueImpl<M> implements RemoteQueue<M> {
  readonly #options: ConnectQueueOptions;
  readonly #prefix: string;
  readonly #onError: (error: Error) => void;
  readonly #builder: JobBuilder;
  readonly #idPrefix = `pc-${randomUUID().slice(0, 8)}-`;
  /** Jobs added (or being added) whose calls are not all settled, by job id. */
  readonly #jobs = new Map<string, PendingJob>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #cancels: CancelSender;
  /** Moving average of the item run times the machines report, ms. */
  #runMs: number | undefined;
  #backend: Promise<Backend> | undefined;
  #lostCheck: LostJobCheck | undefined;
  #closing: Promise<void> | undefined;
  #idle: (() => void)[] = [];

  constructor(options: ConnectQueueOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'bull';
    this.#onError =
      options.onError ?? ((error: Error) => process.emitWarning(error, 'PoolcallBullmqWarning'));
    this.#cancels = new CancelSender({
      options,
      prefix: this.#prefix,
      connect: () => this.#connect(),
      track: (work) => this.#track(work),
      onError: this.#onError,
      clock: realClock,
    });
    this.#builder = new JobBuilder({
      idPrefix: this.#idPrefix,
      autoChunkSize: () => this.#autoChunk(),
      onFlush: (jobs) => this.#track(this.#add(jobs)),
      onEmpty: (job) => this.#cancel(job, 'every call of the job was cancelled'),
      onSettled: () => this.#checkIdle(),
    });
  }

  task<N extends TaskName<M>>(name: N): HandleOf<M, N> {
    const maxInFlight = this.#options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const target: TaskTarget = {
      name,
      ownsRetries: true,
      capacity: (chunkSize) => maxInFlight * this.#builder.chunkOf(chunkSize),
      run: (request) => this.#run(name, request),
    };
    const handle = (item: TaskItem<M[N]>) =>
      this.#run(name, { item, index: 0, attempt: 1 }) as Promise<TaskResult<M[N]>>;
    Object.defineProperty(handle, 'name', { value: name });
    return bindTarget(handle, target);
  }

  run<N extends TaskName<M>>(
    name: N,
    item: TaskItem<M[N]>,
    options: { signal?: AbortSignal; timeout?: number; kwargs?: unknown } = {},
  ): Promise<TaskResult<M[N]>> {
    return this.#run(name, { item, index: 0, attempt: 1, ...options }) as Promise<TaskResult<M[N]>>;
  }

  async ready(): Promise<void> {
    await this.#connect();
  }

  #run(name: string, request: AttemptRequest): Promise<unknown> {
    if (this.#closing) return Promise.reject(new PoolClosedError('The remote queue is closed'));
    const signal = effectiveSignal(request.signal);
    if (signal?.aborted) return Promise.reject(new TaskAbortedError(signal.reason));
    this.#connect().catch(() => {});
    return this.#builder.submit(name, {
      ...request,
      signal,
      retry: request.retry ?? SINGLE_ATTEMPT,
    });
  }

  #connect(): Promise<Backend> {
    this.#backend ??= this.#open();
    return this.#backend;
  }

  async #open(): Promise<Backend> {
    const backend = await openBackend(this.#options, this.#prefix, {
      active: (jobId) => this.#jobs.get(jobId)?.activated(),
      progress: (jobId, p) => this.#jobs.get(jobId)?.progress(p.position, p.value),
      completed: (jobId, result) => {
        const job = this.#jobs.get(jobId);
        if (!job) return;
        if (typeof result.runMs === 'number') this.#measured(result.runMs);
        this.#finish(job, result.outcomes);
      },
      failed: (jobId, failedReason) => {
        const job = this.#jobs.get(jobId);
        if (!job) return;
        // No longer waited for from here on (the lost-job check must not take it for lost).
        this.#jobs.delete(jobId);
        this.#track(this.#failed(job, failedReason));
      },
      removed: (jobId) => {
        const job = this.#jobs.get(jobId);
        if (!job) return;
        this.#jobs.delete(jobId);
        job.rejectAll(new TaskAbortedError(undefined, `Job ${jobId} was removed from the queue`));
        this.#checkIdle();
      },
      marker: (token) => this.#lostCheck?.marker(token),
      reconnected: () => this.#lostCheck?.reconnected(),
      error: this.#onError,
    });
    this.#lostCheck = new LostJobCheck({
      waited: () => [...this.#jobs.values()].filter((job) => job.inQueue).map((job) => job.id),
      isWaited: (id) => this.#jobs.get(id)?.inQueue === true,
      exists: (ids) => backend.exists(ids),
      publishMarker: (token) => backend.publishMarker(token),
      onLost: (ids) => this.#lost(ids),
      onError: this.#onError,
      interval: this.#options.lostJobCheckInterval ?? DEFAULT_LOST_JOB_CHECK_INTERVAL,
      markerTimeout: MARKER_TIMEOUT,
      tokenPrefix: this.#idPrefix,
      clock: realClock,
    });
    return backend;
  }

  /** Jobs Redis lost: added again under new ids, or rejected once lost too often. */
  #lost(ids: readonly string[]): void {
    const again: PendingJob[] = [];
    let rejected = 0;
    for (const id of ids) {
      const job = this.#jobs.get(id);
      if (!job?.inQueue) continue;
      this.#jobs.delete(id);
      if (job.losses >= (this.#options.lostJobRetries ?? DEFAULT_LOST_JOB_RETRIES)) {
        job.rejectAll(new RemoteJobLostError(id, job.losses + 1));
        rejected++;
      } else {
        job.lost();
        again.push(job);
      }
    }
    if (again.length + rejected === 0) return;
    if (again.length > 0) this.#track(this.#add(again));
    this.#checkIdle();
    this.#onError(
      new PoolcallError(
        'ERR_REMOTE_JOB_LOST',
        `Redis lost ${again.length + rejected} of the jobs waited for (restarted without persistence, or flushed): ${again.length} added again, ${rejected} rejected with RemoteJobLostError`,
      ),
    );
  }

  #measured(runMs: number): void {
    this.#runMs = this.#runMs === undefined ? runMs : this.#runMs * 0.8 + runMs * 0.2;
  }

  #autoChunk(): number {
    if (this.#runMs === undefined) return 1;
    const overhead = this.#options.jobOverhead ?? 2;
    const chunk = Math.ceil(overhead / (0.05 * Math.max(this.#runMs, 0.001)));
    return Math.max(1, Math.min(MAX_AUTO_CHUNK, chunk));
  }

  async #add(flushed: readonly PendingJob[]): Promise<void> {
    for (const job of flushed) this.#jobs.set(job.id, job);
    let jobs = flushed;
    try {
      const { queue } = await this.#connect();
      const keepFailed = this.#options.keepFailed ?? 1000;
      const add = (list: readonly PendingJob[]) =>
        queue.addBulk(
          list.map((job) => ({
            name: job.name,
            data: job.data(),
            opts: { ...job.jobOptions(), removeOnComplete: true, removeOnFail: keepFailed },
          })),
        );
      try {
        await add(jobs);
      } catch (error) {
        // BullMQ writes every job as JSON before it sends any: an item that
        // cannot be written fails alone and its job goes without it.
        const refused = jobs.reduce((n, job) => n + this.#refuse(job), 0);
        if (refused === 0) throw error;
        jobs = jobs.filter((job) => job.size > 0);
        if (jobs.length > 0) await add(jobs);
      }
    } catch (error) {
      for (const job of jobs) {
        this.#jobs.delete(job.id);
        job.rejectAll(error);
      }
      this.#checkIdle();
      return;
    }
    for (const job of jobs) job.added();
    this.#checkIdle();
  }

  /** Fails the items of `job` that cannot be written as JSON; forgets the job when none is left. */
  #refuse(job: PendingJob): number {
    const refused = job.refuse(jsonProblem, (index, cause) =>
      cloneError(job.name, index, 'item', cause),
    );
    if (job.size === 0) this.#jobs.delete(job.id);
    return refused;
  }

  #finish(job: PendingJob, outcomes: readonly RemoteOutcome[] | undefined): void {
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
    job.settle((position) => {
      const outcome = outcomes?.[position];
      if (!outcome) {
        return {
          ok: false,
          error: new WorkerCrashedError(`Job ${job.id} came back without item ${position}`),
        };
      }
      return outcome.ok
        ? { ok: true, value: outcome.value }
        : { ok: false, error: fromRemoteError(outcome.error) };
    });
    this.#checkIdle();
  }

  async #failed(job: PendingJob, failedReason: string): Promise<void> {
    let outcomes: readonly RemoteOutcome[] | undefined;
    try {
      const { queue } = await this.#connect();
      outcomes = (await queue.getJob(job.id))?.data?.outcomes;
    } catch {
      outcomes = undefined;
    }
    if (outcomes) return this.#finish(job, outcomes);
    job.rejectAll(
      new WorkerCrashedError(`Job ${job.id} of task "${job.name}" failed: ${failedReason}`),
    );
    this.#checkIdle();
  }

  /** Removes a job that waits; asks the machine running it to stop it. */
  #cancel(job: PendingJob, reason: string): void {
    this.#jobs.delete(job.id);
    this.#cancels.cancel(job.id, reason);
    this.#checkIdle();
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    const forget = () => this.#background.delete(p);
    p.then(forget, forget);
  }

  #checkIdle(): void {
    if (this.#jobs.size > 0 || this.#builder.open > 0) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }

  close(options: RemoteCloseOptions = {}): Promise<void> {
    if (options.force) {
      const error = new PoolClosedError('The remote queue was closed with force');
      this.#builder.rejectOpen(error);
      for (const job of [...this.#jobs.values()]) {
        job.rejectAll(error);
        this.#cancel(job, 'the producer closed');
      }
    }
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#jobs.size > 0 || this.#builder.open > 0) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    while (this.#background.size > 0 || this.#cancels.scheduled) {
      await Promise.allSettled([...this.#background]);
      if (this.#cancels.scheduled) await new Promise((r) => setImmediate(r));
    }
    const backend = await this.#backend?.catch(() => undefined);
    await this.#lostCheck?.close();
    await Promise.allSettled([
      backend && closeWithoutReconnecting(backend.events, () => backend.events.close()),
      backend && closeWithoutReconnecting(backend.queue, () => backend.queue.close()),
      this.#cancels.close(),
    ]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Connects a producer to a queue served by {@link serve}. Its handles run
 * each attempt's item on whichever machine takes the job.
 *
 * @example
 * ```ts
 * const remote = connectQueue<typeof import('./tasks.js')>({ queue: 'jobs', connection: { host, port } });
 * const out = await alcall([30, 31, 32], remote.task('fib'), { numRetries: 2, retryTimeout: 1000 });
 * await remote.close();
 * ```
 */
export function connectQueue<M = Record<string, (item: unknown) => unknown>>(
  options: ConnectQueueOptions,
): RemoteQueue<M> {
  checkConnectQueueOptions(options);
  checkRuntime(currentRuntime(), { bullmq: 'connectQueue' });
  return new RemoteQueueImpl<M>(options);
}
