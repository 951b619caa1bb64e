import { describe, expectTypeOf, it } from 'vitest';
import { maxConcurrent } from '../../src/main/concurrency/limits.js';
import { rateLimit } from '../../src/main/concurrency/rate-limit.js';
import { Throttle, throttle } from '../../src/main/concurrency/throttle.js';
import { createPool } from '../../src/main/pool/pool.js';
import type { TaskHandle } from '../../src/main/pool/pool-types.js';
import { alcall } from '../../src/main/scheduler/alcall.js';
import { bcall } from '../../src/main/scheduler/bcall.js';
import { imap } from '../../src/main/scheduler/imap.js';
import type { ALCallOptions } from '../../src/main/scheduler/options.js';
import { parallelMap } from '../../src/main/scheduler/parallel-map.js';
import { ALCallParams, BCallParams } from '../../src/main/scheduler/params.js';
import { createTransform } from '../../src/main/scheduler/transform.js';

declare const sha: TaskHandle<string, string>;
declare const fib: TaskHandle<number, number>;
declare function numbers(): AsyncGenerator<number>;
const items = [1, 2];

describe('a function of another item type is a compile error', () => {
  it('alcall, bcall, imap', () => {
    // @ts-expect-error: sha takes strings
    void alcall(items, sha);
    // @ts-expect-error: with options too
    void alcall(items, sha, { retryDefault: 'x', maxConcurrent: 2 });
    // @ts-expect-error: an annotated main-thread function
    void alcall(items, (s: string) => s.length);
    // @ts-expect-error: a single value is one item
    void alcall(5, sha);
    // @ts-expect-error: an array is its elements, not one item
    void alcall(items, (pair: number[]) => pair.length);
    // @ts-expect-error: an async iterable's items
    void alcall(numbers(), sha);
    // @ts-expect-error: bcall
    void bcall(items, sha, { batchSize: 1 });
    // @ts-expect-error: imap
    void imap(items, sha);
    // @ts-expect-error: imap with ordered
    void imap(items, sha, { ordered: false });
  });

  it('parallelMap and the config classes', () => {
    // @ts-expect-error: parallelMap
    void parallelMap(sha, items, 2);
    const params = new ALCallParams({ maxConcurrent: 2 });
    // @ts-expect-error: ALCallParams.call
    void params.call(items, sha);
    // @ts-expect-error: the stored function takes strings
    void new ALCallParams({ fn: sha }).call(items);
    // @ts-expect-error: no function stored, none given
    void params.call(items);
    const batches = new BCallParams({ batchSize: 2 });
    // @ts-expect-error: BCallParams.call
    void batches.call(items, sha);
    // @ts-expect-error: BCallParams' stored function
    void new BCallParams({ batchSize: 2, fn: sha }).call(items);
  });

  it('the wrappers keep the item type', () => {
    // @ts-expect-error: maxConcurrent
    void alcall(items, maxConcurrent(2)(sha));
    // @ts-expect-error: throttle
    void alcall(items, throttle(10)(sha));
    // @ts-expect-error: Throttle.wrap
    void alcall(items, new Throttle(10).wrap(sha));
    // @ts-expect-error: rateLimit
    void alcall(items, rateLimit({ rateLimit: 5, maxBurst: 1 })(sha));
    void alcall(items, maxConcurrent(2)(fib));
  });

  it('transforms check the task name and the options', () => {
    const pool = createPool<typeof import('../fixtures/tasks.js')>(
      new URL('../fixtures/tasks.js', import.meta.url),
    );
    void pool.transform('upper', { retryDefault: null });
    // @ts-expect-error: no such task
    void pool.transform('nope');
    // @ts-expect-error: misspelt option
    void pool.transform('upper', { chunksize: 2 });
    // @ts-expect-error: misspelt option
    void createTransform(fib, { orderd: false });
  });

  it('misspelt options are compile errors', () => {
    // @ts-expect-error: maxConcurent
    void alcall(items, fib, { maxConcurent: 2 });
    // @ts-expect-error: batchsize
    void bcall(items, fib, { batchSize: 2, batchsize: 2 });
  });
});

