import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { currentSignal } from '../../src/main/common/context.js';
import { TaskTimeoutError } from '../../src/main/common/errors.js';
import {
  batchProcess,
  gatherWithConcurrency,
  withTimeout,
} from '../../src/main/concurrency/helpers.js';
import { deferred } from '../helpers.js';

const tick = () => new ManualClock().tick();

describe('withTimeout', () => {
  it('resolves fn’s value in time, without cleanup', async () => {
    let cleaned = false;
    const out = await withTimeout(100, () => 'ok', {
      cleanup: () => {
        cleaned = true;
      },
      clock: new ManualClock(),
    });
    expect(out).toBe('ok');
    expect(cleaned).toBe(false);
  });

  it('on timeout aborts the signal, runs an async cleanup, then rejects with TaskTimeoutError', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    let signal: AbortSignal | undefined;
    const caught = withTimeout(
      100,
      (s) => {
        signal = s;
        return new Promise<never>(() => {});
      },
      {
        clock,
        cleanup: async (error) => {
          order.push(`cleanup:${(error as Error).name}`);
          await Promise.resolve();
          order.push('cleaned');
        },
      },
    ).catch((e: unknown) => {
      order.push('rejected');
      return e;
    });
    await clock.advance(100);
    expect(await caught).toBeInstanceOf(TaskTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(order).toEqual(['cleanup:TaskTimeoutError', 'cleaned', 'rejected']);
  });

  it('runs a sync cleanup on any error and rethrows it', async () => {
    const boom = new Error('boom');
    let cleaned = 0;
    const caught = withTimeout(
      100,
      () => {
        throw boom;
      },
      {
        cleanup: () => {
          cleaned++;
        },
        clock: new ManualClock(),
      },
    ).catch((e: unknown) => e);
    expect(await caught).toBe(boom);
    expect(cleaned).toBe(1);
  });

  it('reports a failing cleanup together with the error', async () => {
    // On the manual clock the limit never passes: the work's own error is the one reported.
    const error = await withTimeout(10, () => Promise.reject(new Error('work')), {
      cleanup: () => {
        throw new Error('cleanup');
      },
      clock: new ManualClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'work',
      'cleanup',
    ]);
  });

  it('is cancelled by its signal option', async () => {
    const controller = new AbortController();
    const caught = withTimeout(
      1000,
      (s) => new Promise((_, reject) => s.addEventListener('abort', () => reject(s.reason))),
      {
        signal: controller.signal,
        clock: new ManualClock(),
      },
    ).catch((e: unknown) => e);
    controller.abort('stop');
    expect(await caught).toBe('stop');
  });

  it('rejects a bad limit or option', async () => {
    await expect(withTimeout(-1, () => 1)).rejects.toThrow(RangeError);
    await expect(withTimeout(1, () => 1, { cleanUp: () => {} } as never)).rejects.toThrow(
      /did you mean "cleanup"/,
    );
  });
});

