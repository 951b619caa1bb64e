/**
 * Retry policy as data, the delay it gives before each retry, and `retry()`:
 * the older AsyncUtils retry, shaped like p-retry.
 */

import { attemptError, isStopRetrying } from '../../shared/failure.js';
import { invoke, untilAborted } from '../common/abort.js';
import { type Clock, realClock } from '../common/clock.js';
import { effectiveSignal } from '../common/context.js';
import { checkOptions, show } from '../common/validate.js';

/** How long to wait before each retry, as plain data. */
export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  readonly delay: number;
  /** Each further retry waits this many times longer. @default 1 */
  readonly backoffFactor?: number;
  /** No delay exceeds this, ms. @default Infinity */
  readonly maxDelay?: number;
  /**
   * Randomises each delay downwards: `true` (full jitter) draws it uniformly
   * from [0, d]; a fraction j in [0, 1] draws it from [d × (1 − j), d].
   * Jitter never makes a delay longer than `maxDelay`.
   * @default false
   */
  readonly jitter?: boolean | number;
}

/**
 * The delay before retry `k` (k = 1, 2, ...) under `policy`:
 * `min(maxDelay, delay × backoffFactor ** (k − 1))`, then jittered.
 *
 * @param random a source of numbers in [0, 1) (inject one in tests).
 * @example
 * ```ts
 * nextDelay({ delay: 100, backoffFactor: 2, maxDelay: 1000 }, 3); // 400
 * ```
 */
export function nextDelay(
  policy: BackoffPolicy,
  k: number,
  random: () => number = Math.random,
): number {
  const { delay, backoffFactor = 1, maxDelay = Number.POSITIVE_INFINITY, jitter = false } = policy;
  const base = Math.min(maxDelay, delay * backoffFactor ** Math.max(0, k - 1));
  const spread = jitter === true ? 1 : jitter === false ? 0 : jitter;
  return spread === 0 ? base : base * (1 - spread * random());
}

/** What `retry` hands the function on each attempt. */
export interface RetryContext {
  /** From 1. */
  readonly attempt: number;
  /** Aborts when the retry is cancelled (its signal or the current scope). */
  readonly signal: AbortSignal | undefined;
}

/** What `onFailedAttempt` is told of a failed attempt. */
export interface FailedAttempt {
  /** The attempt's error (a thrown non-Error value arrives as a TypeError, the value as `cause`). */
  readonly error: Error;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Attempts still allowed by `retries` (`Infinity` when retrying forever). */
  readonly retriesLeft: number;
}

/** Options of {@link retry}. Durations in ms. */
export interface RetryOptions {
  /** Retries after the first attempt: attempts = retries + 1; `Infinity` retries until success. @default 3 */
  retries?: number;
  /** Delay before the first retry, ms. @default 1000 */
  delay?: number;
  /** Each further retry waits this many times longer. @default 2 */
  backoffFactor?: number;
  /** No delay exceeds this, ms. @default Infinity */
  maxDelay?: number;
  /** See {@link BackoffPolicy.jitter}. @default false */
  jitter?: boolean | number;
  /**
   * Decides whether an error is retried (the Python `exceptions` tuple);
   * an error it refuses rejects at once.
   * @default every error is retried
   */
  retryIf?: (error: unknown) => boolean | Promise<boolean>;
  /** Cancels: the call rejects with `signal.reason` and stops waiting. */
  signal?: AbortSignal;
  /** Told of each failed attempt that will be retried, before the delay; awaited. */
  onRetry?: (error: unknown, attempt: number, delay: number) => void | Promise<void>;
  /**
   * Told of every failed attempt (the last one too), before `retryIf` and
   * `maxRetryTime` decide (p-retry's hook order); awaited. When it throws,
   * retrying stops and the call rejects with its error. Not told of a
   * `StopRetrying` or a cancellation.
   * @default (none)
   */
  onFailedAttempt?: (failure: FailedAttempt) => void | Promise<void>;
  /**
   * Time budget for retrying, ms, counted from the first attempt's start:
   * no retry starts after it (a retry whose delay would end past it is not
   * made, and the call rejects with the last error). Attempts already
   * running are not cut short (that is a timeout's job).
   * @default Infinity
   */
  maxRetryTime?: number;
  /** Delay timers do not keep the process alive (Node's `timeout.unref()`). @default false */
  unref?: boolean;
  /** @default realClock */
  clock?: Clock;
}