describe('what an input may hold', () => {
  it('awaits promise elements and wraps a single value', () => {
    expectTypeOf(alcall([Promise.resolve(1)], (x: number) => x)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall(5, (x: number) => x)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall(5, (x) => x + 1)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall(Promise.resolve(5), (x) => x + 1)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall('abc', (s) => s.length)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall([[1, 2]], (pair: number[]) => pair.length)).resolves.toEqualTypeOf<
      number[]
    >();
    expectTypeOf(parallelMap((x) => x * 2, [Promise.resolve(1), 2])).resolves.toEqualTypeOf<
      number[]
    >();
    expectTypeOf(imap(numbers(), fib)).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('with sanitizeInput, the item type is the leaves without null', () => {
    const nested = [[1, [2, null]], 3, undefined];
    expectTypeOf(alcall(nested, fib, { sanitizeInput: true })).resolves.toEqualTypeOf<number[]>();
    alcall(nested, (x) => expectTypeOf(x).toEqualTypeOf<number>(), { sanitizeInput: true });
    // @ts-expect-error: without sanitizeInput the items are nested
    void alcall(nested, fib);
    // @ts-expect-error: the leaves are numbers
    void alcall(nested, sha, { sanitizeInput: true });
    // Sets are leaves unless flattenTupleSet opens them.
    const sets = [new Set([1]), 2];
    alcall(sets, (x) => expectTypeOf(x).toEqualTypeOf<number>(), {
      sanitizeInput: true,
      flattenTupleSet: true,
    });
    // @ts-expect-error: a Set is one item without flattenTupleSet
    void alcall(sets, fib, { sanitizeInput: true });
    // Strings and Maps are never opened.
    alcall(
      [['ab'], new Map([[1, 2]])],
      (x) => expectTypeOf(x).toEqualTypeOf<string | Map<number, number>>(),
      {
        sanitizeInput: true,
      },
    );
  });

  it('knows the item type before callbacks in the options are typed', () => {
    const out = alcall([[1], 2], (x) => x + 1, {
      sanitizeInput: true,
      retryDefault: null,
      onProgress: (p) => expectTypeOf(p.done).toEqualTypeOf<number>(),
    });
    expectTypeOf(out).resolves.toEqualTypeOf<(number | null)[]>();
  });
});

describe('options that change the element type', () => {
  it('widen alcall, imap and bcall results', () => {
    expectTypeOf(alcall(items, fib, { retryDefault: 'none' })).resolves.toEqualTypeOf<
      (number | 'none')[]
    >();
    expectTypeOf(
      alcall(items, fib, { returnExceptions: true, retryTiming: true }),
    ).resolves.toEqualTypeOf<[number | Error, number][]>();
    expectTypeOf(alcall(items, (x) => (x > 1 ? x : null), { dropna: true })).resolves.toEqualTypeOf<
      number[]
    >();
    expectTypeOf(imap(items, fib, { retryDefault: undefined })).toEqualTypeOf<
      AsyncGenerator<number | undefined, void, undefined>
    >();
    expectTypeOf(bcall(items, fib, { batchSize: 2, returnExceptions: true })).toEqualTypeOf<
      AsyncGenerator<(number | Error)[], void, undefined>
    >();
  });

  it('flatten gives the leaves; a timing pair stays whole unless flattenTupleSet', () => {
    const pairs = (x: number) => [x, [x * 2]];
    expectTypeOf(alcall(items, pairs, { flatten: true })).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(
      alcall(items, (x) => [String(x), null], { flatten: true, dropna: true }),
    ).resolves.toEqualTypeOf<string[]>();
    expectTypeOf(alcall(items, pairs, { flatten: true, retryTiming: true })).resolves.toEqualTypeOf<
      [number[][] | number[], number][] | [(number | number[])[], number][]
    >;
    expectTypeOf(
      alcall(items, fib, { flatten: true, retryTiming: true, flattenTupleSet: true }),
    ).resolves.toEqualTypeOf<number[]>();
  });

  it('options typed as ALCallOptions give the widest type', () => {
    const options: ALCallOptions = { retryDefault: 0 };
    expectTypeOf(alcall(items, fib, options)).resolves.toEqualTypeOf<unknown[]>();
    // The function must take both the nested items and the leaves.
    // @ts-expect-error: fib does not take number[]
    void alcall([[1]], fib, options);
  });
});

describe('config classes carry the types', () => {
  it('ALCallParams types call like alcall', () => {
    const params = new ALCallParams({ retryDefault: null, maxConcurrent: 2 });
    expectTypeOf(params.call(items, fib)).resolves.toEqualTypeOf<(number | null)[]>();
    expectTypeOf(params.call(items, fib, { retryTiming: true })).resolves.toEqualTypeOf<
      [number | null, number][]
    >();
    expectTypeOf(params.with({ returnExceptions: true }).call(items, fib)).resolves.toEqualTypeOf<
      (number | Error | null)[]
    >();
    const stored = new ALCallParams({ fn: fib, retryDefault: 'D' });
    expectTypeOf(stored.call(items)).resolves.toEqualTypeOf<(number | 'D')[]>();
    expectTypeOf(stored.call([[1], 2], undefined, { sanitizeInput: true })).resolves.toEqualTypeOf<
      (number | 'D')[]
    >();
    const sanitizing = new ALCallParams({ sanitizeInput: true });
    sanitizing.call([[1], [2]], (x) => expectTypeOf(x).toEqualTypeOf<number>());
  });

  it('BCallParams types its batches', () => {
    const params = new BCallParams({ batchSize: 2, retryDefault: 0 as const });
    expectTypeOf(params.call(items, async (x) => String(x))).toEqualTypeOf<
      AsyncGenerator<(string | 0)[], void, undefined>
    >();
    expectTypeOf(new BCallParams({ batchSize: 1, fn: fib }).call(items)).toEqualTypeOf<
      AsyncGenerator<number[], void, undefined>
    >();
  });
});
