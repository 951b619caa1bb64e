/**
 * createPool: typed task handles over a piscina pool, with poolcall's own
 * FIFO admission (see dispatch.ts), per-attempt timeouts that terminate the
 * worker, typed errors, statistics and a lifecycle that never hangs.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { BootField, MODULE_ARG, NICE_ARG } from '../../shared/wire.js';
import type { PoolWorkerData } from '../../worker/protocol.js';
import { Chunker } from '../chunk/chunk.js';
import { BulkOwner, Deferred } from '../chunk/chunk-entry.js';
import { AutoSize, PACK_OVERHEAD_SHARE } from '../chunk/chunk-size.js';
import { type Clock, MAX_TIMER_MS, realClock, setTimer } from '../common/clock.js';
import { combinedSignal, effectiveSignal } from '../common/context.js';
import { PoolClosedError, QueueFullError, TaskAbortedError } from '../common/errors.js';
import { checkRuntime, currentRuntime, rebindsWorkerData } from '../common/runtime.js';
import {
  type AttemptRequest,
  type BulkRequest,
  type BulkSink,
  bindTarget,
  refuseBatch,
  type TaskTarget,
} from '../common/target.js';
import { Dispatcher } from '../dispatch/dispatch.js';
import { TaskTransform, type TransformOptions } from '../scheduler/transform.js';
import type { KnownKeys, NoOptions } from '../scheduler/types.js';
import { CallStreams } from './call-stream.js';
import { checkPoolOptions, type PoolOptions } from './pool-options.js';
import type {
  CloseOptions,
  HandleOf,
  PoolStats,
  RunOptions,
  TaskItem,
  TaskKwargs,
  TaskName,
  TaskResult,
} from './pool-types.js';
import { progressPort } from './progress-port.js';
import { SingleCall, type SingleHost } from './single-call.js';
import { Spares } from './spares.js';
import { shareWorkerDescriptors } from './worker-descriptors.js';

export type { PoolOptions } from './pool-options.js';
export type {
  CloseOptions,
  HandleOf,
  PoolStats,
  RunOptions,
  TaskHandle,
  TaskItem,
  TaskKwargs,
  TaskName,
  TaskResult,
} from './pool-types.js';

/** A pool of worker threads running the exported functions of one module. */
export class Pool<M = Record<string, (item: unknown) => unknown>> implements AsyncDisposable {
  readonly #piscina: Piscina;
  readonly #dispatcher: Dispatcher;
  readonly #clock: Clock;
  readonly #module: string;
  readonly #threads: number;
  readonly #terminateTimeout: number;
  readonly #maxQueue: number;
  readonly #running = new Set<{ abort(reason?: unknown): void }>();
  readonly #chunker: Chunker;
  readonly #spares: Spares;
  readonly #streams: CallStreams;
  readonly #host: SingleHost;
  /** Learnt run times of single calls, by task: how many may travel together when they wait. */
  readonly #paces = new Map<string, AutoSize>();
  #active = 0;
  #idle: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #terminated = 0;
  #abandoned = 0;

