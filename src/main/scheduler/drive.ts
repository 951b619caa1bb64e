/**
 * The run over a whole input: a lazy cursor feeds items to the
 * {@link ItemEngine} while a slot is free, so at most `concurrency` calls are
 * in flight and no promise exists for an item that has not started. alcall,
 * bcall and imap are built on {@link runItems}.
 */

import { AsyncResource } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { noop } from '../common/abort.js';
import type { Clock } from '../common/clock.js';
import { effectiveSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import { type BulkRequest, type BulkSink, type TaskTarget, targetOf } from '../common/target.js';
import { CallGate } from '../concurrency/call-gate.js';
import { awaitable, ItemEngine, type ItemResult, planOf } from './item.js';
import type { ALCallOptions, Callable, Progress } from './options.js';

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
  if (
    target?.runMany &&
    !target.ownsRetries &&
    !plan.timing &&
    plan.maxRetryTime === Number.POSITIVE_INFINITY &&
    (options.throttlePeriod ?? 0) <= 0
  ) {
    run.bulk(target, {
      kwargs: plan.taskKwargs,
      signal: controller.signal,
      timeout: plan.timeout,
      onProgress: plan.onTaskProgress,
      chunkSize: plan.chunkSize ?? 1,
    });
  }
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

const arrayValues = Array.prototype[Symbol.iterator];

/** An array whose iteration is the built-in one. */
function isPlainArray(source: unknown): source is readonly unknown[] {
  return Array.isArray(source) && source[Symbol.iterator] === arrayValues;
}

/**
 * Marks each promise element of `array` as handled: one that rejects before
 * its turn is then no unhandled rejection (its item fails when its turn
 * comes). A function of its own, so that this one pass over a large input
 * runs optimised, not in the async function's interpreter frame.
 */
function handleEarlyRejections(array: readonly unknown[]): void {
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    if (typeof value === 'object' && value instanceof Promise) value.catch(noop);
  }
}

/**
 * First attempts waiting to be handed to a target in one batch: the first
 * `count` items of `items`, of indices `first` on. The array is kept from
 * batch to batch and written over, never emptied, so it grows only to the
 * largest batch (whose items it holds until they are written over); each
 * item is read from the input once, as its iterator would read it.
 */
