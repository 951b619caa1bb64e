/**
 * The options of alcall / bcall / imap and their validation: what the scheduler
 * accepts, checked before anything runs.
 */
import type { Clock } from '../common/clock.js';
import { checkOptions, checkValue, type OptionSchema, show } from '../common/validate.js';

/** What a main-thread function receives besides its item. */
export interface CallContext<K = Readonly<Record<string, unknown>>> {
  /** The item's index in the call's input (after input shaping). */
  readonly index: number;
  /** The attempt number, from 1. */
  readonly attempt: number;
  /** Aborts when this attempt times out or the call is cancelled. */
  readonly signal: AbortSignal;
  /** The call's `kwargs` (an empty object when none were given). */
  readonly kwargs: K;
}

/**
 * A function alcall can call: a main-thread function `(item, ctx) => R` (sync
 * or async), or a worker task handle from `pool.task(name)`.
 */
export type Callable<T, R> = (item: T, ctx: CallContext) => R | PromiseLike<R>;

/** Progress of a call, reported to `onProgress` as items finish. */
export interface Progress {
  /** Items that succeeded. */
  readonly done: number;
  /** Items whose attempts were exhausted (their result is `retryDefault` or their Error). */
  readonly failed: number;
  /** Items started and not finished (running or waiting out a retry backoff). */
  readonly running: number;
  /** Items in the input, when known (an array input); `undefined` for iterators. */
  readonly total: number | undefined;
  /** Time since the call started, ms. */
  readonly elapsedMs: number;
}

/** What `onFailedAttempt` is told of an item's failed attempt. */
export interface ItemFailedAttempt {
  /** The attempt's error (a thrown non-Error value arrives as a TypeError, the value as `cause`). */
  readonly error: Error;
  /** The item's index in the call's input. */
  readonly index: number;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Attempts still allowed by `numRetries` (`Infinity` when retrying forever). */
  readonly retriesLeft: number;
}

/** Options of {@link alcall} (and, with `batchSize`, of bcall). Durations are in ms. */
export interface ALCallOptions {
  /** Flatten nested arrays/iterables in the input and drop `null`/`undefined`. @default false */
  sanitizeInput?: boolean;
  /** Drop input items structurally equal to an earlier one. @default false */
  uniqueInput?: boolean;
  /**
   * Retries per item after its first attempt: attempts = numRetries + 1;
   * `Infinity` retries until success (bound it with `maxRetryTime` or a signal).
   * @default 0
   */
  numRetries?: number;
  /** Waited once, before the first call. @default 0 */
  initialDelay?: number;
  /** Delay before the first retry. @default 0 */
  retryDelay?: number;
  /** Delay before retry k is `retryDelay * backoffFactor ** (k - 1)`. @default 1 */
  backoffFactor?: number;
  /**
   * The result of an item whose attempts are exhausted. The key's presence
   * counts: `null` and `undefined` are valid defaults.
   * @default (none: the failure rejects the call)
   */
  retryDefault?: unknown;
  /**
   * Limit for one attempt, counted from when it starts running (for a worker
   * task: when a worker takes it). An attempt that runs over fails with
   * TaskTimeoutError; a worker running it is terminated.
   * @default (no limit)
   */
  retryTimeout?: number;
  /**
   * Retry budget per item, ms from its first attempt's start: no retry starts
   * after it (a retry whose delay would end past it is not made; the item
   * fails with its last error). Running attempts are not cut short.
   * @default Infinity
   */
  maxRetryTime?: number;
  /**
   * Told of every failed attempt of an item (its last too), before the retry
   * decision (p-retry's order); awaited while the attempt still holds its
   * slot. When it throws, the item's retries end with that error. Not told
   * of a `StopRetrying`, a rejected input element or a cancellation.
   * @default (none)
   */
  onFailedAttempt?: (failure: ItemFailedAttempt) => void | Promise<void>;
  /** Each result becomes `[result, durationMs]` (first start to end, retries included). @default false */
  retryTiming?: boolean;
  /** At most this many calls in flight; `Infinity` = unbounded. @default Infinity */
  maxConcurrent?: number;
  /** Successive call starts are at least this far apart; the first starts at once. @default 0 */
  throttlePeriod?: number;
  /** Flatten nested arrays/iterables in the results. @default false */
  flatten?: boolean;
  /** Drop `null` / `undefined` results. @default false */
  dropna?: boolean;
  /** Drop results structurally equal to an earlier one (first kept). @default false */
  uniqueOutput?: boolean;
  /** With `flatten` / `sanitizeInput`, flatten Sets and `retryTiming` pairs too. @default false */
  flattenTupleSet?: boolean;
  /** Handed to the function as `ctx.kwargs` (worker tasks: `defineTask` ctx). @default {} */
  kwargs?: object;
  /** An item that fails for good leaves its Error in its place instead of rejecting. @default false */
  returnExceptions?: boolean;
  /** Cancels the whole call; it rejects with `signal.reason`. @default (none) */
  signal?: AbortSignal;
  /** Called as items finish, with counts so far. @default (none) */
  onProgress?: (progress: Progress) => void;
  /** Receives `ctx.progress(value)` reports of `defineTask` worker tasks. @default (none) */
  onTaskProgress?: (index: number, value: unknown) => void;
  /** Items per worker message (worker tasks); `'auto'` chooses from measured times. @default 1 */
  chunkSize?: number | 'auto';
  /** The clock used for delays, throttling, main-thread timeouts and timing. @default realClock */
  clock?: Clock;
}

