/**
 * Throttle: call starts at least `periodMs` apart, callers served in order.
 */
import { type Clock, realClock } from '../common/clock.js';
import { effectiveSignal } from '../common/context.js';
import { checkOptions, checkValue } from '../common/validate.js';
import { FifoGate, type Gated, gated } from './gated.js';

/** Options of {@link Throttle} and {@link throttle}. */
export interface ThrottleOptions {
  /**
   * The clock that spaces the starts (inject a `ManualClock` in tests).
   * @default realClock
   */
  clock?: Clock;
}

/**
 * Spaces the starts of calls at least `periodMs` apart. One Throttle is
 * shared by every function it wraps: they take turns from the same queue.
 * The first call starts at once; later callers wait in FIFO order. A
 * synchronous function becomes async.
 *
 * On a worker task handle the turn is waited before the call enters the
 * pool's queue, so a call waiting for its turn never holds a worker slot; the
 * wrapper is itself a task handle.
 *
 * @example
 * ```ts
 * const throttle = new Throttle(1000);
 * const search = throttle.wrap(api.search);
 * const lookup = throttle.wrap(api.lookup);       // shares the 1 s spacing
 * await throttle.call(api.ping, 'host');
 * ```
 */
export class Throttle {
  readonly #period: number;
  readonly #gate: FifoGate;
  #last = Number.NEGATIVE_INFINITY;

  /**
   * @param periodMs the least time between two starts, ms (finite, >= 0;
   * otherwise throws a RangeError).
   */
  constructor(periodMs: number, options: ThrottleOptions = {}) {
    checkValue('Throttle', 'periodMs', periodMs, 'duration');
    checkOptions('Throttle', options, { clock: 'object' });
    const clock = options.clock ?? realClock;
    this.#period = periodMs;
    this.#gate = new FifoGate(clock, {
      wait: () => this.#last + this.#period - clock.now(),
      take: () => {
        this.#last = clock.now();
      },
    });
  }

  /** The least time between two starts, ms. */
  get period(): number {
    return this.#period;
  }

  /** Callers waiting for their turn. */
  get waiting(): number {
    return this.#gate.waiting;
  }

  /**
   * Waits for the next turn (the moment a call may start). Rejects with the
   * signal's reason, or the current scope's, when it aborts first.
   */
  async turn(signal?: AbortSignal): Promise<void> {
    await this.#gate.acquire(effectiveSignal(signal));
  }

  /** Wraps `fn` so that each call first waits for its turn. */
  wrap<A extends unknown[], R>(fn: (...args: A) => R): Gated<A, R> {
    return gated(fn, this.#gate.acquire);
  }

  /** Calls `fn(...args)` when its turn comes. */
  async call<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    await this.turn();
    return await fn(...args);
  }
}

/**
 * Decorator form of {@link Throttle}: each wrapped function gets its own
 * Throttle, so its calls start at least `periodMs` apart.
 *
 * @example
 * ```ts
 * const apiCall = throttle(1000)(async (id: number) => fetchItem(id));
 * for (const id of ids) await apiCall(id); // at most one start per second
 * ```
 */
export function throttle(
  periodMs: number,
  options: ThrottleOptions = {},
): <A extends unknown[], R>(fn: (...args: A) => R) => Gated<A, R> {
  checkValue('throttle', 'periodMs', periodMs, 'duration');
  checkOptions('throttle', options, { clock: 'object' });
  return (fn) => new Throttle(periodMs, options).wrap(fn);
}
