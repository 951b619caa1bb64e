/** parallelMap: the simple form of alcall (order kept, bounded concurrency). */

import { checkValue, show } from '../common/validate.js';
import { alcall } from './alcall.js';
import type { Callable } from './options.js';
import type { ItemOf } from './types.js';

/**
 * Applies `fn` (a main-thread function or a worker task handle) to every
 * item with at most `maxConcurrency` calls in flight, and resolves the
 * results in input order. A promise element is awaited first; `fn` must
 * accept the (awaited) element type. The first failure rejects and cancels the rest.
 *
 * @example
 * ```ts
 * const out = await parallelMap(async (x: number) => x * 2, [1, 2, 3, 4, 5], 3);
 * // [2, 4, 6, 8, 10]
 * ```
 */
export async function parallelMap<I extends Iterable<unknown> | AsyncIterable<unknown>, R>(
  fn: Callable<ItemOf<NoInfer<I>>, R>,
  items: I,
  maxConcurrency = 10,
): Promise<Awaited<R>[]> {
  if (typeof fn !== 'function') {
    throw new TypeError(
      `parallelMap: fn must be a function or a task handle, received ${show(fn)}`,
    );
  }
  checkValue('parallelMap', 'maxConcurrency', maxConcurrency, 'count1');
  return (await alcall(items as Iterable<unknown>, fn as Callable<unknown, unknown>, {
    maxConcurrent: maxConcurrency,
  })) as Awaited<R>[];
}
