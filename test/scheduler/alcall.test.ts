import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { runWithSignal } from '../../src/main/common/context.js';
import { isPoolcallError, TaskTimeoutError } from '../../src/main/common/errors.js';
import { alcall } from '../../src/main/scheduler/alcall.js';
import type { CallContext, Progress } from '../../src/main/scheduler/options.js';
import { deferred } from '../helpers.js';

describe('alcall: results', () => {
  it('keeps input order whatever the completion order', async () => {
    const clock = new ManualClock();
    const done = alcall(
      [30, 10, 20],
      async (ms: number) => {
        await clock.sleep(ms);
        return ms * 2;
      },
      { clock },
    );
    await clock.advance(30);
    expect(await done).toEqual([60, 20, 40]);
  });

  it('hands NaN and -0 over as items like any other value', async () => {
    const out = await alcall([Number.NaN, -0, 1], (x: number) => x);
    expect(out).toEqual([Number.NaN, -0, 1]);
    expect(Object.is(out[1], -0)).toBe(true);
  });

  it('wraps a single value and a string as one item', async () => {
    expect(await alcall(5, (x: number) => x + 1)).toEqual([6]);
    expect(await alcall('abc', (s: string) => s.length)).toEqual([3]);
    expect(await alcall(new Set([1, 2]), (x: number) => x * 10)).toEqual([10, 20]);
  });

  it('reads generators and async iterables', async () => {
    function* gen() {
      yield 1;
      yield 2;
    }
    async function* agen() {
      yield 3;
      yield 4;
    }
    expect(await alcall(gen(), (x: number) => x * 2)).toEqual([2, 4]);
    expect(await alcall(agen(), (x: number) => x * 2)).toEqual([6, 8]);
  });

  it('hands ctx with index, attempt, signal and kwargs to sync and async functions', async () => {
    const seen: unknown[] = [];
    const sync = (x: number, ctx: CallContext) => {
      seen.push([x, ctx.index, ctx.attempt, ctx.kwargs, ctx.signal instanceof AbortSignal]);
      return x;
    };
    await alcall([7, 8], sync, { kwargs: { k: 1 } });
    await alcall([9], async (x: number, ctx: CallContext) => sync(x, ctx));
    expect(seen).toEqual([
      [7, 0, 1, { k: 1 }, true],
      [8, 1, 1, { k: 1 }, true],
      [9, 0, 1, {}, true],
    ]);
  });

  it('shapes input and output', async () => {
    const out = await alcall([[1, 2], [null, [3, 2]], undefined], (x: number) => [x, x], {
      sanitizeInput: true,
      uniqueInput: true,
      flatten: true,
      uniqueOutput: true,
    });
    expect(out).toEqual([1, 2, 3]);
    expect(await alcall([1, 2, 3], (x: number) => (x === 2 ? null : x), { dropna: true })).toEqual([
      1, 3,
    ]);
    expect(await alcall([1, 2, 1], (x: number) => ({ v: x }), { uniqueOutput: true })).toEqual([
      { v: 1 },
      { v: 2 },
    ]);
  });
});

