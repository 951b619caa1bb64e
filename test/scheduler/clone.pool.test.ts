/**
 * Every way a call crosses to a worker (alcall, imap, bcall, with and
 * without chunkSize) with items whose getter or Proxy trap throws: each
 * such item ends as its own ERR_DATA_CLONE (the thrown error as cause), or
 * as retryDefault; every other item ends with its value; the pool stays
 * healthy and nothing becomes an unhandled rejection. A real pool.
 */
import {
  type ALCallOptions,
  alcall,
  bcall,
  createPool,
  type ItemCloneError,
  imap,
  isPoolcallError,
} from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectCloneError,
  expectHealthyAfterEach,
  fixtures,
  recordUnhandledRejections,
  throwingGetter,
  throwingProxy,
} from '../helpers.js';

type Tasks = typeof import('../fixtures/chaos-tasks.js');

const unhandled = recordUnhandledRejections();

const N = 300;
const hostileAt = new Map<number, Error>([
  [7, new RangeError('getter 7')],
  [150, new Error('trap 150')],
  [299, new RangeError('getter 299')],
]);
const items: unknown[] = Array.from({ length: N }, (_, i) => {
  const error = hostileAt.get(i);
  if (!error) return i;
  return error instanceof RangeError ? throwingGetter(error) : throwingProxy(error);
});

/**
 * Every item ended as planned; `indexOf` gives the index an item has in the
 * call that ran it (bcall runs each batch as a call of its own).
 */
function expectPlanned(
  out: readonly unknown[],
  fallback?: { value: unknown },
  indexOf = (i: number) => i,
): void {
  expect(out).toHaveLength(N);
  out.forEach((v, i) => {
    const cause = hostileAt.get(i);
    if (!cause) {
      expect(v).toBe(i * 2);
    } else if (fallback) {
      expect(v).toBe(fallback.value);
    } else {
      expect(expectCloneError(v, indexOf(i)).cause).toBe(cause);
    }
  });
}

describe('hostile items through every entry point', () => {
  const pool = createPool<Tasks>(new URL('chaos-tasks.js', fixtures), { maxThreads: 2 });
  const double = pool.task('double') as unknown as (item: unknown) => Promise<number>;
  afterAll(() => pool.close());
  expectHealthyAfterEach(pool, unhandled, async () => {
    expect(await pool.run('double', 21)).toBe(42);
  });

  const modes: [string, ALCallOptions][] = [
    ['one item per message', {}],
    ['chunkSize 16', { chunkSize: 16 }],
    ["chunkSize 'auto'", { chunkSize: 'auto' }],
  ];

  for (const [mode, options] of modes) {
    it(`alcall (${mode})`, async () => {
      expectPlanned(await alcall(items, double, { ...options, returnExceptions: true }));
      expectPlanned(await alcall(items, double, { ...options, retryDefault: 'D' }), {
        value: 'D',
      });
      const error = await alcall(items, double, options).catch((e: unknown) => e);
      expect(isPoolcallError(error, 'ERR_DATA_CLONE')).toBe(true);
      expect(hostileAt.get((error as ItemCloneError).index)).toBe((error as Error).cause);
    });

    it(`imap (${mode})`, async () => {
      const out: unknown[] = [];
      for await (const v of imap(items, double, { ...options, returnExceptions: true })) {
        out.push(v);
      }
      expectPlanned(out);
    });

    it(`bcall over an async source (${mode})`, async () => {
      async function* source(): AsyncGenerator<unknown> {
        yield* items;
      }
      const out: unknown[] = [];
      for await (const batch of bcall(source(), double, {
        ...options,
        batchSize: 64,
        numRetries: 1,
        returnExceptions: true,
      })) {
        out.push(...batch);
      }
      expectPlanned(out, undefined, (i) => i % 64);
    });
  }
});
