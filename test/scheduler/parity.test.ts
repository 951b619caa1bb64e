/**
 * What p-map and p-retry users expect of alcall, bcall, imap and parallelMap
 * with main-thread functions: promise elements, non-Error failures, the
 * onFailedAttempt hook, StopRetrying, a retry budget and retrying forever.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { alcall } from '../../src/main/scheduler/alcall.js';
import { bcall } from '../../src/main/scheduler/bcall.js';
import { imap } from '../../src/main/scheduler/imap.js';
import type { ItemFailedAttempt } from '../../src/main/scheduler/options.js';
import { parallelMap } from '../../src/main/scheduler/parallel-map.js';
import { StopRetrying } from '../../src/shared/failure.js';
import { deferred } from '../helpers.js';

const double = (x: number) => x * 2;

/** A thenable whose `then` getter throws. */
function badThenable(message: string): PromiseLike<number> {
  return Object.defineProperty({} as PromiseLike<number>, 'then', {
    get() {
      throw new Error(message);
    },
  });
}

describe('promise elements', () => {
  it('are awaited before fn sees them, in alcall, imap, bcall and parallelMap', async () => {
    // A thenable that is not a native promise.
    const thenable = (v: number) =>
      Object.defineProperty({} as PromiseLike<number>, 'then', {
        value: (ok: (x: number) => void) => ok(v),
      });
    const input = () => [Promise.resolve(1), 2, thenable(3)];
    expect(await alcall(input(), double)).toEqual([2, 4, 6]);
    const streamed: unknown[] = [];
    for await (const r of imap(input(), double)) streamed.push(r);
    expect(streamed).toEqual([2, 4, 6]);
    const batches: unknown[][] = [];
    for await (const b of bcall(input(), double, { batchSize: 2 })) batches.push(b);
    expect(batches).toEqual([[2, 4], [6]]);
    expect(await parallelMap(double, input() as number[], 2)).toEqual([2, 4, 6]);
  });

  it('hold a concurrency slot while they are awaited', async () => {
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
    const seen: number[] = [];
    const done = alcall(
      gates.map((g) => g.promise),
      (x: number) => {
        seen.push(x);
        return x;
      },
      { maxConcurrent: 2 },
    );
    // The third element is not read while the first two hold both slots.
    gates[2]!.resolve(3);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    gates[1]!.resolve(2);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([2, 3]);
    gates[0]!.resolve(1);
    expect(await done).toEqual([1, 2, 3]);
  });

  it('a rejected element fails its item without a retry: default, Error, or the call rejects', async () => {
    let calls = 0;
    const fn = (x: number) => {
      calls++;
      return x;
    };
    const boom = new Error('boom');
    const input = () => [1, Promise.reject(boom), 3];
    expect(await alcall(input(), fn, { numRetries: 3, retryDefault: 'D' })).toEqual([1, 'D', 3]);
    expect(calls).toBe(2);
    expect(await alcall(input(), fn, { numRetries: 3, returnExceptions: true })).toEqual([
      1,
      boom,
      3,
    ]);
    await expect(alcall(input(), fn, { numRetries: 3 })).rejects.toBe(boom);
  });

  it('a thenable whose then getter throws fails its item, not the process', async () => {
    const out = await alcall([1, badThenable('getter')], double, { returnExceptions: true });
    expect(out[0]).toBe(2);
    expect(out[1]).toBeInstanceOf(Error);
    expect((out[1] as Error).message).toBe('getter');
    await expect(alcall([badThenable('again')], double)).rejects.toThrow('again');
  });

  it('a promise that rejects before its turn is no unhandled rejection', async () => {
    const first = deferred<number>();
    const late = Promise.reject(new Error('early'));
    const done = alcall([first.promise, late], double, { maxConcurrent: 1, retryDefault: -1 });
    // Let the rejection be noticed (or not) by the process before its turn comes.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
    first.resolve(5);
    expect(await done).toEqual([10, -1]);
  });

  it('a cancelled call stops waiting for a pending element', async () => {
    const controller = new AbortController();
    const done = alcall([new Promise<number>(() => {})], double, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(done).rejects.toThrow('stop');
  });
});

describe('failures that are not Errors', () => {
  it('are retried like any failure and surface as a TypeError naming the value', async () => {
    for (const value of ['busy', undefined, 42]) {
      let attempts = 0;
      const out = await alcall(
        [1],
        () => {
          attempts++;
          throw value;
        },
        { numRetries: 2, returnExceptions: true },
      );
      expect(attempts).toBe(3);
      const error = out[0] as TypeError;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(`A non-Error value was thrown: ${JSON.stringify(value) ?? value}`);
      expect(error.cause).toBe(value);
    }
    await expect(
      alcall([1], () => Promise.reject('nope'), { numRetries: 1 }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});

describe('onFailedAttempt', () => {
  it('hears every failed attempt, the last one too, before the retry decision', async () => {
    const heard: Omit<ItemFailedAttempt, 'error'>[] = [];
    const messages: string[] = [];
    const out = await alcall(
      [0, 1],
      (x: number, ctx) => {
        if (x === 1 || ctx.attempt < 2) throw new Error(`${x}@${ctx.attempt}`);
        return 'ok';
      },
      {
        numRetries: 2,
        retryDefault: 'D',
        onFailedAttempt: ({ error, ...rest }) => {
          heard.push(rest);
          messages.push(error.message);
        },
      },
    );
    expect(out).toEqual(['ok', 'D']);
    expect(heard).toContainEqual({ index: 0, attempt: 1, retriesLeft: 2 });
    expect(heard.filter((h) => h.index === 1)).toEqual([
      { index: 1, attempt: 1, retriesLeft: 2 },
      { index: 1, attempt: 2, retriesLeft: 1 },
      { index: 1, attempt: 3, retriesLeft: 0 },
    ]);
    expect(messages.sort()).toEqual(['0@1', '1@1', '1@2', '1@3']);
  });

  it('is awaited, and a throw ends the item with its error', async () => {
    let attempts = 0;
    const release = deferred();
    let waited = false;
    const done = alcall(
      [1],
      () => {
        attempts++;
        throw new Error('task');
      },
      {
        numRetries: 5,
        onFailedAttempt: async ({ attempt }) => {
          if (attempt === 1) {
            await release.promise;
            waited = true;
            return;
          }
          throw new Error('hook says stop');
        },
      },
    );
    await new Promise((r) => setImmediate(r));
    expect(attempts).toBe(1);
    release.resolve();
    await expect(done).rejects.toThrow('hook says stop');
    expect(waited).toBe(true);
    expect(attempts).toBe(2);
  });

  it('reaches bcall and imap too, with StopRetrying', async () => {
    const heard: string[] = [];
    const fn = (x: number, ctx: { attempt: number }) => {
      if (x === 1) throw new StopRetrying(new Error('stop'));
      if (ctx.attempt === 1) throw new Error(`again ${x}`);
      return x;
    };
    const options = {
      numRetries: 2,
      retryDefault: 'D',
      onFailedAttempt: ({ error }: ItemFailedAttempt) => void heard.push(error.message),
    };
    const streamed: unknown[] = [];
    for await (const r of imap([1, 2], fn, options)) streamed.push(r);
    expect(streamed).toEqual(['D', 2]);
    const batches: unknown[][] = [];
    for await (const b of bcall([1, 3], fn, { ...options, batchSize: 2 })) batches.push(b);
    expect(batches).toEqual([['D', 3]]);
    expect(heard).toEqual(['again 2', 'again 3']);
  });

  it('is checked like any option', async () => {
    await expect(alcall([1], double, { onFailedAttempt: 3 as never })).rejects.toThrow(
      'alcall: option "onFailedAttempt" must be a function, received 3',
    );
  });
});

describe('StopRetrying', () => {
  it('ends the retries at once with the wrapped error, told to no hook', async () => {
    const notFound = new RangeError('not found');
    let attempts = 0;
    const heard: number[] = [];
    const fn = () => {
      attempts++;
      throw new StopRetrying(notFound);
    };
    const options = { numRetries: 5, onFailedAttempt: () => void heard.push(1) };
    await expect(alcall([1], fn, options)).rejects.toBe(notFound);
    expect(attempts).toBe(1);
    expect(heard).toEqual([]);
    expect(await alcall([1], fn, { ...options, retryDefault: null })).toEqual([null]);
    const out = await alcall([1], () => Promise.reject(new StopRetrying('gone')), {
      numRetries: 2,
      returnExceptions: true,
    });
    expect(out[0]).toBeInstanceOf(StopRetrying);
    expect((out[0] as Error).message).toBe('gone');
  });
});

describe('maxRetryTime and retrying forever', () => {
  it('no retry starts after the budget; numRetries: Infinity retries until then', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const done = alcall(
      [1],
      () => {
        starts.push(clock.now());
        throw new Error(`at ${clock.now()}`);
      },
      { numRetries: Number.POSITIVE_INFINITY, retryDelay: 100, maxRetryTime: 350, clock },
    );
    done.catch(() => {});
    for (let t = 0; t < 6; t++) await clock.advance(100);
    await expect(done).rejects.toThrow('at 300');
    expect(starts).toEqual([0, 100, 200, 300]);
  });

  it('retries forever until success', async () => {
    let attempts = 0;
    const out = await alcall(
      [1],
      () => {
        if (++attempts < 50) throw new Error('not yet');
        return attempts;
      },
      { numRetries: Number.POSITIVE_INFINITY },
    );
    expect(out).toEqual([50]);
  });

  it('validates the budget', async () => {
    await expect(alcall([1], double, { maxRetryTime: -1 })).rejects.toThrow(
      'alcall: option "maxRetryTime" must be a finite number >= 0 (milliseconds), received -1',
    );
    await expect(alcall([1], double, { maxRetryTime: '5' as never })).rejects.toThrow(TypeError);
    expect(await alcall([1], double, { maxRetryTime: Number.POSITIVE_INFINITY })).toEqual([2]);
    await expect(alcall([1], double, { numRetries: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('invalid counts', () => {
  it('are RangeErrors where p-map and p-retry throw TypeErrors; a non-number is a TypeError', async () => {
    await expect(alcall([1], double, { maxConcurrent: 0 })).rejects.toThrow(
      new RangeError(
        'alcall: option "maxConcurrent" must be an integer >= 1 or Infinity, received 0',
      ),
    );
    await expect(alcall([1], double, { numRetries: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(parallelMap(double, [1], 1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(alcall([1], double, { maxConcurrent: '2' as never })).rejects.toThrow(
      new TypeError('alcall: option "maxConcurrent" must be a number, received "2"'),
    );
  });
});
