/**
 * One item's run: its attempts, retry backoff (holding no slot), per-attempt
 * timeouts, timing, default and error capture. The same engine serves a
 * main-thread function and a worker task handle; {@link ./drive.ts} drives
 * it over a whole input.
 */

import { attemptError, isStopRetrying } from '../../shared/failure.js';
import { untilAborted } from '../common/abort.js';
import { type Clock, realClock } from '../common/clock.js';
import { TaskTimeoutError } from '../common/errors.js';
import { type TaskTarget, targetOf } from '../common/target.js';
import type { CallGate } from '../concurrency/call-gate.js';
import type { ALCallOptions, Callable, CallContext, ItemFailedAttempt } from './options.js';
import { asTuple } from './shape.js';

/** The per-item rules of one call, resolved from its options. */
export interface ItemPlan {
  /** Attempts per item: `numRetries + 1`. */
  readonly attempts: number;
  readonly retryDelay: number;
  readonly backoffFactor: number;
  /** Per-attempt limit, ms. */
  readonly timeout: number | undefined;
  /** Present when `retryDefault` was given. */
  readonly fallback: { readonly value: unknown } | undefined;
  readonly timing: boolean;
  readonly returnExceptions: boolean;
  /** `ctx.kwargs` of main-thread functions. */
  readonly kwargs: CallContext['kwargs'];
  /** `kwargs` as given, for worker tasks. */
  readonly taskKwargs: object | undefined;
  readonly chunkSize: number | 'auto' | undefined;
  readonly onTaskProgress: ((index: number, value: unknown) => void) | undefined;
  readonly onFailedAttempt: ((failure: ItemFailedAttempt) => void | Promise<void>) | undefined;
  /** Retry budget per item, ms from its first attempt's start. */
  readonly maxRetryTime: number;
  readonly clock: Clock;
}

const noKwargs: CallContext['kwargs'] = Object.freeze({});

/** Resolves the per-item rules from (already validated) alcall options. */
export function planOf(options: ALCallOptions): ItemPlan {
  return {
    attempts: (options.numRetries ?? 0) + 1,
    retryDelay: options.retryDelay ?? 0,
    backoffFactor: options.backoffFactor ?? 1,
    timeout: options.retryTimeout,
    fallback: 'retryDefault' in options ? { value: options.retryDefault } : undefined,
    timing: options.retryTiming === true,
    returnExceptions: options.returnExceptions === true,
    kwargs: (options.kwargs as CallContext['kwargs'] | undefined) ?? noKwargs,
    taskKwargs: options.kwargs,
    chunkSize: options.chunkSize,
    onTaskProgress: options.onTaskProgress,
    onFailedAttempt: options.onFailedAttempt,
    maxRetryTime: options.maxRetryTime ?? Number.POSITIVE_INFINITY,
    clock: options.clock ?? realClock,
  };
}

/**
 * How an item ended. `ok: true` carries its result: its value, or, when its
 * attempts were exhausted (`failed: true`), `retryDefault` or (with
 * `returnExceptions`) its last Error, wrapped as `[result, ms]` with
 * `retryTiming`. `ok: false` is a failure for good that ends the call, or the
 * call's cancellation seen by the item.
 */
export type ItemResult =
  | {
      readonly ok: true;
      readonly index: number;
      readonly value: unknown;
      readonly failed: boolean;
    }
  | { readonly ok: false; readonly index: number; readonly error: unknown };

/** Runs items through their attempts for one call. */
export class ItemEngine {
  readonly #fn: Callable<unknown, unknown>;
  readonly #target: TaskTarget | undefined;
  readonly #plan: ItemPlan;
  readonly #gate: CallGate;
  readonly #signal: AbortSignal;
  readonly #onFailure: ((error: unknown) => void) | undefined;

  /**
   * @param fn a main-thread function or a worker task handle
   * @param signal the call's signal: aborting it cancels every attempt
   * @param onFailure called at once when an item fails for good (before its
   *   slot is given back, so the caller can cancel before anything new starts)
   */
  constructor(
    fn: Callable<never, unknown>,
    plan: ItemPlan,
    gate: CallGate,
    signal: AbortSignal,
    onFailure?: (error: unknown) => void,
  ) {
    this.#fn = fn as Callable<unknown, unknown>;
    this.#target = targetOf(fn);
    this.#plan = plan;
    this.#gate = gate;
    this.#signal = signal;
    this.#onFailure = onFailure;
  }

