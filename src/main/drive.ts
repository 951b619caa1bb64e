/**
 * The run over a whole input: a lazy cursor feeds items to the
 * {@link ItemEngine} while a slot is free, so at most `concurrency` calls are
 * in flight and no promise exists for an item that has not started. alcall,
 * bcall and imap are built on {@link runItems}.
 */

import { setMaxListeners } from 'node:events';
import { CallGate } from './call-gate.js';
import type { Clock } from './clock.js';
import { effectiveSignal } from './context.js';
import { TaskAbortedError } from './errors.js';
import { ItemEngine, type ItemResult, planOf } from './item.js';
import type { ALCallOptions, Callable, Progress } from './params.js';
import { targetOf } from './target.js';

/** Where a run delivers its results. */
export interface RunSink {
  /**
   * Receives each item's result as it finishes (completion order): its
   * value, its `retryDefault`, or (with `returnExceptions`) its Error, in the
   * `[result, ms]` form with `retryTiming`.
   */
  onResult(index: number, value: unknown): void;
  /**
   * Called before each item is read from the source; a returned promise
   * holds the reading back until it settles (backpressure). Optional.
   */
  beforeRead?(): Promise<void> | undefined;
}

/** A run in progress. */
export interface RunHandle {
  /**
   * Resolves with the number of items once every item has finished; rejects
   * with the first failure for good, the source's error, or the cancel reason.
   */
  readonly done: Promise<number>;
  /** The run's signal: aborts when the run is cancelled or fails. */
  readonly signal: AbortSignal;
  /** Cancels the run: nothing new starts, attempts in flight are aborted. */
  cancel(reason?: unknown): void;
}

/**
 * Runs `fn` over `source` with (already validated) alcall options:
 * `initialDelay`, concurrency (`maxConcurrent`, and never more than a worker
 * task's capacity), `throttlePeriod`, retries, timeouts, `onProgress`, and
 * cancellation by `options.signal`, the current scope, a failure for good or
 * {@link RunHandle.cancel}. Items are read lazily; shaping of input and
 * output is the caller's.
 *
 * @param total the number of items when known (reported by `onProgress`)
 */
export function runItems(
  source: Iterable<unknown> | AsyncIterable<unknown>,
  fn: Callable<never, unknown>,
  options: ALCallOptions,
  sink: RunSink,
  total?: number,
): RunHandle {
  const controller = new AbortController();
  // Every attempt, backoff and slot wait of the run listens to this signal;
  // a wide call legitimately has many listeners at once.
  setMaxListeners(0, controller.signal);
  const outer = effectiveSignal(options.signal);
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const plan = planOf(options);
  const maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  const target = targetOf(fn);
  const limit = target
    ? () => Math.min(maxConcurrent, Math.max(1, target.capacity(plan.chunkSize)))
    : maxConcurrent;
  const gate = new CallGate({ limit, period: options.throttlePeriod ?? 0, clock: plan.clock });
  const run = new Run(gate, controller, sink, options.onProgress, plan.clock, total);
  const engine = new ItemEngine(fn, plan, gate, controller.signal, (error) => run.fail(error));
  const done = run.start(engine, source, options.initialDelay ?? 0);
  const cleanup = () => outer?.removeEventListener('abort', forward);
  done.then(cleanup, cleanup);
  return {
    done,
    signal: controller.signal,
    cancel: (reason?: unknown) => controller.abort(reason ?? new TaskAbortedError()),
  };
}

class Run {
  readonly #gate: CallGate;
  readonly #controller: AbortController;
  readonly #sink: RunSink;
  readonly #onProgress: ((progress: Progress) => void) | undefined;
  readonly #clock: Clock;
  readonly #startedAt: number;
  #total: number | undefined;
  #read = 0;
  #running = 0;
  #done = 0;
  #failed = 0;
  #exhausted = false;
  #finished = false;
  #failure: { error: unknown } | undefined;
  #resolve: (count: number) => void = () => {};
  #reject: (error: unknown) => void = () => {};

  constructor(
    gate: CallGate,
    controller: AbortController,
    sink: RunSink,
    onProgress: ((progress: Progress) => void) | undefined,
    clock: Clock,
    total: number | undefined,
  ) {
    this.#gate = gate;
    this.#controller = controller;
    this.#sink = sink;
    this.#onProgress = onProgress;
    this.#clock = clock;
    this.#total = total;
    this.#startedAt = clock.now();
  }

  start(
    engine: ItemEngine,
    source: Iterable<unknown> | AsyncIterable<unknown>,
    initialDelay: number,
  ): Promise<number> {
    const done = new Promise<number>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const signal = this.#controller.signal;
    const onAbort = () => this.#finish(false, this.#failure ? this.#failure.error : signal.reason);
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pump(engine, source, initialDelay).catch((error: unknown) => this.fail(error));
    }
    return done;
  }

  async #pump(
    engine: ItemEngine,
    source: Iterable<unknown> | AsyncIterable<unknown>,
    initialDelay: number,
  ) {
    const signal = this.#controller.signal;
    const iterator =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
    try {
      if (initialDelay > 0) await this.#clock.sleep(initialDelay, signal);
      const sink = this.#sink;
      const gate = this.#gate;
      for (;;) {
        if (this.#finished) return;
        const wait = sink.beforeRead?.();
        if (wait) await wait;
        if (!gate.tryAcquire()) await gate.acquire(signal);
        if (this.#finished) {
          gate.release();
          return;
        }
        let step = iterator.next();
        if (step instanceof Promise) step = await step;
        if (this.#finished || (step as IteratorResult<unknown>).done) {
          gate.release();
          break;
        }
        this.#running++;
        const index = this.#read++;
        engine.run((step as IteratorResult<unknown>).value, index).then(this.#settle, this.#error);
      }
    } finally {
      if (this.#finished) await iterator.return?.();
    }
    this.#exhausted = true;
    this.#total = this.#read;
    if (this.#running === 0) this.#finish(true);
  }

  readonly #error = (error: unknown): void => this.fail(error);

  readonly #settle = (result: ItemResult): void => {
    try {
      this.#settled(result);
    } catch (error) {
      this.fail(error);
    }
  };

  #settled(result: ItemResult): void {
    this.#running--;
    if (this.#finished) return;
    if (!result.ok) {
      this.fail(result.error);
      return;
    }
    if (result.failed) this.#failed++;
    else this.#done++;
    this.#sink.onResult(result.index, result.value);
    this.#onProgress?.({
      done: this.#done,
      failed: this.#failed,
      running: this.#running,
      total: this.#total,
      elapsedMs: this.#clock.now() - this.#startedAt,
    });
    if (this.#exhausted && this.#running === 0) this.#finish(true);
  }

  /** A failure for good: remember it, then cancel everything else. */
  fail(error: unknown): void {
    if (this.#finished || this.#controller.signal.aborted) return;
    this.#failure = { error };
    this.#controller.abort(new TaskAbortedError(error, 'Cancelled because another item failed'));
  }

  #finish(ok: boolean, error?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    if (ok) this.#resolve(this.#read);
    else this.#reject(error);
  }
}
