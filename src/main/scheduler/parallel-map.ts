/** parallelMap: the simple form of alcall (order kept, bounded concurrency). */

import { checkValue, show } from '../common/validate.js';
import { alcall } from './alcall.js';
import type { Callable } from './options.js';

/**
 * Applies `fn` (a main-thread function or a worker task handle) to every
 * item with at most `maxConcurrency` calls in flight, and resolves the
 * results in input order. The first failure rejects and cancels the rest.
 *
 * @example
 * ```ts
 * const out = await parallelMap(async (x: number) => x * 2, [1, 2, 3, 4, 5], 3);
 * // [2, 4, 6, 8, 10]
 * ```
 */
export async function parallelMap<T, R>(
  fn: Callable<T, R>,
  items: Iterable<T> | AsyncIterable<T>,
  maxConcurrency = 10,
): Promise<Awaited<R>[]> {
  if (typeof fn !== 'function') {
    throw new TypeError(
      `parallelMap: fn must be a function or a task handle, received ${show(fn)}`,
    );
  }
  checkValue('parallelMap', 'maxConcurrency', maxConcurrency, 'count1');
  return (await alcall(items, fn, { maxConcurrent: maxConcurrency })) as Awaited<R>[];
}