describe('gatherWithConcurrency', () => {
  it('runs at most n thunks at once and keeps input order', async () => {
    const gates = [0, 1, 2, 3].map(() => deferred<number>());
    const started: number[] = [];
    const done = gatherWithConcurrency(
      2,
      gates.map((g, i) => () => {
        started.push(i);
        return g.promise;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve(10);
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[3]!.resolve(30);
    gates[2]!.resolve(20);
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[0]!.resolve(0);
    expect(await done).toEqual([0, 10, 20, 30]);
  });

  it('rejects with the first failure, starts nothing more, and cancels the ones in flight', async () => {
    const boom = new Error('boom');
    let inFlight: AbortSignal | undefined;
    let startedLate = false;
    const caught = gatherWithConcurrency(2, [
      () => {
        inFlight = currentSignal();
        return new Promise<never>(() => {});
      },
      () => Promise.reject(boom),
      () => {
        startedLate = true;
      },
    ]).catch((e: unknown) => e);
    expect(await caught).toBe(boom);
    expect(startedLate).toBe(false);
    expect(inFlight?.aborted).toBe(true);
  });

  it('with returnExceptions leaves each error in its place', async () => {
    const boom = new Error('boom');
    const out = await gatherWithConcurrency(1, [() => 1, () => Promise.reject(boom), () => 3], {
      returnExceptions: true,
    });
    expect(out).toEqual([1, boom, 3]);
  });

  it('handles an empty list and rejects bad arguments', async () => {
    expect(await gatherWithConcurrency(3, [])).toEqual([]);
    await expect(gatherWithConcurrency(0, [() => 1])).rejects.toThrow(RangeError);
    await expect(gatherWithConcurrency(1, [1 as never])).rejects.toThrow(/thunks\[0\]/);
  });
});

describe('batchProcess', () => {
  it('processes items in batches and resolves the flat results in input order', async () => {
    const batches: [number[], number][] = [];
    const out = await batchProcess([1, 2, 3, 4, 5], async (x: number) => [x, x * 2], {
      batchSize: 2,
      onBatchComplete: (results, index) => {
        batches.push([(results as number[][]).map((r) => r[0]!), index]);
      },
    });
    expect(out).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
      [5, 10],
    ]);
    expect(batches.sort((a, b) => a[1] - b[1])).toEqual([
      [[1, 2], 0],
      [[3, 4], 1],
      [[5], 2],
    ]);
  });

  it('runs at most maxConcurrent batches at once, the items of a batch one by one', async () => {
    const gates = new Map<number, ReturnType<typeof deferred<number>>>();
    const started: number[] = [];
    const done = batchProcess(
      [0, 1, 2, 3, 4, 5],
      (x: number) => {
        started.push(x);
        const d = deferred<number>();
        gates.set(x, d);
        return d.promise;
      },
      { batchSize: 2, maxConcurrent: 2 },
    );
    await tick();
    expect(started).toEqual([0, 2]);
    gates.get(2)!.resolve(2);
    await tick();
    expect(started).toEqual([0, 2, 3]);
    gates.get(3)!.resolve(3);
    await tick();
    expect(started).toEqual([0, 2, 3, 4]);
    gates.get(0)!.resolve(0);
    await tick();
    expect(started).toEqual([0, 2, 3, 4, 1]);
    for (const x of [1, 4]) gates.get(x)!.resolve(x);
    await tick();
    gates.get(5)!.resolve(5);
    expect(await done).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('retries a failed item retryCount times, retryDelay apart, and hands it index and attempt', async () => {
    const clock = new ManualClock();
    const seen: [number, number, number][] = [];
    const done = batchProcess(
      ['a', 'b'],
      (item: string, { index, attempt }) => {
        seen.push([index, attempt, clock.now()]);
        if (item === 'b' && attempt < 3) throw new Error('flaky');
        return item;
      },
      { retryCount: 2, retryDelay: 100, clock },
    );
    await clock.advance(200);
    expect(await done).toEqual(['a', 'b']);
    expect(seen).toEqual([
      [0, 1, 0],
      [1, 1, 0],
      [1, 2, 100],
      [1, 3, 200],
    ]);
  });

  it('rejects with an item’s last error and cancels the rest, unless returnExceptions', async () => {
    const boom = new Error('boom');
    let sibling: AbortSignal | undefined;
    const failing = await batchProcess(
      [1, 2],
      (x: number, { signal }) => {
        if (x === 2) throw boom;
        sibling = signal;
        return new Promise<never>(() => {});
      },
      { batchSize: 1, retryDelay: 0 },
    ).catch((e: unknown) => e);
    expect(failing).toBe(boom);
    expect(sibling?.aborted).toBe(true);
    const kept = await batchProcess(
      [1, 2, 3],
      (x: number) => {
        if (x === 2) throw boom;
        return x;
      },
      { returnExceptions: true, batchSize: 2 },
    );
    expect(kept).toEqual([1, boom, 3]);
  });

  it('rejects bad options naming them', async () => {
    await expect(batchProcess([1], (x) => x, { batchSize: 0 })).rejects.toThrow(/"batchSize"/);
    await expect(batchProcess([1], (x) => x, { maxConcurrent: 0 })).rejects.toThrow(RangeError);
    await expect(batchProcess([1], (x) => x, { retryCount: -1 })).rejects.toThrow(RangeError);
    await expect(batchProcess([1], 'f' as never)).rejects.toThrow(TypeError);
    await expect(batchProcess(5 as never, (x) => x)).rejects.toThrow(/iterable/);
  });
});
