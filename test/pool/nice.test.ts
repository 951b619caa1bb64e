/**
 * `niceIncrement`: the pool's threads run at a lower priority than the main
 * thread (Linux, where each thread has its own), replacements included; the
 * main thread keeps its own; bad values are refused naming the option.
 */
import os from 'node:os';
import { createPool, TaskTimeoutError } from 'poolcall';
import { describe, expect, it } from 'vitest';
import { tasksUrl } from '../helpers.js';

/** What a thread started at `base` reports once lowered by `increment`, on this platform. */
const lowered = (base: number, increment: number) =>
  process.platform === 'linux' ? Math.min(19, base + increment) : base;

describe('niceIncrement', () => {
  it('lowers every thread of the pool, and a replacement for a killed one, not the main thread', async () => {
    const base = os.getPriority();
    await using pool = createPool(tasksUrl, { maxThreads: 2, niceIncrement: 5 });
    const seen = await Promise.all([0, 1, 2, 3].map((i) => pool.run('priority', i)));
    expect(seen).toEqual([0, 1, 2, 3].map(() => lowered(base, 5)));
    expect(os.getPriority()).toBe(base);
    // Both threads terminated by their deadlines: the next tasks run on new ones.
    const killed = await Promise.allSettled([
      pool.run('forever', 0, { timeout: 50 }),
      pool.run('forever', 0, { timeout: 50 }),
    ]);
    for (const r of killed) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TaskTimeoutError);
    }
    expect(pool.stats().threads).toBeGreaterThan(0);
    const after = await Promise.all([0, 1].map((i) => pool.run('priority', i)));
    expect(after).toEqual([lowered(base, 5), lowered(base, 5)]);
    expect(os.getPriority()).toBe(base);
  });

  it('applies where the user has a workerData of their own too', async () => {
    const base = os.getPriority();
    await using pool = createPool(tasksUrl, {
      maxThreads: 1,
      niceIncrement: 3,
      workerData: { mine: true },
    });
    expect(await pool.run('priority', 0)).toBe(lowered(base, 3));
    expect(await pool.run('getWorkerData', 0)).toEqual({ mine: true });
  });

  it('leaves the threads as they are at 0, the default', async () => {
    const base = os.getPriority();
    await using pool = createPool(tasksUrl, { maxThreads: 1, niceIncrement: 0 });
    expect(await pool.run('priority', 0)).toBe(base);
  });

  it('refuses what is not an integer from 0 to 19, naming the option and the value', () => {
    for (const value of [-1, 1.5, 20, 1e9, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createPool(tasksUrl, { niceIncrement: value })).toThrow(
        new RegExp(`"niceIncrement".*${String(value).replace('+', '\\+')}`),
      );
    }
    expect(() => createPool(tasksUrl, { niceIncrement: 20 })).toThrow(RangeError);
    expect(() => createPool(tasksUrl, { niceIncrement: '3' as unknown as number })).toThrow(
      TypeError,
    );
    const options = {
      get niceIncrement(): number {
        throw new Error('boom');
      },
    };
    expect(() => createPool(tasksUrl, options)).toThrow(/niceIncrement/);
  });
});
