/**
 * maxConcurrent: a FIFO semaphore in front of a function or a worker task
 * handle. Throttling and rate limiting live in throttle.ts and rate-limit.ts.
 */

import { realClock } from '../common/clock.js';
import { TaskAbortedError } from '../common/errors.js';
import { checkValue } from '../common/validate.js';
import { CallGate } from './call-gate.js';
import { type Gated, gated } from './gated.js';

/**
 * A FIFO counting semaphore: at most `limit` holders at once; waiters are
 * served in arrival order. (The same admission a call's concurrency uses.)
 */
export class Semaphore {
  readonly #gate: CallGate;
  #limit: number;

  /** @param limit an integer >= 1, or Infinity. */
  constructor(limit: number) {
    checkValue('Semaphore', 'limit', limit, 'count1');
    this.#limit = limit;
    this.#gate = new CallGate({ limit: () => this.#limit, period: 0, clock: realClock });
  }

  /**
   * The most holders at once. Setting it (an integer >= 1 or Infinity, else a
   * RangeError) applies at once: a higher limit lets waiters in, a lower one
   * lets holders finish and admits no one until they are under it.
   */
  get limit(): number {
    return this.#limit;
  }

  set limit(limit: number) {
    checkValue('Semaphore', 'limit', limit, 'count1');
    this.#limit = limit;
    this.#gate.admit();
  }

  /** Holders now. */
  get held(): number {
    return this.#gate.active;
  }

  /** Callers waiting for a permit. */
  get pending(): number {
    return this.#gate.waiting;
  }

  /** Rejects every waiting caller with `reason`; holders keep their permits. */
  clear(reason: unknown = new TaskAbortedError(undefined, 'The queue was cleared')): void {
    this.#gate.clear(reason);
  }

  /**
   * Waits for a permit; resolves with its (idempotent) release. Rejects with
   * the signal's reason when the signal aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw signal.reason;
    await this.#gate.acquire(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#gate.release();
    };
  }
}

/** Live counts and control of a {@link maxConcurrent} wrapper (p-limit's `limit` properties). */
export interface LimitControl {
  /** Calls running now (holding a permit). */
  readonly activeCount: number;
  /** Calls waiting for a permit (for a task handle: not yet in the pool's queue). */
  readonly pendingCount: number;
  /**
   * The limit. Setting it (an integer >= 1 or Infinity, else a RangeError)
   * applies at once: raising it starts waiting calls; lowering it lets
   * running calls finish.
   */
  concurrency: number;
  /**
   * Rejects every waiting call with a `TaskAbortedError` (code
   * 'ERR_TASK_ABORTED'); running calls go on. (p-limit leaves them pending
   * forever; here every call ends.)
   */
  clearQueue(): void;
}

/** A function wrapped by {@link maxConcurrent}: async, with its live counts and control. */
export type Limited<A extends unknown[], R> = Gated<A, R> & LimitControl;

/**
 * Limits how many calls of the wrapped function are in flight at once; the
 * others wait in FIFO order. The wrapper tells `activeCount` and
 * `pendingCount`, takes a new `concurrency` at run time and has
 * `clearQueue()`, as a p-limit `limit` does. Works on worker task handles too: the wrapper is
 * then itself a task handle, calls wait for a permit before they enter the
 * pool's queue, and a per-attempt timeout still counts from when a worker
 * takes the call. Waiting stops when the current scope is cancelled.
 *
 * @param limit an integer >= 1, or Infinity; otherwise throws a RangeError.
 * @example
 * ```ts
 * const fetchLimited = maxConcurrent(3)(fetchUser);
 * await Promise.all(ids.map((id) => fetchLimited(id))); // 3 at a time
 * const fib = maxConcurrent(2)(pool.task('fib'));        // 2 workers at most
 * ```
 */
export function maxConcurrent(
  limit: number,
): <A extends unknown[], R>(fn: (...args: A) => R) => Limited<A, R> {
  checkValue('maxConcurrent', 'limit', limit, 'count1');
  return <A extends unknown[], R>(fn: (...args: A) => R) => {
    const semaphore = new Semaphore(limit);
    const wrapper = gated(
      fn,
      (signal) => semaphore.acquire(signal),
      (inner) => Math.min(inner, semaphore.limit),
    );
    return Object.defineProperties(wrapper, {
      activeCount: { get: () => semaphore.held },
      pendingCount: { get: () => semaphore.pending },
      concurrency: {
        get: () => semaphore.limit,
        set: (value: number) => {
          checkValue('maxConcurrent', 'concurrency', value, 'count1');
          semaphore.limit = value;
        },
      },
      clearQueue: { value: () => semaphore.clear() },
    }) as Limited<A, R>;
  };
}
