import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { parallelMap } from '../../src/main/scheduler/parallel-map.js';

describe('parallelMap', () => {
  it('keeps order and bounds concurrency (default 10)', async () => {
    const clock = new ManualClock();
    let running = 0;
    let peak = 0;
    const fn = async (x: number) => {
      running++;
      peak = Math.max(peak, running);
      await clock.sleep(10 - (x % 10));
      running--;
      return x * 2;
    };
    const items = Array.from({ length: 25 }, (_, i) => i);
    const done = parallelMap(fn, items);
    await clock.advance(100);
    expect(await done).toEqual(items.map((x) => x * 2));
    expect(peak).toBe(10);
    peak = 0;
    const three = parallelMap(fn, items, 3);
    await clock.advance(200);
    await three;
    expect(peak).toBe(3);
  });

  it('rejects on the first failure and on a bad maxConcurrency', async () => {
    await expect(
      parallelMap(
        async (x: number) => {
          if (x === 1) throw new Error('one');
          return x;
        },
        [0, 1, 2],
      ),
    ).rejects.toThrow('one');
    await expect(parallelMap((x: number) => x, [1], 0)).rejects.toThrow(RangeError);
    await expect(parallelMap((x: number) => x, [1], 1.5)).rejects.toThrow(/maxConcurrency/);
  });
});