describe('alcall: retries and timing', () => {
  it('retries with exponential backoff measured on the clock', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const done = alcall(
      ['x'],
      () => {
        starts.push(clock.now());
        if (starts.length < 4) throw new Error(`fail ${starts.length}`);
        return 'ok';
      },
      { clock, numRetries: 3, retryDelay: 100, backoffFactor: 2 },
    );
    await clock.advance(1000);
    expect(await done).toEqual(['ok']);
    expect(starts).toEqual([0, 100, 300, 700]);
  });

  it('rejects with the last error once attempts are exhausted', async () => {
    let n = 0;
    const error = await alcall(
      [1],
      () => {
        throw new Error(`attempt ${++n}`);
      },
      { numRetries: 2 },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('attempt 3');
  });

  it('uses retryDefault when attempts are exhausted; null and undefined count', async () => {
    const fail = (x: number) => {
      if (x === 2) throw new Error('no');
      return x;
    };
    expect(await alcall([1, 2], fail, { retryDefault: 'FAILED' })).toEqual([1, 'FAILED']);
    expect(await alcall([1, 2], fail, { retryDefault: null })).toEqual([1, null]);
    expect(await alcall([1, 2], fail, { retryDefault: undefined })).toEqual([1, undefined]);
  });

  it('leaves the Error in place with returnExceptions', async () => {
    const out = await alcall(
      [1, 2],
      (x: number) => {
        if (x === 2) throw new RangeError('bad');
        return x;
      },
      { returnExceptions: true },
    );
    expect(out[0]).toBe(1);
    expect(out[1]).toBeInstanceOf(RangeError);
  });

  it('times each item from its first start to its end, backoff included', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const done = alcall(
      [1],
      async (x: number) => {
        calls++;
        await clock.sleep(10);
        if (calls === 1) throw new Error('once');
        return x;
      },
      { clock, numRetries: 1, retryDelay: 50, retryTiming: true },
    );
    await clock.advance(100);
    expect(await done).toEqual([[1, 70]]);
  });

  it('times out an attempt that ignores its signal, aborting ctx.signal, and retries it', async () => {
    const clock = new ManualClock();
    const reasons: unknown[] = [];
    const done = alcall(
      [1],
      (_: number, ctx: CallContext) => {
        ctx.signal.addEventListener('abort', () => reasons.push(ctx.signal.reason));
        return new Promise<never>(() => {});
      },
      { clock, retryTimeout: 50, numRetries: 1 },
    );
    const error = done.catch((e: unknown) => e);
    await clock.advance(49);
    expect(reasons).toHaveLength(0);
    await clock.advance(51);
    const e = await error;
    expect(e).toBeInstanceOf(TaskTimeoutError);
    expect(isPoolcallError(e, 'ERR_TASK_TIMEOUT')).toBe(true);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toBeInstanceOf(TaskTimeoutError);
  });

  it('does not time out an attempt that finishes in time', async () => {
    const clock = new ManualClock();
    const done = alcall(
      [1],
      async (x: number) => {
        await clock.sleep(40);
        return x;
      },
      { clock, retryTimeout: 50 },
    );
    await clock.advance(60);
    expect(await done).toEqual([1]);
    expect(clock.pending).toBe(0);
  });
});

describe('alcall: concurrency and throttling', () => {
  it('never has more than maxConcurrent calls in flight', async () => {
    const clock = new ManualClock();
    let running = 0;
    let peak = 0;
    const done = alcall(
      Array.from({ length: 10 }, (_, i) => i),
      async (i: number) => {
        running++;
        peak = Math.max(peak, running);
        await clock.sleep(10 + (i % 3));
        running--;
        return i;
      },
      { clock, maxConcurrent: 3 },
    );
    await clock.advance(100);
    expect(await done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it('holds no slot while an item waits out its retry backoff', async () => {
    const clock = new ManualClock();
    const starts: [string, number][] = [];
    let failedOnce = false;
    const done = alcall(
      ['a', 'b'],
      (x: string) => {
        starts.push([x, clock.now()]);
        if (x === 'a' && !failedOnce) {
          failedOnce = true;
          throw new Error('retry me');
        }
        return clock.sleep(10).then(() => x);
      },
      { clock, maxConcurrent: 1, numRetries: 1, retryDelay: 1000 },
    );
    await clock.advance(2000);
    expect(await done).toEqual(['a', 'b']);
    expect(starts).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 1000],
    ]);
  });

  it('spaces call starts by throttlePeriod across the call, first at once', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const done = alcall(
      [1, 2, 3, 4],
      (x: number) => {
        starts.push(clock.now());
        return x;
      },
      { clock, throttlePeriod: 100 },
    );
    await clock.advance(500);
    expect(await done).toEqual([1, 2, 3, 4]);
    expect(starts).toEqual([0, 100, 200, 300]);
  });

  it('waits initialDelay once before the first call', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const done = alcall(
      [1, 2],
      (x: number) => {
        starts.push(clock.now());
        return x;
      },
      { clock, initialDelay: 250 },
    );
    await clock.advance(249);
    expect(starts).toEqual([]);
    await clock.advance(1);
    await done;
    expect(starts).toEqual([250, 250]);
  });

  it('reads an iterable lazily: no item is taken before a slot is free', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let read = 0;
    function* source() {
      for (let i = 0; i < 3; i++) {
        read++;
        yield i;
      }
    }
    const done = alcall(source(), (i: number) => gates[i]!.promise.then(() => i), {
      maxConcurrent: 1,
    });
    await new Promise((r) => setImmediate(r));
    expect(read).toBe(1);
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(read).toBe(2);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await done).toEqual([0, 1, 2]);
  });
});