  /** The worker task behind the function, if it is a task handle. */
  get target(): TaskTarget | undefined {
    return this.#target;
  }

  /**
   * Runs one item to its end. Must be called holding a slot of the gate;
   * gives it back after each attempt and takes one again for each retry.
   * Never rejects.
   */
  run(item: unknown, index: number): Promise<ItemResult> {
    const element = awaitable(item);
    if (!Object.is(element, item)) return this.#afterElement(element as Promise<unknown>, index);
    return this.#run(item, index, undefined);
  }

  /**
   * Takes over an item whose first attempt was run elsewhere (by the
   * target, in bulk) and failed with `error`, while it held a slot of the
   * gate: counts that attempt, then goes on as {@link run} would. Never
   * rejects.
   */
  resume(item: unknown, index: number, error: unknown): Promise<ItemResult> {
    return this.#run(item, index, { error });
  }

  /** Awaits a promise element (holding the slot), then runs the item; a rejection fails it for good. */
  async #afterElement(element: Promise<unknown>, index: number): Promise<ItemResult> {
    const signal = this.#signal;
    let item: unknown;
    try {
      item = await untilAborted(element, signal);
    } catch (e) {
      // A rejected element is not read again: its item fails without retries.
      const error = attemptError(e);
      if (this.#lost(error, true)) return { ok: false, index, error: signal.reason };
      return this.#exhausted(index, error, undefined);
    }
    return this.#run(item, index, undefined);
  }