interface Batch {
  readonly target: TaskTarget;
  readonly request: BulkRequest;
  readonly items: unknown[];
  count: number;
  first: number;
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
  #engine: ItemEngine | undefined;
  readonly #resume: (item: unknown, index: number, error: unknown) => void;
  #batch: Batch | undefined;
  /** An array input read in bulk by {@link #feed}. */
  #array: readonly unknown[] | undefined;
  /** The length of an array input, read by position. */
  #length: number | undefined;
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
    // Bulk outcomes arrive in the context of whichever call's chunk carried
    // them: callbacks into user code and retries run in this call's context.
    this.#onProgress = onProgress && AsyncResource.bind(onProgress);
    this.#resume = AsyncResource.bind((item: unknown, index: number, error: unknown) => {
      this.#engine?.resume(item, index, error).then(this.#settle, this.#error);
    });
    this.#clock = clock;
    this.#total = total;
    this.#startedAt = clock.now();
  }

  /**
   * Hands first attempts to `target` in batches ({@link TaskTarget.runMany}):
   * successes are recorded here with no promise per item; an item whose
   * first attempt failed goes on through the engine (retries, default,
   * errors) exactly as if the engine had run that attempt.
   */
  bulk(target: TaskTarget, request: BulkRequest): void {
    const unread = () => this.#unread();
    this.#batch = { target, request: { ...request, unread }, items: [], count: 0, first: 0 };
  }

  /**
   * Items of the input not read yet: none once the input is exhausted or the
   * run has ended; `Infinity` before that for an input of unknown length.
   */
  #unread(): number {
    if (this.#finished || this.#exhausted) return 0;
    return this.#length === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, this.#length - this.#read);
  }

  start(
    engine: ItemEngine,
    source: Iterable<unknown> | AsyncIterable<unknown>,
    initialDelay: number,
  ): Promise<number> {
    this.#engine = engine;
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
    // An array is read by position (as its own iterator would read it), with
    // no iterator result object per item.
    const array = isPlainArray(source) ? source : undefined;
    if (array) {
      handleEarlyRejections(array);
      this.#length = array.length;
    }
    let position = 0;
    const iterator = array
      ? undefined
      : Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
    try {
      if (initialDelay > 0) await this.#clock.sleep(initialDelay, signal);
      const sink = this.#sink;
      const gate = this.#gate;
      const batch = this.#batch;
      // An array read in batches is fed synchronously (see #feed).
      if (array !== undefined && batch !== undefined && !sink.beforeRead) {
        this.#array = array;
        this.#feed(0);
        return;
      }
      let credit = 0;
      for (;;) {
        if (this.#finished) {
          gate.releaseMany(credit);
          return;
        }
        const wait = sink.beforeRead?.();
        if (wait) {
          if (batch) this.#flush(batch);
          await wait;
        }
        if (credit === 0) {
          credit = gate.tryAcquire() ? 1 : 0;
          if (credit === 0) {
            if (batch) this.#flush(batch);
            await gate.acquire(signal);
            credit = 1;
          }
        }
        if (this.#finished) {
          gate.releaseMany(credit);
          return;
        }
        credit--;
        let value: unknown;
        if (array) {
          if (position >= array.length) {
            gate.releaseMany(credit + 1);
            break;
          }
          value = array[position++];
        } else {
          let step = iterator!.next();
          if (step instanceof Promise) {
            if (batch) this.#flush(batch);
            step = await step;
          }
          if (this.#finished || (step as IteratorResult<unknown>).done) {
            gate.release();
            break;
          }
          value = (step as IteratorResult<unknown>).value;
        }
        this.#running++;
        const index = this.#read++;
        if (!batch) {
          engine.run(value, index).then(this.#settle, this.#error);
          continue;
        }
        this.#enqueue(batch, value, index);
      }
    } finally {
      if (this.#finished) await iterator?.return?.();
    }
    if (this.#batch) this.#flush(this.#batch);
    this.#exhausted = true;
    this.#total = this.#read;
    if (this.#running === 0) this.#finish(true);
  }

  /**
   * Reads an array input in bulk, synchronously: as many items as the gate
   * has free slots (one look at the limit for all of them) go to the target
   * as one batch. When none is free, the gate calls back (holding one slot)
   * inside the release that frees one. With one call per item this goes on
   * at once, so the next item is on its way to a worker before the finished
   * item's continuation runs; chunks go on a microtask later, once the
   * report that freed the slot has freed all of its slots, and go out as one
   * batch. An element that throws as it is read (a Proxy) fails the call,
   * as the loop of {@link #pump} would.
   */
  #feed(credit: number): void {
    const array = this.#array!;
    const batch = this.#batch!;
    const gate = this.#gate;
    try {
      for (;;) {
        if (this.#finished) {
          gate.releaseMany(credit);
          return;
        }
        const left = array.length - this.#read;
        if (credit === 0) {
          if (left <= 0) break;
          credit = gate.tryAcquireMany(left);
          if (credit === 0) {
            this.#flush(batch);
            gate.whenFree(batch.request.chunkSize === 1 ? this.#refeed : this.#refeedSoon);
            return;
          }
        }
        if (left <= 0) {
          gate.releaseMany(credit);
          break;
        }
        credit--;
        const value = array[this.#read];
        this.#running++;
        this.#enqueue(batch, value, this.#read++);
      }
      this.#flush(batch);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.#exhausted = true;
    this.#total = this.#read;
    if (this.#running === 0) this.#finish(true);
  }

  /**
   * Queues the first attempt of `value` in `batch`. A thenable element is
   * awaited by the engine before its first attempt; the batch before it goes
   * first, so a batch's indices follow one another.
   */
  #enqueue(batch: Batch, value: unknown, index: number): void {
    const element = awaitable(value);
    if (Object.is(element, value)) {
      if (batch.count === 0) batch.first = index;
      batch.items[batch.count++] = value;
    } else {
      this.#flush(batch);
      this.#engine!.run(element, index).then(this.#settle, this.#error);
    }
  }

  /** The gate calls it inside whichever call's release freed the slot: it runs in this call's context. */
  readonly #refeed = AsyncResource.bind((): void => this.#feed(1));

  readonly #refeedSoon = (): void => queueMicrotask(this.#refeed);

  #flush(batch: Batch): void {
    const { count } = batch;
    if (count === 0) return;
    batch.count = 0;
    batch.target.runMany?.(batch.request, batch.items, count, batch.first, this.#bulkSink);
  }

  /** Outcomes of first attempts run in bulk; each item held a slot of the gate. */
  readonly #bulkSink: BulkSink = {
    succeed: (index, value) => {
      this.#gate.release();
      this.#running--;
      if (this.#finished) return;
      this.#done++;
      try {
        this.#sink.onResult(index, value);
        this.#progress();
      } catch (error) {
        this.fail(error);
        return;
      }
      if (this.#exhausted && this.#running === 0) this.#finish(true);
    },
    fail: (index, item, error) => {
      // As if the engine had awaited the attempt: it goes on a microtask later.
      queueMicrotask(() => this.#resume(item, index, error));
    },
  };

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
    this.#progress();
    if (this.#exhausted && this.#running === 0) this.#finish(true);
  }

  #progress(): void {
    this.#onProgress?.({
      done: this.#done,
      failed: this.#failed,
      running: this.#running,
      total: this.#total,
      elapsedMs: this.#clock.now() - this.#startedAt,
    });
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
