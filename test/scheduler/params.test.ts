import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { ALCallParams, BCallParams } from '../../src/main/scheduler/params.js';

describe('ALCallParams', () => {
  it('runs alcall with the stored options and function', async () => {
    const params = new ALCallParams({ maxConcurrent: 3, numRetries: 2, retryDelay: 0 });
    expect(await params.call([1, 2, 3], async (x: number) => x * 2)).toEqual([2, 4, 6]);
    const stored = new ALCallParams({ fn: (x: number) => x + 1 });
    expect(await stored.call([1, 2])).toEqual([2, 3]);
    expect(stored.fn).toBeTypeOf('function');
  });

  it('is immutable; with() makes a new validated configuration', async () => {
    const params = new ALCallParams({ numRetries: 1 });
    expect(Object.isFrozen(params)).toBe(true);
    expect(() => {
      (params as { numRetries?: number }).numRetries = 5;
    }).toThrow(TypeError);
    const timed = params.with({ retryTiming: true, clock: new ManualClock() });
    expect(timed).not.toBe(params);
    expect(timed.numRetries).toBe(1);
    expect(params.retryTiming).toBeUndefined();
    expect(await timed.call([1], (x: number) => x)).toEqual([[1, 0]]);
    expect(() => params.with({ numRetries: -1 })).toThrow(RangeError);
  });

  it('overrides apply to one call only', async () => {
    const params = new ALCallParams({ retryDefault: 'D' });
    const fail = () => {
      throw new Error('x');
    };
    expect(await params.call([1], fail)).toEqual(['D']);
    expect(await params.call([1], fail, { retryDefault: 'E' })).toEqual(['E']);
  });

  it('throws at construction on bad options; call without a function rejects', async () => {
    expect(() => new ALCallParams({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => new ALCallParams({ numRetrys: 1 } as never)).toThrow(/numRetries/);
    expect(() => new ALCallParams({ fn: 3 } as never)).toThrow(TypeError);
    // @ts-expect-error: no function given and none stored
    await expect(new ALCallParams().call([1])).rejects.toThrow(TypeError);
  });
});

describe('BCallParams', () => {
  it('returns the batch generator', async () => {
    const params = new BCallParams({ batchSize: 2, maxConcurrent: 2 });
    const out: unknown[][] = [];
    for await (const batch of params.call([1, 2, 3], (x: number) => x * 10)) out.push(batch);
    expect(out).toEqual([[10, 20], [30]]);
    const one = params.with({ batchSize: 3 });
    for await (const batch of one.call([1, 2, 3], (x: number) => x))
      expect(batch).toEqual([1, 2, 3]);
  });

  it('stores the function, as ALCallParams does', async () => {
    const params = new BCallParams({ fn: (x: number) => x + 1, batchSize: 2 });
    expect(params.fn).toBeTypeOf('function');
    const out: unknown[][] = [];
    for await (const batch of params.call([1, 2, 3])) out.push(batch);
    expect(out).toEqual([[2, 3], [4]]);
    const other: unknown[][] = [];
    for await (const batch of params.with({ batchSize: 3 }).call([1, 2], (x: number) => -x))
      other.push(batch);
    expect(other).toEqual([[-1, -2]]);
  });

  it('throws at construction without or with a bad batchSize', () => {
    expect(() => new BCallParams({} as never)).toThrow(TypeError);
    expect(() => new BCallParams({ batchSize: 0 })).toThrow(RangeError);
    expect(() => new BCallParams({ batchSize: 2, fn: 'x' } as never)).toThrow(
      'BCallParams: option "fn" must be a function, received "x"',
    );
  });
});
