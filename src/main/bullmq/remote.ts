/**
 * connectQueue: task handles whose attempts run as BullMQ jobs on the
 * machines that `serve` a pool. Retries and backoff become job options kept
 * in Redis; results, failures and progress come back through QueueEvents;
 * a cancelled call removes its waiting jobs and stops its running ones
 * through the serving worker's `cancelJob`.
 */
import { randomUUID } from 'node:crypto';
import type { Queue, QueueEvents, Relay } from 'bullmq';
import { effectiveSignal } from '../common/context.js';
import { PoolClosedError, TaskAbortedError, WorkerCrashedError } from '../common/errors.js';
import { cloneError } from '../common/outcome.js';
import {
  type AttemptRequest,
  bindTarget,
  type RetryPolicy,
  type TaskTarget,
} from '../common/target.js';
import type { HandleOf, TaskItem, TaskName, TaskResult } from '../pool/pool.js';
import { JobBuilder, type PendingJob } from './jobs.js';
import { loadBullmq } from './peer.js';
import {
  type CancelMessage,
  cancelTopic,
  fromRemoteError,
  jsonProblem,
  type RemoteJobData,
  type RemoteJobResult,
  type RemoteOutcome,
  type RemoteProgress,
} from './protocol.js';
import type { ConnectQueueOptions, RemoteCloseOptions, RemoteQueue } from './remote-options.js';

export type { ConnectQueueOptions, RemoteCloseOptions, RemoteQueue } from './remote-options.js';

interface Backend {
  readonly queue: Queue<RemoteJobData, RemoteJobResult>;
  readonly events: QueueEvents;
}

const DEFAULT_MAX_IN_FLIGHT = 64;
const MAX_AUTO_CHUNK = 256;
const SINGLE_ATTEMPT: RetryPolicy = { attempts: 1, delay: 0, backoffFactor: 1 };

class RemoteQueueImpl<M> implements RemoteQueue<M> {
  readonly #options: ConnectQueueOptions;
  readonly #prefix: string;
  readonly #onError: (error: Error) => void;
  readonly #builder: JobBuilder;
  /** Jobs added (or being added) whose calls are not all settled, by job id. */
  readonly #jobs = new Map<string, PendingJob>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #cancels = new Map<string, string>();
  #cancelScheduled = false;
  /** Moving average of the item run times the machines report, ms. */
  #runMs: number | undefined;
  #backend: Promise<Backend> | undefined;
  #relay: Promise<Relay> | undefined;
  #closing: Promise<void> | undefined;
  #idle: (() => void)[] = [];

  constructor(options: ConnectQueueOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'bull';
    this.#onError =
      options.onError ?? ((error: Error) => process.emitWarning(error, 'PoolcallBullmqWarning'));
    this.#builder = new JobBuilder({
      idPrefix: `pc-${randomUUID().slice(0, 8)}-`,
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
    const { Queue, QueueEvents } = await loadBullmq();
    const { queue: name, connection } = this.#options;
    const queue = new Queue<RemoteJobData, RemoteJobResult>(name, {
      connection,
      prefix: this.#prefix,
    });
    queue.on('error', this.#onError);
    // Events are read from Redis's current time on, so none of this producer's jobs is missed.
    const lastEventId = `${await redisNow(await queue.backend.client)}-0`;
    const events = new QueueEvents(name, { connection, prefix: this.#prefix, lastEventId });
    events.on('error', this.#onError);
    events.on('active', ({ jobId }) => this.#jobs.get(jobId)?.start());
    events.on('progress', ({ jobId, data }) => {
      const p = data as RemoteProgress;
      if (typeof p === 'object' && p !== null) this.#jobs.get(jobId)?.progress(p.position, p.value);
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const job = this.#jobs.get(jobId);
      if (!job) return;
      const result = (
        typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
      ) as RemoteJobResult;
      if (typeof result.runMs === 'number') this.#measured(result.runMs);
      this.#finish(job, result.outcomes);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const job = this.#jobs.get(jobId);
      if (job) this.#track(this.#failed(job, failedReason));
    });
    events.on('removed', ({ jobId }) => {
      const job = this.#jobs.get(jobId);
      if (!job) return;
      this.#jobs.delete(jobId);
      job.rejectAll(new TaskAbortedError(undefined, `Job ${jobId} was removed from the queue`));
    });
    await events.waitUntilReady();
    return { queue, events };
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
    this.#jobs.delete(job.id);
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
    this.#jobs.delete(job.id);
    job.rejectAll(
      new WorkerCrashedError(`Job ${job.id} of task "${job.name}" failed: ${failedReason}`),
    );
    this.#checkIdle();
  }

  /** Removes a job that waits; asks the machine running it to stop it. */
  #cancel(job: PendingJob, reason: string): void {
    this.#jobs.delete(job.id);
    this.#cancels.set(job.id, reason);
    this.#checkIdle();
    if (this.#cancelScheduled) return;
    this.#cancelScheduled = true;
    setImmediate(() => {
      this.#cancelScheduled = false;
      const batch = [...this.#cancels];
      this.#cancels.clear();
      this.#track(this.#cancelJobs(batch));
    });
  }

  async #cancelJobs(batch: readonly (readonly [string, string])[]): Promise<void> {
    try {
      const { queue } = await this.#connect();
      const removed = await Promise.all(batch.map(([id]) => queue.remove(id)));
      const running = batch.filter((_, i) => removed[i] !== 1);
      if (running.length === 0) return;
      const message: CancelMessage = {
        jobIds: running.map(([id]) => id),
        reason: running[0]![1],
      };
      const relay = await this.#relayNode();
      await relay.publish(cancelTopic(this.#prefix, this.#options.queue), message);
    } catch (error) {
      this.#onError(error as Error);
    }
  }

  #relayNode(): Promise<Relay> {
    this.#relay ??= (async () => {
      const { Relay } = await loadBullmq();
      const relay = new Relay({ connection: this.#options.connection, prefix: this.#prefix });
      relay.on('error', this.#onError);
      await relay.waitUntilReady();
      return relay;
    })();
    return this.#relay;
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
    while (this.#background.size > 0 || this.#cancelScheduled) {
      await Promise.allSettled([...this.#background]);
      if (this.#cancelScheduled) await new Promise((r) => setImmediate(r));
    }
    const backend = await this.#backend?.catch(() => undefined);
    const relay = await this.#relay?.catch(() => undefined);
    await Promise.allSettled([backend?.events.close(), backend?.queue.close(), relay?.close()]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Redis's clock in ms (event ids are stamped with it), or a little before the local time. */
async function redisNow(client: unknown): Promise<number> {
  const raw = client as { time?: () => Promise<[string | number, string | number]> };
  if (typeof raw.time !== 'function') return Date.now() - 5000;
  const [seconds, micros] = await raw.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
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
  return new RemoteQueueImpl<M>(options);
}
