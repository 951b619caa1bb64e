/**
 * Packing attempts into jobs. Attempts of the same task with the same
 * options that arrive in the same turn of the event loop share a job, up to
 * the chunk size (one attempt per job without chunking); a job's calls keep
 * their own signals, and a job whose calls were all cancelled is reported so
 * it can be removed or stopped.
 */
import { TaskAbortedError } from '../common/errors.js';
import type { AttemptRequest, RetryPolicy } from '../common/target.js';
import { BACKOFF_TYPE, JOB_FORMAT, jobRetryOptions, type RemoteJobData } from './protocol.js';

/** An attempt request as the builder takes it: signal combined with the scope, policy set. */
export type RemoteRequest = AttemptRequest & { readonly retry: RetryPolicy };

/** How one item of a job ended. */
export type Settlement = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Call {
  readonly request: RemoteRequest;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
  settled: boolean;
  started: boolean;
}

/** Callbacks of a {@link JobBuilder}. */
export interface JobBuilderOptions {
  /** Job ids are this prefix and a counter. */
  readonly idPrefix: string;
  /** Items per job for `chunkSize: 'auto'`, now. */
  readonly autoChunkSize: () => number;
  /** Receives the jobs packed in one turn of the event loop, to add to the queue. */
  readonly onFlush: (jobs: readonly PendingJob[]) => void;
  /** A job already handed to `onFlush` whose calls were all cancelled. */
  readonly onEmpty: (job: PendingJob) => void;
  /** A call settled before its job was sent. */
  readonly onSettled: () => void;
}

/**
 * One job: its calls, in item order, and how they settle. A job that Redis
 * lost is added again under a new id (its base id and a generation,
 * `<base>-r<n>`), so a run of the lost job still going on a machine never
 * touches the new one.
 */
export class PendingJob {
  readonly name: string;
  readonly #baseId: string;
  readonly #calls: Call[] = [];
  readonly #size: number;
  readonly #first: RemoteRequest;
  readonly #builder: JobBuilder;
  #state: 'open' | 'adding' | 'added' = 'open';
  #losses = 0;
  /** Attempts started under the current id (its `active` events). */
  #activations = 0;
  /** Attempts spent under earlier ids. */
  #spent = 0;

  constructor(id: string, name: string, size: number, first: RemoteRequest, builder: JobBuilder) {
    this.#baseId = id;
    this.name = name;
    this.#size = size;
    this.#first = first;
    this.#builder = builder;
  }

  /** The job's id in the queue now. */
  get id(): string {
    return this.#losses === 0 ? this.#baseId : `${this.#baseId}-r${this.#losses}`;
  }

  /** Whether the job is in the queue (its add succeeded), so Redis should have it. */
  get inQueue(): boolean {
    return this.#state === 'added';
  }

  /** How many times Redis lost the job. */
  get losses(): number {
    return this.#losses;
  }

  /** Whether `request` can join this job. */
  accepts(name: string, size: number, request: RemoteRequest): boolean {
    const a = this.#first;
    const b = request;
    return (
      this.#state === 'open' &&
      this.#calls.length < this.#size &&
      this.name === name &&
      this.#size === size &&
      a.kwargs === b.kwargs &&
      a.timeout === b.timeout &&
      a.retry.attempts === b.retry.attempts &&
      a.retry.delay === b.retry.delay &&
      a.retry.backoffFactor === b.retry.backoffFactor
    );
  }

  get full(): boolean {
    return this.#calls.length >= this.#size;
  }

  get size(): number {
    return this.#calls.length;
  }

