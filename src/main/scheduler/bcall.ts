/**
 * bcall: lazy batches over an array, iterable or async iterable; one alcall
 * per batch, results yielded batch by batch.
 */

import { type Clock, realClock } from '../common/clock.js';
import { currentSignal, effectiveSignal, runWithSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import { alcall } from './alcall.js';
import { type BCallOptions, type Callable, checkBCallOptions } from './options.js';
import { inputItems } from './shape.js';
import type { ALCallResult, ItemOf, KnownKeys, WithInputFlags } from './types.js';

/**
 * Runs `fn` over `input` in batches of `batchSize`, each batch as one
 * {@link alcall} with the same options, and yields each batch's (shaped)
 * results, batches in order. The input is read lazily (an async iterable
 * too), so a source of any length runs in bounded memory. `sanitizeInput`
 * and `uniqueInput` apply across the whole input; output shaping per batch;
 * `initialDelay` is waited once. `fn` must accept the input's item type, as
 * for {@link alcall}.
 *
 * While the consumer holds a batch, the next one already runs (one batch in
 * flight at a time); leaving the `for await` loop early cancels it. Bad
 * options reject the first `next()`.
 *
 * @example
 * ```ts
 * for await (const batch of bcall(items, process, { batchSize: 10, maxConcurrent: 5 })) {
 *   console.log(batch);
 * }
 * ```
 */
export function bcall<
  I,
  R,
  const O extends BCallOptions,
  S extends boolean | undefined = undefined,
  TS extends boolean | undefined = undefined,
>(
  input: I,
  fn: Callable<ItemOf<NoInfer<I>, S, TS>, R>,
  options: O & WithInputFlags<BCallOptions, S, TS> & KnownKeys<O, BCallOptions>,
): AsyncGenerator<ALCallResult<R, O>[], void, undefined>;
export function bcall(
  input: unknown,
  fn: Callable<never, unknown>,
  options: BCallOptions,
): AsyncGenerator<unknown[], void, undefined> {
  // The scope is the caller's (the generator's body runs in whoever calls
  // next()); the options are read only once checked, inside the generator,
  // so that bad ones end it with their error instead of throwing here.
  return batches(input, fn, options, currentSignal());
}

async function* batches(
  input: unknown,
  fn: Callable<never, unknown>,
  options: BCallOptions,
  scope: AbortSignal | undefined,
): AsyncGenerator<unknown[], void, undefined> {
  checkBCallOptions('bcall', options);
  const outer = runWithSignal(scope, () => effectiveSignal(options.signal));
  const {
    batchSize,
    initialDelay = 0,
    sanitizeInput,
    uniqueInput,
    flattenTupleSet,
    signal: _,
    ...rest
  } = options;
  const clock: Clock = options.clock ?? realClock;
  if (outer?.aborted) throw outer.reason;
  const items = inputItems(input, { sanitizeInput, uniqueInput, flattenTupleSet });
  const iterator =
    Symbol.asyncIterator in items
      ? items[Symbol.asyncIterator]()
      : (items as Iterable<unknown>)[Symbol.iterator]();
  const perBatch = { ...rest, ...(flattenTupleSet === undefined ? {} : { flattenTupleSet }) };
  let current: { controller: AbortController; results: Promise<unknown[] | undefined> } | undefined;
  const start = () => {
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    const results = (async () => {
      const batch: unknown[] = [];
      while (batch.length < batchSize) {
        const step = await iterator.next();
        if (step.done) break;
        batch.push(step.value);
      }
      if (batch.length === 0) return undefined;
      return alcall(batch, fn as Callable<unknown, unknown>, { ...perBatch, signal });
    })();
    results.catch(() => {});
    current = { controller, results };
  };
  try {
    if (initialDelay > 0) await clock.sleep(initialDelay, outer);
    start();
    while (current) {
      const results = await current.results;
      if (results === undefined) return;
      start();
      yield results;
    }
  } finally {
    if (current) {
      current.controller.abort(new TaskAbortedError(undefined, 'bcall: the consumer left early'));
      await current.results.catch(() => {});
    }
    await iterator.return?.();
  }
}
