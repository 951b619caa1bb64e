/**
 * The older AsyncUtils helpers: withTimeout (timeout_context),
 * gatherWithConcurrency and batchProcess. `retry` lives in retry.ts.
 */
import { follow, invoke, untilAborted } from '../common/abort.js';
import type { Clock } from '../common/clock.js';
import { effectiveSignal, runWithSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import { checkOptions, checkValue, show } from '../common/validate.js';
import { retry } from './retry.js';
import { failAfter } from './scope.js';

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions {
  /** Runs after a timeout or any error, before the error is rethrown; awaited. */
  cleanup?: (error: unknown) => void | Promise<void>;
  /** Cancels too: `fn`'s signal aborts and the call rejects with its reason. */
  signal?: AbortSignal;
  /** @default realClock */
  clock?: Clock;
}

/**
 * Runs `fn(signal)` with a time limit (`timeout_context`). Past `ms`, the
 * signal aborts and the call rejects with a TaskTimeoutError. After a
 * timeout or any error, `cleanup` runs (sync or async), then the error is
 * rethrown; if `cleanup` itself fails, the call rejects with an
 * AggregateError of both errors.
 *
 * @example
 * ```ts
 * const data = await withTimeout(5000, (signal) => download(url, { signal }), {
 *   cleanup: () => fs.rm(tmp, { force: true }),
 * });
 * ```
 */
export async function withTimeout<T>(
  ms: number,
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options: WithTimeoutOptions = {},
): Promise<Awaited<T>> {
  checkOptions('withTimeout', options, { cleanup: 'function', signal: 'signal', clock: 'object' });
  const { cleanup, signal, clock } = options;
  try {
    return await runWithSignal(effectiveSignal(signal), () =>
      failAfter(ms, fn, clock ? { clock } : {}),
    );
  } catch (error) {
    if (cleanup) {
      try {
        await cleanup(error);
      } catch (cleanupError) {
        throw new AggregateError(
          [error, cleanupError],
          'withTimeout: cleanup failed after an error',
        );
      }
    }
    throw error;
  }
}

/** Options of {@link gatherWithConcurrency}. */
export interface GatherOptions {
  /**
   * Leave each failure's error in its place instead of rejecting.
   * @default false
   */
  returnExceptions?: boolean;
  /** Cancels: nothing new starts, and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs `thunks` (functions, because promises start eagerly) with at most `n`
 * in flight, and resolves their results in input order. Without
 * `returnExceptions` the first failure rejects the call and cancels the rest:
 * nothing new starts and work started through poolcall inside the thunks
 * (which run with a signal of their own as the current signal) is cancelled.
 *
 * @example
 * ```ts
 * const pages = await gatherWithConcurrency(5, urls.map((u) => () => fetch(u)));
 * ```
 */
export function gatherWithConcurrency<T>(
  n: number,
  thunks: Iterable<() => T | PromiseLike<T>>,
  options?: GatherOptions & { returnExceptions?: false },
): Promise<Awaited<T>[]>;
export function gatherWithConcurrency<T>(
  n: number,
  thunks: Iterable<() => T | PromiseLike<T>>,
  options: GatherOptions,
): Promise<(Awaited<T> | unknown)[]>;
export async function gatherWithConcurrency<T>(
  n: number,
  thunks: Iterable<() => T | PromiseLike<T>>,
  options: GatherOptions = {},
): Promise<(Awaited<T> | unknown)[]> {
  checkValue('gatherWithConcurrency', 'n', n, 'count1');
  checkOptions('gatherWithConcurrency', options, { returnExceptions: 'boolean', signal: 'signal' });
  const list = iterableToArray('gatherWithConcurrency', 'thunks', thunks);
  for (const [i, thunk] of list.entries()) {
    if (typeof thunk !== 'function') {
      throw new TypeError(
        `gatherWithConcurrency: thunks[${i}] must be a function, received ${show(thunk)}`,
      );
    }
  }
  return mapLimited(list, n, (thunk) => thunk(), {
    settle: options.returnExceptions ?? false,
    signal: options.signal,
  });
}

/** What `batchProcess` hands the processor with each item. */
export interface BatchItemContext {
  /** The item's index in the input. */
  readonly index: number;
  /** From 1. */
  readonly attempt: number;
  /** Aborts when the call is cancelled or another item failed for good. */
  readonly signal: AbortSignal | undefined;
}

/** Options of {@link batchProcess}. Durations in ms. */
export interface BatchProcessOptions<R> {
  /** Items per batch. @default 100 */
  batchSize?: number;
  /** Batches processed at once (Infinity: all); items within a batch go one by one. @default 10 */
  maxConcurrent?: number;
  /** Told of each batch as it completes, with that batch's results; awaited. */
  onBatchComplete?: (results: (R | unknown)[], batchIndex: number) => void | Promise<void>;
  /** Retries of a failed item (attempts = retryCount + 1). @default 0 */
  retryCount?: number;
  /** Delay before each retry of an item, ms (constant). @default 1000 */
  retryDelay?: number;
  /** Leave a failed item's error in its place instead of rejecting. @default false */
  returnExceptions?: boolean;
  /** Cancels the whole call; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** @default realClock */
  clock?: Clock;
}

const batchSchema = {
  batchSize: 'size1',
  maxConcurrent: 'count1',
  onBatchComplete: 'function',
  retryCount: 'count',
  retryDelay: 'duration',
  returnExceptions: 'boolean',
  signal: 'signal',
  clock: 'object',
} as const;

/**
 * Processes `items` in batches of `batchSize`: each item goes through
 * `processor(item, ctx)` (a main-thread function or a worker task handle),
 * retried up to `retryCount` times `retryDelay` apart. The items of a batch
 * run one after another and at most `maxConcurrent` batches run at a time,
 * so at most `maxConcurrent` items are in flight. `onBatchComplete(results,
 * batchIndex)` is told of each batch as it completes. Resolves the flat list
 * of results in input order. Without `returnExceptions` the first item that
 * fails for good rejects the call with its error and cancels the rest.
 *
 * @example
 * ```ts
 * const doubled = await batchProcess(items, async (x) => x * 2, { batchSize: 10, maxConcurrent: 5 });
 * ```
 */
export async function batchProcess<T, R>(
  items: Iterable<T>,
  processor: (item: T, ctx: BatchItemContext) => R | PromiseLike<R>,
  options: BatchProcessOptions<Awaited<R>> = {},
): Promise<(Awaited<R> | unknown)[]> {
  checkOptions('batchProcess', options, batchSchema);
  if (typeof processor !== 'function') {
    throw new TypeError(`batchProcess: processor must be a function, received ${show(processor)}`);
  }
  const list = iterableToArray('batchProcess', 'items', items);
  const {
    batchSize = 100,
    maxConcurrent = 10,
    onBatchComplete,
    retryCount = 0,
    retryDelay = 1000,
    returnExceptions = false,
    clock,
  } = options;
  const batches: T[][] = [];
  for (let i = 0; i < list.length; i += batchSize) batches.push(list.slice(i, i + batchSize));
  const runItem = (item: T, index: number, signal: AbortSignal) =>
    retry(({ attempt, signal }) => processor(item, { index, attempt, signal }), {
      retries: retryCount,
      delay: retryDelay,
      backoffFactor: 1,
      signal,
      ...(clock ? { clock } : {}),
    });
  const perBatch = await mapLimited(
    batches,
    maxConcurrent,
    async (batch, b, signal) => {
      const results: unknown[] = [];
      for (const [j, item] of batch.entries()) {
        if (signal.aborted) throw signal.reason;
        try {
          results.push(await runItem(item, b * batchSize + j, signal));
        } catch (error) {
          if (!returnExceptions || signal.aborted) throw error;
          results.push(error);
        }
      }
      await onBatchComplete?.(results, b);
      return results;
    },
    { settle: false, signal: options.signal },
  );
  return perBatch.flat(1);
}

interface MapLimitedOptions {
  /** Keep each failure in its place instead of rejecting at the first. */
  readonly settle: boolean;
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs `run` over `items`, at most `limit` at once, results in input order.
 * Each call runs with a signal of the map's own as the current signal; it
 * aborts at the first failure (unless `settle`) or when `signal` does.
 */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>,
  options: MapLimitedOptions,
): Promise<(Awaited<R> | unknown)[]> {
  const outer = effectiveSignal(options.signal);
  const controller = new AbortController();
  const { signal } = controller;
  const unlink = follow(outer, (reason) => controller.abort(reason));
  const results: unknown[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const i = next++;
      try {
        results[i] = await invoke(() => run(items[i] as T, i, signal));
      } catch (error) {
        if (!options.settle) {
          if (!signal.aborted) controller.abort(new TaskAbortedError(error, 'Another item failed'));
          throw error;
        }
        results[i] = error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, () =>
    runWithSignal(signal, worker),
  );
  try {
    await untilAborted(Promise.all(workers), outer);
    return results;
  } finally {
    unlink();
  }
}

function iterableToArray<T>(where: string, name: string, value: Iterable<T>): T[] {
  if (value == null || typeof (value as Partial<Iterable<T>>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: ${name} must be an iterable, received ${show(value)}`);
  }
  return Array.from(value);
}