  /** Adds a call; its promise settles with the item's outcome. */
  join(request: RemoteRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const signal = request.signal;
      const onAbort = () => this.#abort(call, new TaskAbortedError(signal?.reason));
      const call: Call = {
        request,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
        settled: false,
        started: false,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#calls.push(call);
    });
  }

  /** No call joins the job any more: it is about to be added to the queue. */
  seal(): void {
    this.#state = 'adding';
  }

  /**
   * Fails and drops the calls whose item `problem` finds fault with (before
   * the job is added), each with the error `fail` makes of it. Returns how
   * many it dropped.
   */
  refuse(
    problem: (item: unknown) => { error: unknown } | undefined,
    fail: (index: number, cause: unknown) => Error,
  ): number {
    const before = this.#calls.length;
    for (let i = before - 1; i >= 0; i--) {
      const c = this.#calls[i]!;
      const found = c.settled ? undefined : problem(c.request.item);
      if (!found) continue;
      this.#calls.splice(i, 1);
      this.#done(c);
      c.reject(fail(c.request.index, found.error));
    }
    return before - this.#calls.length;
  }

  /** The job's data. */
  data(): RemoteJobData {
    const first = this.#first;
    const options = jobRetryOptions(first.retry);
    return {
      v: JOB_FORMAT,
      ...(this.#spent > 0 ? { priorAttempts: this.#spent } : {}),
      items: this.#calls.map((c) => c.request.item),
      indices: this.#calls.map((c) => c.request.index),
      ...(first.kwargs === undefined ? {} : { kwargs: first.kwargs }),
      ...(first.timeout === undefined ? {} : { timeout: first.timeout }),
      ...(options.backoff?.type === BACKOFF_TYPE
        ? { backoffFactor: first.retry.backoffFactor }
        : {}),
      ...(this.#calls.some((c) => c.request.onProgress) ? { progress: true } : {}),
    };
  }

  /** BullMQ options: the id, `attempts` (those left, after a loss) and `backoff`. */
  jobOptions(): { jobId: string; attempts: number; backoff?: { type: string; delay: number } } {
    const retry = this.#first.retry;
    const attempts = Math.max(1, retry.attempts - this.#spent);
    return { jobId: this.id, ...jobRetryOptions({ ...retry, attempts }) };
  }

  /** The job is in the queue. */
  added(): void {
    this.#state = 'added';
    if (this.#calls.every((c) => c.settled)) this.#builder.emptied(this);
  }

  /** An attempt of the job became active on a machine. */
  activated(): void {
    this.#activations++;
    this.start();
  }

  /**
   * Redis lost the job, which is to be added again: it takes a new id, and
   * the attempts that started before the one cut off by the loss are spent.
   */
  lost(): void {
    this.#spent += Math.max(0, this.#activations - 1);
    this.#activations = 0;
    this.#losses++;
    this.#state = 'adding';
  }

  /** Each call's attempt starts (once). */
  start(): void {
    for (const c of this.#calls) {
      if (c.started || c.settled) continue;
      c.started = true;
      c.request.onStart?.();
    }
  }

  /** A `ctx.progress` report of the item at `position`. */
  progress(position: number, value: unknown): void {
    const c = this.#calls[position];
    if (c && !c.settled) c.request.onProgress?.(c.request.index, value);
  }

  /** Settles every call with the outcome of its position. */
  settle(outcome: (position: number) => Settlement): void {
    this.start();
    this.#calls.forEach((c, position) => {
      if (c.settled) return;
      const o = outcome(position);
      this.#done(c);
      if (o.ok) c.resolve(o.value);
      else c.reject(o.error);
    });
  }

  /** Rejects every call not yet settled. */
  rejectAll(error: unknown): void {
    for (const c of this.#calls) {
      if (c.settled) continue;
      this.#done(c);
      c.reject(error);
    }
  }

  #done(c: Call): void {
    c.settled = true;
    c.detach();
  }

  #abort(c: Call, error: TaskAbortedError): void {
    if (c.settled) return;
    this.#done(c);
    c.reject(error);
    if (this.#state === 'open') {
      this.#calls.splice(this.#calls.indexOf(c), 1);
      if (this.#calls.length === 0) this.#builder.discard(this);
      this.#builder.settledOpen();
    } else if (this.#state === 'added' && this.#calls.every((x) => x.settled)) {
      this.#builder.emptied(this);
    }
  }
}

/** Packs attempts into jobs and hands them on once per turn of the event loop. */
export class JobBuilder {
  readonly #options: JobBuilderOptions;
  #open: PendingJob[] = [];
  #counter = 0;
  #scheduled = false;

  constructor(options: JobBuilderOptions) {
    this.#options = options;
  }

  /** Calls not yet handed to `onFlush`. */
  get open(): number {
    return this.#open.reduce((n, job) => n + job.size, 0);
  }

  /** Items per job for a `chunkSize` option. */
  chunkOf(chunkSize: number | 'auto' | undefined): number {
    if (chunkSize === 'auto') return this.#options.autoChunkSize();
    return chunkSize !== undefined && chunkSize >= 1 ? Math.floor(chunkSize) : 1;
  }

  /** Adds an attempt to a job; resolves or rejects with its item's outcome. */
  submit(name: string, request: RemoteRequest): Promise<unknown> {
    const size = this.chunkOf(request.chunkSize);
    let job = this.#open.find((j) => j.accepts(name, size, request));
    if (!job) {
      job = new PendingJob(
        `${this.#options.idPrefix}${++this.#counter}`,
        name,
        size,
        request,
        this,
      );
      this.#open.push(job);
    }
    const promise = job.join(request);
    this.#schedule();
    return promise;
  }

  /** Rejects every call not yet sent. */
  rejectOpen(error: unknown): void {
    const open = this.#open;
    this.#open = [];
    for (const job of open) job.rejectAll(error);
  }

  /** @internal A job not yet sent lost its last call. */
  discard(job: PendingJob): void {
    this.#open = this.#open.filter((j) => j !== job);
  }

  /** @internal A call of a job not yet sent was settled. */
  settledOpen(): void {
    this.#options.onSettled();
  }

  /** @internal A sent job lost its last call. */
  emptied(job: PendingJob): void {
    this.#options.onEmpty(job);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const jobs = this.#open;
      this.#open = [];
      for (const job of jobs) job.seal();
      if (jobs.length > 0) this.#options.onFlush(jobs);
    });
  }
}
