/**
 * alcall: call a function (main-thread or worker task) on every item of an
 * input, with concurrency limits, retries, timeouts, throttling, output
 * shaping and cancellation; results in input order.
 */

import { show } from '../common/validate.js';
import { runItems } from './drive.js';
import { type ALCallOptions, type Callable, checkALCallOptions } from './options.js';
import { inputItems, shapeOutput } from './shape.js';

/** Whether boolean option `K` of options type `O` is on, off, or not known statically. */
export type OptionFlag<O, K extends string> = K extends keyof O
  ? O[K] extends true
    ? 'on'
    : O[K] extends false | undefined
      ? 'off'
      : 'maybe'
  : 'off';

/**
 * An item's result before output shaping: its value, `retryDefault` (when the
 * options may carry one) or, unless `returnExceptions` is known to be off,
 * its Error.
 */
export type ItemValue<R, O> =
  | R
  | ('retryDefault' extends keyof O ? O['retryDefault' & keyof O] : never)
  | (OptionFlag<O, 'returnExceptions'> extends 'off' ? never : Error);

/** An item's entry in the result: `[value, durationMs]` with `retryTiming`. */
export type TimedValue<R, O> = {
  off: ItemValue<R, O>;
  on: [ItemValue<R, O>, number];
  maybe: ItemValue<R, O> | [ItemValue<R, O>, number];
}[OptionFlag<O, 'retryTiming'>];

/**
 * The element type of alcall's result for a function returning `R` and
 * options `O`: with `retryDefault` it includes the default's type, with
 * `returnExceptions` `Error`, with `retryTiming` it is `[value, ms]`;
 * `dropna` removes `null`/`undefined`; `flatten` gives `unknown`. Options
 * typed only as `ALCallOptions` give the widest of these.
 */
export type ALCallResult<R, O> =
  OptionFlag<O, 'flatten'> extends 'off'
    ? OptionFlag<O, 'dropna'> extends 'on'
      ? NonNullable<TimedValue<R, O>>
      : TimedValue<R, O>
    : unknown;

/**
 * Calls `fn` on every item of `input` and resolves the results in input
 * order. `fn` is a main-thread function `(item, ctx) => R | Promise<R>` with
 * `ctx = { index, attempt, signal, kwargs }`, or a worker task handle from
 * `pool.task(name)` (runs in a pool worker; a timeout or cancel terminates
 * the worker). `input` is an array, any iterable (async too), or a single
 * value (a string is one value).
 *
 * The first item that fails for good (no `retryDefault`, no
 * `returnExceptions`) rejects the call with its last error and cancels the
 * rest; so does `options.signal` or the enclosing scope, with its reason.
 * Bad options reject with TypeError / RangeError.
 *
 * @example
 * ```ts
 * const out = await alcall([1, 2, 3], async (x) => x * 2, { maxConcurrent: 2, numRetries: 1 });
 * // [2, 4, 6]
 * const fib = pool.task('fib');
 * const timed = await alcall([30, 31], fib, { retryTimeout: 1000, retryTiming: true });
 * // [[832040, 12.3], [1346269, 19.8]]
 * ```
 */
export function alcall<T, R, const O extends ALCallOptions = Record<never, never>>(
  input: Iterable<T> | AsyncIterable<T> | T,
  fn: Callable<T, R>,
  options?: O & ALCallOptions,
): Promise<ALCallResult<R, O>[]>;
/** alcall over an input whose items' type the function does not name (e.g. nested, with `sanitizeInput`). */
export function alcall<R, const O extends ALCallOptions = Record<never, never>>(
  input: unknown,
  fn: Callable<never, R>,
  options?: O & ALCallOptions,
): Promise<ALCallResult<R, O>[]>;
export async function alcall(
  input: unknown,
  fn: Callable<never, unknown>,
  options: ALCallOptions = {},
): Promise<unknown[]> {
  checkALCallOptions('alcall', options);
  if (typeof fn !== 'function') {
    throw new TypeError(`alcall: fn must be a function or a task handle, received ${show(fn)}`);
  }
  const items = inputItems(input, options);
  const total = Array.isArray(items) ? items.length : undefined;
  const results: unknown[] = total === undefined ? [] : new Array(total);
  const run = runItems(
    items,
    fn,
    options,
    {
      onResult: (index, value) => {
        results[index] = value;
      },
    },
    total,
  );
  await run.done;
  return shapeOutput(results, options);
}