/** Options of bcall: the alcall options plus `batchSize`. */
export interface BCallOptions extends ALCallOptions {
  /** Items per batch (one alcall each); an integer >= 1. */
  batchSize: number;
}

/** The checks applied to every alcall option. */
export const alcallSchema: OptionSchema = {
  sanitizeInput: 'boolean',
  uniqueInput: 'boolean',
  numRetries: 'count',
  initialDelay: 'duration',
  retryDelay: 'duration',
  backoffFactor: 'duration',
  retryDefault: 'any',
  retryTimeout: 'duration',
  maxRetryTime: 'any',
  onFailedAttempt: 'function',
  retryTiming: 'boolean',
  maxConcurrent: 'count1',
  throttlePeriod: 'duration',
  flatten: 'boolean',
  dropna: 'boolean',
  uniqueOutput: 'boolean',
  flattenTupleSet: 'boolean',
  kwargs: 'object',
  returnExceptions: 'boolean',
  signal: 'signal',
  onProgress: 'function',
  onTaskProgress: 'function',
  chunkSize: 'any',
  clock: 'object',
};

const bcallSchema: OptionSchema = { ...alcallSchema, batchSize: 'size1' };

/**
 * Checks alcall options (TypeError for an unknown name or a wrong type,
 * RangeError for a number out of range); `extra` adds kinds for callers with
 * more options (imap's `ordered`, bcall's `batchSize`).
 */
export function checkALCallOptions(where: string, options: unknown, extra?: OptionSchema): void {
  checkOptions(where, options, extra ? { ...alcallSchema, ...extra } : alcallSchema);
  const budget = (options as ALCallOptions | undefined)?.maxRetryTime;
  if (budget !== undefined && budget !== Number.POSITIVE_INFINITY) {
    checkValue(where, 'maxRetryTime', budget, 'duration');
  }
  const chunkSize = (options as ALCallOptions | undefined)?.chunkSize;
  if (chunkSize !== undefined && chunkSize !== 'auto') {
    if (typeof chunkSize !== 'number') {
      throw new TypeError(
        `${where}: option "chunkSize" must be a number or 'auto', received ${show(chunkSize)}`,
      );
    }
    checkValue(where, 'chunkSize', chunkSize, 'size1');
  }
}

/** Checks bcall options: the alcall ones plus a required `batchSize` (and `extra` kinds). */
export function checkBCallOptions(where: string, options: unknown, extra?: OptionSchema): void {
  checkALCallOptions(where, options, extra ? { ...bcallSchema, ...extra } : bcallSchema);
  if ((options as Partial<BCallOptions> | undefined)?.batchSize === undefined) {
    throw new TypeError(`${where}: option "batchSize" is required, received undefined`);
  }
}
