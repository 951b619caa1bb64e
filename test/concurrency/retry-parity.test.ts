/**
 * retry as p-retry users expect it: the onFailedAttempt hook order,
 * StopRetrying, a time budget, retrying forever, non-Error failures, and
 * timers that need not keep the process alive.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { type FailedAttempt, retry } from '../../src/main/concurrency/retry.js';
import { StopRetrying } from '../../src/shared/failure.js';
import { runNode } from '../helpers.js';

describe('retry, coming from p-retry', () => {
  it('onFailedAttempt hears every failure, before retryIf and before onRetry', async () => {
    const events: string[] = [];
    let n = 0;
    const done = retry(
      () => {
        n++;
        throw new Error(`e${n}`);
      },
      {
        retries: 5,
        delay: 0,
        onFailedAttempt: ({ error, attempt, retriesLeft }: FailedAttempt) => {
          events.push(`failed ${error.message} ${attempt} ${retriesLeft}`);
        },
        retryIf: (error) => {
          events.push(`retryIf ${(error as Error).message}`);
          return (error as Error).message !== 'e2';
        },
        onRetry: (error) => {
          events.push(`onRetry ${(error as Error).message}`);
        },
      },
    );
    await expect(done).rejects.toThrow('e2');
    expect(events).toEqual([
      'failed e1 1 5',
      'retryIf e1',
      'onRetry e1',
      'failed e2 2 4',
      'retryIf e2',
    ]);
  });

  it('onFailedAttempt hears the last failure too, and a throw from it stops retrying', async () => {
    const heard: number[] = [];
    await expect(
      retry(
        () => {
          throw new Error('always');
        },
        { retries: 2, delay: 0, onFailedAttempt: ({ attempt }) => void heard.push(attempt) },
      ),
    ).rejects.toThrow('always');
    expect(heard).toEqual([1, 2, 3]);
    let attempts = 0;
    await expect(
      retry(
        () => {
          attempts++;
          throw new Error('task');
        },
        {
          retries: 9,
          delay: 0,
          onFailedAttempt: () => {
            throw new Error('hook');
          },
        },
      ),
    ).rejects.toThrow('hook');
    expect(attempts).toBe(1);
  });

  it('StopRetrying rejects at once with the error it wraps, told to no hook', async () => {
    const cause = new RangeError('404');
    let attempts = 0;
    const heard: unknown[] = [];
    const done = retry(
      () => {
        attempts++;
        throw new StopRetrying(cause);
      },
      {
        retries: 5,
        delay: 0,
        onFailedAttempt: (f) => void heard.push(f),
        onRetry: (e) => void heard.push(e),
      },
    );
    await expect(done).rejects.toBe(cause);
    expect(attempts).toBe(1);
    expect(heard).toEqual([]);
    const plain = await retry(() => Promise.reject(new StopRetrying('gone')), { delay: 0 }).catch(
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(StopRetrying);
    expect((plain as Error).message).toBe('gone');
  });

  it('maxRetryTime: no retry starts after the budget', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const done = retry(
      () => {
        starts.push(clock.now());
        throw new Error(`at ${clock.now()}`);
      },
      { retries: Number.POSITIVE_INFINITY, delay: 100, backoffFactor: 1, maxRetryTime: 250, clock },
    );
    done.catch(() => {});
    for (let t = 0; t < 5; t++) await clock.advance(100);
    await expect(done).rejects.toThrow('at 200');
    expect(starts).toEqual([0, 100, 200]);
  });

  it('retries: Infinity retries until success', async () => {
    let n = 0;
    expect(
      await retry(
        () => {
          if (++n < 40) throw new Error('not yet');
          return n;
        },
        { retries: Number.POSITIVE_INFINITY, delay: 0 },
      ),
    ).toBe(40);
  });

  it('a thrown non-Error is retried and rejects as a TypeError naming it', async () => {
    let n = 0;
    const caught = await retry(
      () => {
        n++;
        throw 'busy';
      },
      { retries: 2, delay: 0 },
    ).catch((e: unknown) => e);
    expect(n).toBe(3);
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as TypeError).message).toBe('A non-Error value was thrown: "busy"');
    expect((caught as TypeError).cause).toBe('busy');
  });

  it('checks the new options', async () => {
    await expect(retry(() => 1, { maxRetryTime: -5 })).rejects.toThrow(
      'retry: option "maxRetryTime" must be a number >= 0 (ms) or Infinity, received -5',
    );
    await expect(retry(() => 1, { unref: 'yes' as never })).rejects.toThrow(
      'retry: option "unref" must be a boolean, received "yes"',
    );
    await expect(retry(() => 1, { onFailedAttempt: 1 as never })).rejects.toThrow(TypeError);
  });

  it('unref: a pending retry does not keep the process alive; without it, it does', async () => {
    const child = fileURLToPath(new URL('unref-child.js', import.meta.url));
    const unrefd = await runNode([child, '60000', '1'], 20_000);
    expect(unrefd.hung, unrefd.stderr).toBe(false);
    expect(unrefd.code, unrefd.stderr).toBe(0);
    expect(unrefd.stdout).toBe('attempt 1\nexit\n');
    const kept = await runNode([child, '50', '0'], 20_000);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toBe('attempt 1\nattempt 2\nrejected: failure 2\nexit\n');
  });
});
