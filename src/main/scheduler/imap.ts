/**
 * imap: results one by one from an array, iterable or async iterable, in
 * input order or as they finish, with a bounded lookahead so a slow consumer
 * slows the source and memory stays flat whatever the length.
 */

import { TaskAbortedError } from '../common/errors.js';
import { targetOf } from '../common/target.js';
import { show } from '../common/validate.js';
import { runItems } from './drive.js';
import { SeenSet } from './equal.js';
import { type ALCallOptions, type Callable, checkALCallOptions } from './options.js';
import { flattenDeep, inputItems } from './shape.js';
import type { ALCallResult, ItemOf, KnownKeys, NoOptions, WithInputFlags } from './types.js';

/** Options of {@link imap}: the alcall options plus `ordered`. */
export interface IMapOptions extends ALCallOptions {
  /** Yield in input order; `false` yields results as items finish. @default true */
  ordered?: boolean;
}

/** How many items a main-thread function keeps in flight when `maxConcurrent` is unbounded. */
export const IMAP_DEFAULT_CONCURRENCY = 64;

/**
 * Calls `fn` on every item of `input` and yields the results one by one, in
 * input order (or, with `ordered: false`, in completion order). `input` may
 * be an array, an iterable or an async iterable; it is read lazily, at most
 * about `2 × concurrency + chunkSize` items ahead of what the consumer has
 * taken. Every alcall option applies (retries, timeouts, `retryDefault`,
 * `returnExceptions`, output shaping per result, `onProgress`, ...).
 *
 * Leaving the loop early cancels what is in flight (worker tasks are
 * terminated). An item that fails for good ends the generator with its error
 * (with `returnExceptions`, its Error is yielded instead). Bad options are
 * thrown by the first `next()`. `fn` must accept the input's item type, as
 * for {@link alcall}.
 *
 * @example
 * ```ts
 * for await (const size of imap(readLines('big.jsonl'), pool.task('parse'), { chunkSize: 'auto' })) {
 *   total += size;
 * }
 * ```
 */
export function imap<
  I,
  R,
  const O extends IMapOptions = NoOptions,
  S extends boolean | undefined = undefined,
  TS extends boolean | undefined = undefined,
>(
  input: I,
  fn: Callable<ItemOf<NoInfer<I>, S, TS>, R>,
  options?: O & WithInputFlags<IMapOptions, S, TS> & KnownKeys<O, IMapOptions>,
): AsyncGenerator<ALCallResult<R, O>, void, undefined>;
export async function* imap(
  input: unknown,
  fn: Callable<never, unknown>,
  options: IMapOptions = {},
): AsyncGenerator<unknown, void, undefined> {
  checkALCallOptions('imap', options, { ordered: 'boolean' });
  if (typeof fn !== 'function') {
    throw new TypeError(`imap: fn must be a function or a task handle, received ${show(fn)}`);
  }
  const { ordered = true, flatten, dropna, uniqueOutput, ...runOptions } = options;
  const items = inputItems(input, options);
  const total = Array.isArray(items) ? items.length : undefined;
  const lookahead = lookaheadOf(fn, options);
  const seen = uniqueOutput ? new SeenSet() : undefined;
  const rules = { flattenTupleSet: options.flattenTupleSet === true };

  // Ordered: results by index, from `base` on (unfilled places hold `empty`).
  const byIndex: unknown[] = [];
  let base = 0;
  const arrived: unknown[] = [];
  let head = 0;
  let next = 0;
  let read = 0;
  let taken = 0;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  const wakeConsumer = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const resumeProducer = () => {
    const r = resume;
    resume = undefined;
    r?.();
  };

  const run = runItems(
    items,
    fn,
    runOptions,
    {
      onResult: (index, value) => {
        if (ordered) {
          const at = index - base;
          while (byIndex.length < at) byIndex.push(empty);
          if (at < byIndex.length) byIndex[at] = value;
          else byIndex.push(value);
        } else arrived.push(value);
        wakeConsumer();
      },
      beforeRead: () => {
        if (read - taken < lookahead()) {
          read++;
          return undefined;
        }
        return new Promise<void>((resolve) => {
          resume = () => {
            read++;
            resolve();
          };
        });
      },
    },
    total,
  );
  let finished = false;
  let failure: { error: unknown } | undefined;
  run.done.then(
    () => {
      finished = true;
      wakeConsumer();
      resumeProducer();
    },
    (error: unknown) => {
      finished = true;
      failure = { error };
      wakeConsumer();
      resumeProducer();
    },
  );

  try {
    for (;;) {
      let value: unknown;
      let has = false;
      if (ordered) {
        const at = next - base;
        if (at < byIndex.length && byIndex[at] !== empty) {
          value = byIndex[at];
          byIndex[at] = empty;
          next++;
          if (at >= 1024 && at * 2 > byIndex.length) {
            byIndex.splice(0, at + 1);
            base = next;
          }
          has = true;
        }
      } else if (head < arrived.length) {
        value = arrived[head];
        arrived[head++] = undefined;
        if (head > 1024 && head * 2 > arrived.length) {
          arrived.splice(0, head);
          head = 0;
        }
        has = true;
      }
      if (has) {
        taken++;
        if (resume && read - taken < lookahead()) resumeProducer();
        if (!flatten) {
          if ((dropna && value == null) || (seen && !seen.add(value))) continue;
          yield value;
          continue;
        }
        for (const leaf of flattenDeep(value, rules)) {
          if (dropna && leaf == null) continue;
          if (seen && !seen.add(leaf)) continue;
          yield leaf;
        }
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!finished) {
      run.cancel(new TaskAbortedError(undefined, 'imap: the consumer stopped early'));
      resumeProducer();
      await run.done.catch(() => {});
    }
  }
}

/** An unfilled place of the ordered buffer. */
const empty: unique symbol = Symbol('empty');

/** The lookahead bound: `2 × concurrency + chunkSize`, re-read as an 'auto' chunk size is learnt. */
function lookaheadOf(fn: unknown, options: IMapOptions): () => number {
  const maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  const chunkSize = options.chunkSize;
  const target = targetOf(fn);
  if (!target) {
    const concurrency = Number.isFinite(maxConcurrent) ? maxConcurrent : IMAP_DEFAULT_CONCURRENCY;
    return () => 2 * concurrency;
  }
  const chunk = typeof chunkSize === 'number' ? chunkSize : 1;
  return () => 2 * Math.min(maxConcurrent, target.capacity(chunkSize)) + chunk;
}