  async #run(
    item: unknown,
    index: number,
    first: { readonly error: unknown } | undefined,
  ): Promise<ItemResult> {
    const plan = this.#plan;
    const clock = plan.clock;
    const signal = this.#signal;
    const attempts = this.#target?.ownsRetries ? 1 : plan.attempts;
    let started: number | undefined;
    const onStart = plan.timing
      ? () => {
          started ??= clock.now();
        }
      : undefined;
    let error: unknown;
    let budgetFrom: number | undefined;
    for (let attempt = 1; ; attempt++) {
      let thrown: unknown;
      if (first && attempt === 1) thrown = first.error;
      else {
        try {
          const wait = this.#gate.pace(signal);
          if (wait) await wait;
          if (signal.aborted) throw signal.reason;
          if (onStart && !this.#target) onStart();
          if (budgetFrom === undefined && plan.maxRetryTime !== Number.POSITIVE_INFINITY) {
            budgetFrom = clock.now();
          }
          const running = this.#attempt(item, index, attempt, onStart);
          const value = isThenable(running) ? await running : running;
          this.#gate.release();
          return {
            ok: true,
            index,
            value: plan.timing ? timed(value, started, clock) : value,
            failed: false,
          };
        } catch (e) {
          thrown = e;
        }
      }
      const next = await this.#afterFailure(thrown, index, attempt, attempts, budgetFrom);
      if (!next) return { ok: false, index, error: signal.reason };
      error = next.error;
      if (next.delay === undefined) break;
      try {
        await clock.sleep(next.delay, signal);
        await this.#gate.acquire(signal);
      } catch {
        return { ok: false, index, error: signal.reason };
      }
    }
    return this.#exhausted(index, error, started);
  }

  /**
   * After a failed attempt (holding its slot): `onFailedAttempt`, then the
   * decision. Resolves the item's error and the delay before its next
   * attempt (`undefined`: it was the last), or `undefined` when the call was
   * cancelled. A failure for good is reported before the slot is given back,
   * synchronously unless the hook is awaited.
   */
  async #afterFailure(
    thrown: unknown,
    index: number,
    attempt: number,
    attempts: number,
    budgetFrom: number | undefined,
  ): Promise<{ readonly error: unknown; readonly delay: number | undefined } | undefined> {
    const plan = this.#plan;
    if (this.#signal.aborted) {
      this.#gate.release();
      return undefined;
    }
    let error = attemptError(thrown);
    let last = attempt >= attempts || isStopRetrying(thrown);
    if (!isStopRetrying(thrown) && plan.onFailedAttempt) {
      try {
        await plan.onFailedAttempt({ error, index, attempt, retriesLeft: attempts - attempt });
      } catch (hookError) {
        error = attemptError(hookError);
        last = true;
      }
    }
    const delay = last ? 0 : plan.retryDelay * plan.backoffFactor ** (attempt - 1);
    if (!last && budgetFrom !== undefined) {
      last = plan.clock.now() + delay - budgetFrom > plan.maxRetryTime;
    }
    if (this.#lost(error, last)) return undefined;
    return { error, delay: last ? undefined : delay };
  }

  /** The end of an item whose attempts are over: its default, its Error, or its failure. */
  #exhausted(index: number, error: unknown, started: number | undefined): ItemResult {
    const plan = this.#plan;
    if (!plan.fallback && !plan.returnExceptions) return { ok: false, index, error };
    const value = plan.fallback ? plan.fallback.value : error;
    return {
      ok: true,
      index,
      value: plan.timing ? timed(value, started, plan.clock) : value,
      failed: true,
    };
  }

  /**
   * After a failed attempt: reports a failure for good at once (before the
   * slot is given back), gives the slot back, and tells whether the call was
   * cancelled meanwhile.
   */
  #lost(error: unknown, last: boolean): boolean {
    const plan = this.#plan;
    const signal = this.#signal;
    if (last && !plan.fallback && !plan.returnExceptions && !signal.aborted) {
      this.#onFailure?.(error);
    }
    this.#gate.release();
    return signal.aborted;
  }

  #attempt(
    item: unknown,
    index: number,
    attempt: number,
    onStart: (() => void) | undefined,
  ): unknown {
    const plan = this.#plan;
    const target = this.#target;
    if (target) {
      return target.run({
        item,
        index,
        attempt,
        kwargs: plan.taskKwargs,
        signal: this.#signal,
        timeout: plan.timeout,
        onProgress: plan.onTaskProgress,
        onStart,
        chunkSize: plan.chunkSize,
        retry: target.ownsRetries
          ? { attempts: plan.attempts, delay: plan.retryDelay, backoffFactor: plan.backoffFactor }
          : undefined,
      });
    }
    if (plan.timeout === undefined) {
      return this.#fn(item, { index, attempt, signal: this.#signal, kwargs: plan.kwargs });
    }
    return this.#timed(item, index, attempt, plan.timeout);
  }

  /** A main-thread attempt with a deadline: its signal aborts and it rejects at the deadline. */
  async #timed(item: unknown, index: number, attempt: number, timeout: number): Promise<unknown> {
    const outer = this.#signal;
    const controller = new AbortController();
    const forward = () => controller.abort(outer.reason);
    outer.addEventListener('abort', forward, { once: true });
    const timer = new AbortController();
    try {
      const ctx: CallContext = {
        index,
        attempt,
        signal: controller.signal,
        kwargs: this.#plan.kwargs,
      };
      const running = this.#fn(item, ctx);
      if (!isThenable(running)) return running;
      const expired = this.#plan.clock.sleep(timeout, timer.signal).then(() => {
        const error = new TaskTimeoutError(timeout);
        controller.abort(error);
        throw error;
      });
      return await Promise.race([running, expired]);
    } finally {
      timer.abort();
      outer.removeEventListener('abort', forward);
    }
  }
}

function timed(value: unknown, started: number | undefined, clock: Clock): readonly unknown[] {
  const now = clock.now();
  return asTuple([value, now - (started ?? now)]);
}

/**
 * An input element as the attempts see it: `value` itself, or, for a
 * thenable, a promise of what it settles to. Its `then` is read once; a
 * `then` getter that throws gives a rejected promise (the item fails, not the
 * process). A native promise in an array is marked handled by the caller, so
 * one that rejects before its turn is no unhandled rejection.
 */
export function awaitable(value: unknown): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (error) {
    return Promise.reject(error);
  }
  if (typeof then !== 'function') return value;
  return new Promise((resolve, reject) => {
    (then as (onFulfilled: (v: unknown) => void, onRejected: (e: unknown) => void) => void).call(
      value,
      resolve,
      reject,
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Partial<PromiseLike<unknown>>).then === 'function'
  );
}
