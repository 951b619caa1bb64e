import { alcall, createPool, isPoolcallError, TaskTimeoutError } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { deferred, fixtures, handshake, tasksUrl, until } from '../helpers.js';

type Tasks = typeof import('../fixtures/alcall-tasks.js');
type Base = typeof import('../fixtures/tasks.js');

describe('alcall over a worker task', () => {
  const pool = createPool<Tasks>(new URL('alcall-tasks.js', fixtures), { maxThreads: 2 });
  afterAll(() => pool.close());

  it('runs items in workers and keeps input order', async () => {
    const out = await alcall([1, 2, 3, 4, 5], pool.task('double'), { maxConcurrent: 3 });
    expect(out).toEqual([2, 4, 6, 8, 10]);
  });

  it('stops a runaway attempt with retryTimeout, terminating its worker, and retries it', async () => {
    const before = pool.stats().terminated;
    const out = await alcall([21], pool.task('runawayOnce'), {
      retryTimeout: 500,
      numRetries: 1,
    });
    expect(out).toEqual([42]);
    expect(pool.stats().terminated - before).toBe(1);
  });

  it('rejects with TaskTimeoutError when every attempt runs over', async () => {
    const error = await alcall([1], pool.task('runawayOnce'), { retryTimeout: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
  });

  it('never puts more in flight than the pool has slots, even for several calls', async () => {
    let peakBusy = 0;
    let peakQueued = 0;
    const sample = () => {
      const s = pool.stats();
      peakBusy = Math.max(peakBusy, s.busy);
      peakQueued = Math.max(peakQueued, s.queued);
    };
    const items = Array.from({ length: 12 }, () => 3);
    const hold = pool.task('hold');
    const single = await alcall(items, hold, { onProgress: sample });
    expect(single).toHaveLength(12);
    expect(peakQueued).toBe(0);
    const many = await Promise.all([
      alcall(items, hold, { onProgress: sample }),
      alcall(items, hold, { onProgress: sample }),
      alcall(items, hold, { onProgress: sample }),
    ]);
    expect(many.flat()).toHaveLength(36);
    expect(peakBusy).toBeLessThanOrEqual(2);
    expect(peakQueued).toBeLessThanOrEqual(4);
  });

  it('cancels by signal: the running worker task is terminated and the call rejects with the reason', async () => {
    const before = pool.stats().terminated;
    const h = handshake();
    const controller = new AbortController();
    const done = alcall([{ flag: h.flag }], pool.task('failOrSpin'), {
      signal: controller.signal,
    });
    await h.started();
    const reason = new Error('enough');
    controller.abort(reason);
    await expect(done).rejects.toBe(reason);
    await until(() => pool.stats().terminated - before >= 1);
    expect(pool.stats().terminated - before).toBe(1);
  });

  it('a failure for good terminates the sibling running in a worker', async () => {
    const before = pool.stats().terminated;
    const h = handshake();
    const started = h.started();
    const done = alcall([{ flag: h.flag }, { fail: 'broken' }], pool.task('failOrSpin'), {
      maxConcurrent: 2,
    });
    const outcome = done.then(
      () => undefined,
      (e: unknown) => e,
    );
    await Promise.race([started, outcome]);
    expect(await outcome).toMatchObject({ message: 'broken' });
    await until(() => pool.stats().terminated - before >= 1);
    expect(pool.stats().terminated - before).toBe(1);
  });
});

describe('alcall: items that cannot cross to a worker', () => {
  const pool = createPool<Base>(tasksUrl, { maxThreads: 1 });
  afterAll(() => pool.close());

  it('fails only the uncloneable item, with ERR_DATA_CLONE', async () => {
    const inc = pool.task('inc');
    const out = await alcall([1, () => 1, 3, Symbol('s')] as never, inc, {
      returnExceptions: true,
    });
    expect(out[0]).toBe(2);
    expect(out[2]).toBe(4);
    expect(isPoolcallError(out[1], 'ERR_DATA_CLONE')).toBe(true);
    expect(isPoolcallError(out[3], 'ERR_DATA_CLONE')).toBe(true);
    const error = await alcall([1, () => 1] as never, inc).catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_DATA_CLONE')).toBe(true);
  });

  it('passes kwargs and forwards task progress, with timing', async () => {
    const reports: [number, unknown][] = [];
    const both = deferred();
    const out = await alcall([1, 2], pool.task('withCtx'), {
      kwargs: { add: 10 },
      retryTiming: true,
      onTaskProgress: (index, value) => {
        if (reports.push([index, value]) === 2) both.resolve();
      },
    });
    expect(out.map(([value]) => value)).toEqual([
      { x: 11, index: 0, attempt: 1 },
      { x: 12, index: 1, attempt: 1 },
    ]);
    for (const [, ms] of out) expect(ms).toBeGreaterThanOrEqual(0);
    // Reports travel on their own port: they may land after the results.
    await both.promise;
    expect(reports.sort()).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
