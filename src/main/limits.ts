/**
 * maxConcurrent: a FIFO semaphore in front of a function or a worker task
 * handle. Throttling and rate limiting live in throttle.ts and rate-limit.ts.
 */
import { type Gated, gated } from './gated.js';
import { checkValue } from './validate.js';

/**
 * A FIFO counting semaphore: at most `limit` holders at once; waiters are
 * served in arrival order.
 */
export class Semaphore {
  readonly #limit: number;
  #held = 0;
  #waiters: { grant: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];

  /** @param limit an integer >= 1, or Infinity. */
  constructor(limit: number) {
    checkValue('Semaphore', 'limit', limit, 'count1');
    this.#limit = limit;
  }

  /** The most holders at once. */
  get limit(): number {
    return this.#limit;
  }

  /** Holders now. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for a permit; resolves with its (idempotent) release. Rejects with
   * the signal's reason when the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#held < this.#limit && this.#waiters.length === 0) {
      return Promise.resolve(this.#take());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        signal,
        grant: () => resolve(this.#take()),
        onAbort: () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #take(): () => void {
    this.#held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      const next = this.#waiters.shift();
      if (next) {
        next.signal?.removeEventListener('abort', next.onAbort);
        next.grant();
      }
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