const schema = {
  retries: 'count',
  delay: 'duration',
  backoffFactor: 'any',
  maxDelay: 'any',
  jitter: 'any',
  retryIf: 'function',
  signal: 'signal',
  onRetry: 'function',
  onFailedAttempt: 'function',
  maxRetryTime: 'any',
  unref: 'boolean',
  clock: 'object',
} as const;

/**
 * Calls `fn` until it succeeds, at most `retries + 1` times, waiting
 * `delay × backoffFactor ** (k − 1)` (capped by `maxDelay`, optionally
 * jittered) before retry k. Rejects with the last error, at once with an
 * error `retryIf` refuses or a {@link StopRetrying}'s error, when
 * `maxRetryTime` is spent, and with `signal.reason` when cancelled (also
 * while an attempt or a delay is in progress). A thrown value that is not an
 * Error is retried like any failure and surfaces as a TypeError naming it.
 * Bad options reject with a TypeError or RangeError.
 *
 * @example
 * ```ts
 * const user = await retry(({ signal }) => fetchUser(id, { signal }), {
 *   retries: 3, delay: 500, retryIf: (e) => e instanceof NetworkError,
 * });
 * ```
 */
export async function retry<R>(
  fn: (ctx: RetryContext) => R | PromiseLike<R>,
  options: RetryOptions = {},
): Promise<R> {
  checkRetryOptions(fn, options);
  const {
    retries = 3,
    delay = 1000,
    backoffFactor = 2,
    maxDelay = Number.POSITIVE_INFINITY,
    jitter = false,
    retryIf,
    onRetry,
    onFailedAttempt,
    maxRetryTime = Number.POSITIVE_INFINITY,
    clock = realClock,
  } = options;
  const signal = effectiveSignal(options.signal);
  const policy: BackoffPolicy = { delay, backoffFactor, maxDelay, jitter };
  const sleep = options.unref ? { unref: true } : undefined;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await untilAborted(
        invoke(() => fn({ attempt, signal })),
        signal,
      );
    } catch (thrown) {
      if (signal?.aborted) throw signal.reason;
      const error = attemptError(thrown);
      if (isStopRetrying(thrown)) throw error;
      if (onFailedAttempt) {
        await onFailedAttempt({ error, attempt, retriesLeft: retries - attempt + 1 });
        if (signal?.aborted) throw signal.reason;
      }
      if (attempt > retries) throw error;
      if (retryIf && !(await retryIf(error))) throw error;
      const wait = nextDelay(policy, attempt);
      if (clock.now() + wait - started > maxRetryTime) throw error;
      await onRetry?.(error, attempt, wait);
      await clock.sleep(wait, signal, sleep);
    }
  }
}

function checkRetryOptions(fn: unknown, options: RetryOptions): void {
  if (typeof fn !== 'function') {
    throw new TypeError(`retry: fn must be a function, received ${show(fn)}`);
  }
  checkOptions('retry', options, schema);
  const { backoffFactor, maxDelay, jitter } = options;
  checkNumber(
    'maxRetryTime',
    options.maxRetryTime,
    (n) => n >= 0,
    'a number >= 0 (ms) or Infinity',
  );
  checkNumber(
    'backoffFactor',
    backoffFactor,
    (n) => Number.isFinite(n) && n >= 0,
    'a finite number >= 0',
  );
  checkNumber('maxDelay', maxDelay, (n) => n >= 0, 'a number >= 0 (ms) or Infinity');
  if (typeof jitter === 'boolean') return;
  checkNumber('jitter', jitter, (n) => n >= 0 && n <= 1, 'a boolean or a number from 0 to 1');
}

function checkNumber(
  name: string,
  value: unknown,
  ok: (n: number) => boolean,
  expected: string,
): void {
  if (value === undefined) return;
  const Err = typeof value === 'number' ? RangeError : TypeError;
  if (typeof value !== 'number' || !ok(value)) {
    throw new Err(`retry: option "${name}" must be ${expected}, received ${show(value)}`);
  }
}
