/**
 * alcall: call a function (main-thread or worker task) on every item of an
 * input, with concurrency limits, retries, timeouts, throttling, output
 * shaping and cancellation; results in input order.
 */

import { show } from '../common/validate.js';
import { runItems } from './drive.js';
import { type ALCallOptions, type Callable, checkALCallOptions } from './options.js';
import { inputItems, shapeOutput } from './shape.js';
import type { ALCallResult, ItemOf, KnownKeys, NoOptions, WithInputFlags } from './types.js';

export type { ALCallResult, ItemValue, TimedValue } from './types.js';

/**
 * Calls `fn` on every item of `input` and resolves the results in input
 * order. `fn` is a main-thread function `(item, ctx) => R | Promise<R>` with
 * `ctx = { index, attempt, signal, kwargs }`, or a worker task handle from
 * `pool.task(name)` (runs in a pool worker; a timeout or cancel terminates
 * the worker). `input` is an array, any iterable (async too), or a single
 * value (a string is one value); an element that is a promise is awaited
 * before `fn` sees it.
 *
 * Types: `fn` must accept the input's element type (awaited; with
 * `sanitizeInput: true`, the nested leaves without `null`/`undefined`), so a
 * task handle of another item type is a compile error. The result's element
 * type follows the options: see {@link ALCallResult}.
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
export function alcall<
  I,
  R,
  const O extends ALCallOptions = NoOptions,
  S extends boolean | undefined = undefined,
  TS extends boolean | undefined = undefined,
>(
  input: I,
  fn: Callable<ItemOf<NoInfer<I>, S, TS>, R>,
  options?: O & WithInputFlags<ALCallOptions, S, TS> & KnownKeys<O, ALCallOptions>,
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