  /** Use {@link createPool}. */
  constructor(module: URL | string, options: PoolOptions = {}) {
    const defaultThreads = os.availableParallelism();
    checkPoolOptions(options, defaultThreads);
    const runtime = currentRuntime();
    checkRuntime(runtime, options);
    this.#module = moduleHref(module);
    this.#clock = options.clock ?? realClock;
    this.#threads = options.maxThreads ?? defaultThreads;
    this.#terminateTimeout = options.terminateTimeout ?? 3000;
    this.#maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
    const spare = options.spareThreads ?? 1;
    const perWorker = options.concurrentTasksPerWorker ?? 1;
    const boot = new Int32Array(new SharedArrayBuffer(8));
    boot[BootField.initial] = (options.minThreads ?? this.#threads) + spare;
    const workerData: PoolWorkerData = {
      module: this.#module,
      userData: options.workerData,
      boot: boot.buffer as SharedArrayBuffer,
      ...(options.niceIncrement ? { nice: options.niceIncrement } : {}),
    };
    // Where the worker cannot rebind `workerData` for the task module, the
    // user's value is the thread's own and the module travels in argv; such
    // threads load the module with their first task.
    const ownData = options.workerData !== undefined && !rebindsWorkerData(runtime);
    this.#piscina = new Piscina({
      // A path, not a file: URL: piscina converts a URL to a path on every run.
      filename: fileURLToPath(new URL('../../worker/boot.cjs', import.meta.url)),
      minThreads: (options.minThreads ?? this.#threads) + spare,
      maxThreads: this.#threads + spare,
      concurrentTasksPerWorker: perWorker,
      ...(ownData
        ? {
            workerData: options.workerData,
            argv: [
              `${MODULE_ARG}${this.#module}`,
              ...(options.niceIncrement ? [`${NICE_ARG}${options.niceIncrement}`] : []),
            ],
          }
        : { workerData }),
      // Run and wait times are kept by the dispatcher (stats()); piscina's own
      // histograms would cost two more samples and clock reads per task.
      recordTiming: false,
      // piscina arms one plain timer with it: past what a timer holds, an idle
      // thread would end after 1 ms instead of (in effect) never.
      ...(options.idleTimeout === undefined
        ? {}
        : {
            idleTimeout:
              options.idleTimeout > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : options.idleTimeout,
          }),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    this.#piscina.on('error', () => {});
    this.#spares = new Spares(
      this.#piscina,
      this.#threads,
      options.minThreads ?? this.#threads,
      spare,
    );
    shareWorkerDescriptors(this.#piscina);
    this.#dispatcher = new Dispatcher({
      slots: this.#threads * perWorker,
      maxQueue: this.#maxQueue,
      clock: this.#clock,
    });
    this.#streams = new CallStreams(this.#piscina, this.#dispatcher, perWorker === 1);
    this.#host = {
      piscina: this.#piscina,
      streams: this.#streams,
      module: this.#module,
      running: this.#running,
      onTerminated: () => {
        this.#terminated++;
      },
      onSettled: () => {
        if (--this.#active > 0) return;
        const idle = this.#idle;
        this.#idle = [];
        for (const resolve of idle) resolve();
      },
      dispatcher: this.#dispatcher,
      pace: (name) => {
        let pace = this.#paces.get(name);
        if (!pace) {
          pace = new AutoSize(PACK_OVERHEAD_SHARE);
          this.#paces.set(name, pace);
        }
        return pace;
      },
      since: (startedAt) => this.#clock.now() - startedAt,
      runPacked: (name, lease, entries, pace) =>
        this.#chunker.runPacked(name, lease, entries, pace),
      progressPort,
    };
    this.#chunker = new Chunker({
      piscina: this.#piscina,
      dispatcher: this.#dispatcher,
      module: this.#module,
      running: this.#running,
      onTerminated: () => {
        this.#terminated++;
      },
      onTerminating: () => this.#spares.terminating(),
      beforeRun: () => this.#streams.endIdle(),
      progressPort,
    });
  }

  /** The `file:` URL of the task module. */
  get module(): string {
    return this.#module;
  }

  /** The admission queue shared by every caller of this pool. */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** A callable handle to the exported task `name`. Nothing is checked until it is called. */
  task<N extends TaskName<M>>(name: N): HandleOf<M, N> {
    const target: TaskTarget = {
      name,
      capacity: (chunkSize) =>
        isChunked(chunkSize) ? this.#chunker.capacity(name, chunkSize) : this.#dispatcher.slots,
      run: (request) => this.attempt(name, request),
      runMany: (request, items, count, firstIndex, sink) => {
        const closed = this.#closing ? () => new PoolClosedError() : undefined;
        if (isChunked(request.chunkSize) || request.timeout !== undefined) {
          this.#chunker.submitMany(name, request, items, count, firstIndex, sink, closed);
        } else {
          this.#runSingles(name, request, items, count, firstIndex, sink, closed);
        }
      },
    };
    const handle = (item: TaskItem<M[N]>) =>
      this.attempt(name, { item, index: 0, attempt: 1 }) as Promise<TaskResult<M[N]>>;
    Object.defineProperty(handle, 'name', { value: name });
    return bindTarget(handle, target);
  }

  /**
   * An object-mode Transform running task `name` on every item written to it,
   * for `stream/promises.pipeline`: results in input order (or, with
   * `ordered: false`, as they finish), every imap / alcall option, bounded
   * lookahead and backpressure on both sides.
   *
   * @example
   * ```ts
   * await pipeline(lines, pool.transform('parse', { chunkSize: 'auto' }), output);
   * ```
   */
  transform<N extends TaskName<M>, const O extends TransformOptions = NoOptions>(
    name: N,
    options?: O & TransformOptions & KnownKeys<O, TransformOptions>,
  ): TaskTransform {
    return new TaskTransform(this.task(name) as never, options);
  }

  /** Runs the exported task `name` on `item` in a worker. */
  run<N extends TaskName<M>>(
    name: N,
    item: TaskItem<M[N]>,
    options?: RunOptions<TaskKwargs<M[N]>>,
  ): Promise<TaskResult<M[N]>> {
    if (!options)
      return this.attempt(name, { item, index: 0, attempt: 1 }) as Promise<TaskResult<M[N]>>;
    const { signal, timeout, kwargs, onProgress } = options;
    return this.attempt(name, {
      item,
      index: 0,
      attempt: 1,
      signal,
      timeout,
      kwargs,
      onProgress: onProgress ? (_: number, v: unknown) => onProgress(v) : undefined,
    }) as Promise<TaskResult<M[N]>>;
  }

  /**
   * Runs one attempt: waits for a slot, then runs it in a worker. With
   * `chunkSize` above 1 (or 'auto') it travels with other attempts of the same
   * task (same `kwargs` and progress listener) submitted about the same time.
   */
  attempt(name: string, request: AttemptRequest): Promise<unknown> {
    if (this.#closing) return Promise.reject(new PoolClosedError());
    const chunkSize = request.chunkSize;
    if (isChunked(chunkSize)) return this.#chunker.submit(name, request, chunkSize);
    // A timed attempt goes through the chunker (alone) too: its clock starts
    // when the worker takes the item, not while a replacement thread starts.
    if (request.timeout !== undefined) {
      if (this.#waitingCalls() >= this.#maxQueue) {
        return Promise.reject(new QueueFullError(this.#maxQueue));
      }
      return this.#chunker.submit(name, request, 1);
    }
    const signal = effectiveSignal(request.signal);
    if (signal?.aborted) return Promise.reject(new TaskAbortedError(signal.reason));
    return new Promise((resolve, reject) => {
      this.#active++;
      const call = new SingleCall(this.#host, name, request, signal, new Deferred(resolve, reject));
      this.#dispatcher.wait(call, signal);
    });
  }

  /**
   * First attempts of `count` items, one call each, with no promise per
   * item: outcomes go to `sink` (never synchronously from this call). With
   * `closed` every item fails with what it makes.
   */
  #runSingles(
    name: string,
    request: BulkRequest,
    items: readonly unknown[],
    count: number,
    firstIndex: number,
    sink: BulkSink,
    closed: (() => unknown) | undefined,
  ): void {
    const signal = combinedSignal(request.signal);
    if (refuseBatch(sink, items, count, firstIndex, signal, closed)) return;
    const owner = new BulkOwner(sink);
    const { kwargs, onProgress } = request;
    for (let i = 0; i < count; i++) {
      const attempt: AttemptRequest = {
        item: items[i],
        index: firstIndex + i,
        attempt: 1,
        signal,
        kwargs,
        onProgress,
      };
      this.#active++;
      this.#dispatcher.wait(new SingleCall(this.#host, name, attempt, signal, owner), signal);
    }
  }

  /**
   * Calls waiting for a slot: the dispatcher's own waiters plus attempts queued
   * in the chunker (less those the free slots will take at once), without
   * counting twice the one dispatcher waiter a chunker group holds.
   */
  #waitingCalls(): number {
    const d = this.#dispatcher;
    const { entries, waiters } = this.#chunker.backlog();
    return d.queued - waiters + Math.max(0, entries - d.free);
  }

  /** Current statistics. */
  stats(): PoolStats {
    const d = this.#dispatcher;
    return {
      threads: Math.min(this.#threads, this.#piscina.threads.length),
      busy: d.busy,
      queued: this.#waitingCalls(),
      completed: d.completed,
      failed: d.failed,
      utilization: d.utilization,
      runTime: d.runTime.summary(),
      waitTime: d.waitTime.summary(),
      terminated: this.#terminated,
      abandonedTerminations: this.#abandoned,
    };
  }

  /**
   * Closes the pool. By default running and queued work finishes first; with
   * `force`, pending calls reject with PoolClosedError and threads end at once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (options.force) {
      const error = new PoolClosedError('The pool was closed with force');
      this.#dispatcher.close(error);
      this.#chunker.close(error);
      this.#streams.close();
      for (const c of this.#running) c.abort(error);
    }
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    while (this.#active > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#streams.close();
    await this.#chunker.drained();
    this.#dispatcher.close();
    const destroyed = this.#piscina.destroy().then(() => true);
    let cancel: (() => void) | undefined;
    const gaveUp = new Promise<false>((resolve) => {
      cancel = setTimer(() => resolve(false), this.#terminateTimeout, { unref: true });
    });
    const finished = await Promise.race([destroyed, gaveUp]);
    cancel?.();
    if (!finished) this.#abandoned++;
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a pool running the exported functions of `module` (a URL, a `file:`
 * URL string or a path) in worker threads.
 *
 * @example
 * ```ts
 * const pool = createPool<typeof import('../tasks.js')>(new URL('../tasks.js', import.meta.url));
 * const fib = pool.task('fib');
 * console.log(await fib(30));
 * await pool.close();
 * ```
 */
export function createPool<M = Record<string, (item: unknown) => unknown>>(
  module: URL | string,
  options: PoolOptions = {},
): Pool<M> {
  return new Pool<M>(module, options);
}

function moduleHref(module: URL | string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) {
    throw new TypeError(
      `createPool: module must be a URL, a file: URL string or a path, received ${typeof module === 'string' ? '""' : String(module)}`,
    );
  }
  if (module.startsWith('file:')) return new URL(module).href;
  return pathToFileURL(path.resolve(module)).href;
}

function isChunked(chunkSize: number | 'auto' | undefined): chunkSize is number | 'auto' {
  return chunkSize === 'auto' || (chunkSize !== undefined && chunkSize > 1);
}
