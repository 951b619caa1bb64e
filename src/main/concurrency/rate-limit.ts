/**
 * rateLimit: a token bucket in front of a function or a worker task handle.
 */
import { type Clock, realClock } from '../common/clock.js';
import { checkOptions, checkValue } from '../common/validate.js';
import { FifoGate, type Gated, gated } from './gated.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Calls per second, sustained (finite, > 0). */
  rateLimit: number;
  /**
   * The most calls that may start at once after a quiet spell: the bucket's
   * size (an integer >= 1). The bucket starts full.
   * @default one second's worth: `Math.max(1, Math.floor(rateLimit))`
   */
  maxBurst?: number;
  /**
   * The clock that refills the bucket (inject a `ManualClock` in tests).
   * @default realClock
   */
  clock?: Clock;
}

/** Tokens within this of a whole one count as whole (float drift in refills). */
const EPSILON = 1e-9;

/**
 * A token bucket: `rate` tokens per second flow in up to `size`; each call
 * takes one, waiting in FIFO order while the bucket is empty.
 */
export class TokenBucket {
  readonly #gate: FifoGate;
  readonly #rate: number;
  readonly #size: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(rate: number, size: number, clock: Clock = realClock) {
    checkValue('TokenBucket', 'rate', rate, 'positive');
    checkValue('TokenBucket', 'size', size, 'size1');
    this.#rate = rate;
    this.#size = size;
    this.#clock = clock;
    this.#tokens = size;
    this.#at = clock.now();
    this.#gate = new FifoGate(clock, {
      wait: () => {
        const short = 1 - this.tokens;
        return short <= EPSILON ? 0 : (short * 1000) / this.#rate;
      },
      take: () => {
        this.#tokens = Math.max(0, this.tokens - 1);
      },
    });
  }

  /** Tokens in the bucket now (fractional while refilling). */
  get tokens(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#size, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    this.#at = now;
    return this.#tokens;
  }

  /** Waits for a token; rejects with the signal's reason when it aborts first. */
  readonly acquire = (signal: AbortSignal | undefined): Promise<() => void> =>
    this.#gate.acquire(signal);
}

/**
 * Limits the rate of calls with a token bucket: `rateLimit` calls per second
 * sustained, bursts of up to `maxBurst` at once (the older AsyncUtils
 * `throttle`). Calls wait in FIFO order; on a worker task handle they wait
 * before entering the pool's queue. Zero, negative or NaN values throw a
 * RangeError naming the option.
 *
 * @example
 * ```ts
 * const call = rateLimit({ rateLimit: 2, maxBurst: 5 })(apiCall);
 * await Promise.all(endpoints.map((e) => call(e))); // 5 at once, then 2 per second
 * ```
 */
export function rateLimit(
  options: RateLimitOptions,
): <A extends unknown[], R>(fn: (...args: A) => R) => Gated<A, R> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `rateLimit: expected an options object like { rateLimit: 10 }, received ${String(options)}`,
    );
  }
  checkOptions('rateLimit', options, { rateLimit: 'positive', maxBurst: 'size1', clock: 'object' });
  if (options.rateLimit === undefined) {
    throw new TypeError('rateLimit: option "rateLimit" (calls per second) is required');
  }
  const rate = options.rateLimit;
  const size = options.maxBurst ?? Math.max(1, Math.floor(rate));
  return (fn) => {
    const bucket = new TokenBucket(rate, size, options.clock);
    return gated(fn, bucket.acquire);
  };
}