describe('alcall: cancellation', () => {
  it('rejects with the first failure for good and cancels the rest', async () => {
    const clock = new ManualClock();
    const started: number[] = [];
    const aborted: number[] = [];
    const done = alcall(
      [0, 1, 2, 3],
      async (i: number, ctx: CallContext) => {
        started.push(i);
        ctx.signal.addEventListener('abort', () => aborted.push(i));
        await clock.sleep(i === 0 ? 10 : 100);
        if (i === 0) throw new Error('boom');
        return i;
      },
      { clock, maxConcurrent: 2 },
    );
    const error = done.catch((e: unknown) => e);
    await clock.advance(200);
    expect(((await error) as Error).message).toBe('boom');
    expect(started).toEqual([0, 1]);
    expect(aborted).toContain(1);
  });

  it('cancels with signal and rejects with its reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const aborted: number[] = [];
    const done = alcall(
      [0, 1, 2],
      (i: number, ctx: CallContext) => {
        started.push(i);
        ctx.signal.addEventListener('abort', () => aborted.push(i));
        return new Promise<never>(() => {});
      },
      { maxConcurrent: 2, signal: controller.signal },
    );
    await new Promise((r) => setImmediate(r));
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(done).rejects.toBe(reason);
    expect(started).toEqual([0, 1]);
    expect(aborted).toEqual([0, 1]);
  });

  it('rejects at once for an already aborted signal, calling nothing', async () => {
    let calls = 0;
    const reason = new Error('already');
    await expect(alcall([1], () => calls++, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(calls).toBe(0);
  });

  it('is cancelled with the enclosing scope signal', async () => {
    const controller = new AbortController();
    const done = runWithSignal(controller.signal, () =>
      alcall([1], () => new Promise<never>(() => {})),
    );
    controller.abort(new Error('scope'));
    await expect(done).rejects.toThrow('scope');
  });

  it('cancels an item waiting out its backoff', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let calls = 0;
    const done = alcall(
      [1],
      () => {
        calls++;
        throw new Error('fail');
      },
      { clock, numRetries: 5, retryDelay: 1000, signal: controller.signal },
    );
    await clock.advance(10);
    controller.abort(new Error('stop'));
    await expect(done).rejects.toThrow('stop');
    await clock.advance(10_000);
    expect(calls).toBe(1);
  });
});

describe('alcall: progress', () => {
  it('reports progress as items finish; the last has done + failed === total', async () => {
    const reports: Progress[] = [];
    await alcall(
      [1, 2, 3],
      (x: number) => {
        if (x === 2) throw new Error('no');
        return x;
      },
      { retryDefault: 0, onProgress: (p) => reports.push(p) },
    );
    expect(reports).toHaveLength(3);
    const last = reports.at(-1)!;
    expect(last).toMatchObject({ done: 2, failed: 1, running: 0, total: 3 });
    expect(last.done + last.failed).toBe(last.total);
  });
});

describe('alcall: bad options', () => {
  it('rejects (never throws) with TypeError or RangeError naming option and value', async () => {
    const fn = (x: number) => x;
    const unknown = alcall([1], fn, { numRetry: 2 } as never);
    await expect(unknown).rejects.toThrow(TypeError);
    await expect(unknown).rejects.toThrow(/numRetry.*numRetries/);
    await expect(alcall([1], fn, { numRetries: -1 })).rejects.toThrow(RangeError);
    await expect(alcall([1], fn, { numRetries: 1.5 })).rejects.toThrow(/numRetries.*1\.5/);
    await expect(alcall([1], fn, { maxConcurrent: 0 })).rejects.toThrow(RangeError);
    await expect(alcall([1], fn, { retryDelay: Number.NaN })).rejects.toThrow(RangeError);
    await expect(alcall([1], fn, { retryTimeout: Number.POSITIVE_INFINITY })).rejects.toThrow(
      RangeError,
    );
    await expect(alcall([1], fn, { flatten: 'yes' as never })).rejects.toThrow(TypeError);
    await expect(alcall([1], fn, { chunkSize: 0 })).rejects.toThrow(RangeError);
    await expect(alcall([1], 'nope' as never)).rejects.toThrow(TypeError);
    expect(await alcall([1, 2], fn, { maxConcurrent: Number.POSITIVE_INFINITY })).toEqual([1, 2]);
  });
});
