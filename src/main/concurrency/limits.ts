/**
 * maxConcurrent: a FIFO semaphore in front of a function or a worker task
 * handle. Throttling and rate limiting live in throttle.ts and rate-limit.ts.
 */

import { realClock } from '../common/clock.js';
import { checkValue } from '../common/validate.js';
import { CallGate } from './call-gate.js';
import { type Gated, gated } from './gated.js';

/**
 * A FIFO counting semaphore: at most `limit` holders at once; waiters are
 * served in arrival order. (The same admission a call's concurrency uses.)
 */
export class Semaphore {
  readonly #gate: CallGate;

  /** @param limit an integer >= 1, or Infinity. */
  constructor(limit: number) {
    checkValue('Semaphore', 'limit', limit, 'count1');
    this.#gate = new CallGate({ limit, period: 0, clock: realClock });
  }

  /** The most holders at once. */
  get limit(): number {
    return this.#gate.limit;
  }

  /** Holders now. */
  get held(): number {
    return this.#gate.active;
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

/**
 * Limits how many calls of the wrapped function are in flight at once; the
 * others wait in FIFO order. Works on worker task handles too: the wrapper is
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
): <A extends unknown[], R>(fn: (...args: A) => R) => Gated<A, R> {
  checkValue('maxConcurrent', 'limit', limit, 'count1');
  return (fn) => {
    const semaphore = new Semaphore(limit);
    return gated(
      fn,
      (signal) => semaphore.acquire(signal),
      (inner) => Math.min(inner, limit),
    );
  };
}
