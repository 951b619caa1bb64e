import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { runWithSignal } from '../../src/main/common/context.js';
import { nextDelay, retry } from '../../src/main/concurrency/retry.js';

class Flaky extends Error {}

/** A function failing `failures` times with Flaky, then returning 'ok'; records attempts and times. */
function flaky(failures: number, clock: ManualClock) {
  const calls: { attempt: number; at: number }[] = [];
  const fn = ({ attempt }: { attempt: number }) => {
    calls.push({ attempt, at: clock.now() });
    if (calls.length <= failures) throw new Flaky(`failure ${calls.length}`);
    return 'ok';
  };
  return { fn, calls };
}

describe('nextDelay', () => {
  it('grows by backoffFactor from delay', () => {
    const policy = { delay: 100, backoffFactor: 2 };
    expect([1, 2, 3, 4].map((k) => nextDelay(policy, k))).toEqual([100, 200, 400, 800]);
    expect(nextDelay({ delay: 50 }, 5)).toBe(50);
  });

  it('is capped by maxDelay', () => {
    const policy = { delay: 100, backoffFactor: 3, maxDelay: 500 };
    expect([1, 2, 3, 4].map((k) => nextDelay(policy, k))).toEqual([100, 300, 500, 500]);
  });

  it('jitters downwards within bounds and never above maxDelay', () => {
    const policy = { delay: 100, backoffFactor: 2, maxDelay: 300, jitter: true };
    expect(nextDelay(policy, 3, () => 0)).toBe(300);
    expect(nextDelay(policy, 3, () => 0.5)).toBe(150);
    expect(nextDelay(policy, 3, () => 0.999)).toBeCloseTo(0.3, 5);
    const partial = { delay: 1000, jitter: 0.25 };
    expect(nextDelay(partial, 1, () => 0)).toBe(1000);
    expect(nextDelay(partial, 1, () => 1)).toBe(750);
    for (let i = 0; i < 200; i++) {
      const d = nextDelay(partial, 1);
      expect(d).toBeGreaterThanOrEqual(750);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe('retry', () => {
  it('returns at once when the first attempt succeeds', async () => {
    expect(await retry(() => 42)).toBe(42);
  });

  it('waits delay × backoffFactor^(k-1) before retry k', async () => {
    const clock = new ManualClock();
    const { fn, calls } = flaky(3, clock);
    const done = retry(fn, { retries: 3, delay: 100, backoffFactor: 2, clock });
    await clock.advance(1000);
    expect(await done).toBe('ok');
    expect(calls).toEqual([
      { attempt: 1, at: 0 },
      { attempt: 2, at: 100 },
      { attempt: 3, at: 300 },
      { attempt: 4, at: 700 },
    ]);
  });

  it('makes retries + 1 attempts and rejects with the last error', async () => {
    const clock = new ManualClock();
    const { fn, calls } = flaky(10, clock);
    const done = retry(fn, { retries: 2, delay: 10, clock });
    const caught = done.catch((e: unknown) => e);
    await clock.advance(1000);
    const error = await caught;
    expect(error).toBeInstanceOf(Flaky);
    expect((error as Error).message).toBe('failure 3');
    expect(calls).toHaveLength(3);
  });

  it('uses p-retry-like defaults: 3 retries, 1 s doubling', async () => {
    const clock = new ManualClock();
    const { fn, calls } = flaky(10, clock);
    const caught = retry(fn, { clock }).catch((e: unknown) => e);
    await clock.advance(10_000);
    expect(await caught).toBeInstanceOf(Flaky);
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 3000, 7000]);
  });

  it('caps delays with maxDelay', async () => {
    const clock = new ManualClock();
    const { fn, calls } = flaky(4, clock);
    const done = retry(fn, { retries: 4, delay: 100, backoffFactor: 10, maxDelay: 250, clock });
    await clock.advance(2000);
    expect(await done).toBe('ok');
    expect(calls.map((c) => c.at)).toEqual([0, 100, 350, 600, 850]);
  });

  it('retries only what retryIf accepts', async () => {
    const clock = new ManualClock();
    let n = 0;
    const fatal = new TypeError('fatal');
    const done = retry(
      () => {
        n++;
        throw n === 1 ? new Flaky('transient') : fatal;
      },
      { retries: 5, delay: 0, retryIf: (e) => e instanceof Flaky, clock },
    );
    const caught = done.catch((e: unknown) => e);
    await clock.advance(10);
    expect(await caught).toBe(fatal);
    expect(n).toBe(2);
  });

  it('tells onRetry the error, the failed attempt and the coming delay', async () => {
    const clock = new ManualClock();
    const { fn } = flaky(2, clock);
    const seen: [string, number, number][] = [];
    const done = retry(fn, {
      delay: 50,
      backoffFactor: 3,
      clock,
      onRetry: (error, attempt, delay) => {
        seen.push([(error as Error).message, attempt, delay]);
      },
    });
    await clock.advance(500);
    expect(await done).toBe('ok');
    expect(seen).toEqual([
      ['failure 1', 1, 50],
      ['failure 2', 2, 150],
    ]);
  });

  it('rejects with signal.reason and stops waiting when aborted during a delay', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const { fn, calls } = flaky(10, clock);
    const caught = retry(fn, { delay: 1000, signal: controller.signal, clock }).catch(
      (e: unknown) => e,
    );
    await clock.tick();
    expect(clock.pending).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await caught).toBe(reason);
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(calls).toHaveLength(1);
  });

  it('rejects at once when aborted during an attempt, and hands the attempt the signal', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const caught = retry(
      ({ signal }) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    await new ManualClock().tick();
    controller.abort('why');
    expect(await caught).toBe('why');
    expect(seen?.aborted).toBe(true);
  });

  it('is cancelled by the current scope signal', async () => {
    const controller = new AbortController();
    const caught = runWithSignal(controller.signal, () =>
      retry(() => new Promise<never>(() => {})),
    ).catch((e: unknown) => e);
    controller.abort('scope');
    expect(await caught).toBe('scope');
  });

  it('rejects bad options with TypeError / RangeError naming them', async () => {
    await expect(retry(() => 1, { retries: -1 })).rejects.toThrow(RangeError);
    await expect(retry(() => 1, { retries: 1.5 })).rejects.toThrow(/"retries".*1\.5/);
    await expect(retry(() => 1, { delay: -5 })).rejects.toThrow(/"delay".*-5/);
    await expect(retry(() => 1, { backoffFactor: Number.NaN })).rejects.toThrow(RangeError);
    await expect(retry(() => 1, { maxDelay: -1 })).rejects.toThrow(/"maxDelay"/);
    await expect(retry(() => 1, { jitter: 2 })).rejects.toThrow(/"jitter".*2/);
    await expect(retry(() => 1, { jitter: 'x' as never })).rejects.toThrow(TypeError);
    await expect(retry(() => 1, { retires: 2 } as never)).rejects.toThrow(/did you mean "retries"/);
    await expect(retry(42 as never)).rejects.toThrow(TypeError);
  });
});
