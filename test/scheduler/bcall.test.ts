import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { bcall } from '../../src/main/scheduler/bcall.js';
import type { CallContext } from '../../src/main/scheduler/options.js';

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of gen) out.push(v);
  return out;
}

describe('bcall', () => {
  it('yields each batch of results in order, the last one short', async () => {
    const batches = await collect(
      bcall([1, 2, 3, 4, 5, 6, 7], async (x: number) => x * 2, { batchSize: 3 }),
    );
    expect(batches).toEqual([[2, 4, 6], [8, 10, 12], [14]]);
  });

  it('reads an async iterable lazily, a batch at a time', async () => {
    let read = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const gen = bcall(source(), (x: number) => x, { batchSize: 10 });
    const first = await gen.next();
    expect(first.value).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // the next batch may be running while the consumer holds this one, no more
    expect(read).toBeLessThanOrEqual(21);
    await gen.return();
    expect(read).toBeLessThanOrEqual(21);
  });

  it('waits initialDelay once, not before every batch', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const batches = collect(
      bcall([1, 2, 3, 4], (x: number) => starts.push(clock.now()) && x, {
        batchSize: 2,
        initialDelay: 100,
        clock,
      }),
    );
    await clock.advance(100);
    expect(await batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(starts).toEqual([100, 100, 100, 100]);
  });

  it('applies alcall options per item and shapes each batch', async () => {
    let calls = 0;
    const batches = await collect(
      bcall(
        [[1, 1], null, [2, 3], 3, 4],
        (x: number) => {
          calls++;
          if (x === 4) throw new Error('no');
          return [x, null];
        },
        {
          batchSize: 2,
          sanitizeInput: true,
          uniqueInput: true,
          flatten: true,
          dropna: true,
          retryDefault: 'D',
          numRetries: 1,
        },
      ),
    );
    expect(batches).toEqual([
      [1, 2],
      [3, 'D'],
    ]);
    expect(calls).toBe(5);
  });

  it('leaving the loop early cancels the batch in flight', async () => {
    const aborted: number[] = [];
    const started: number[] = [];
    const gen = bcall(
      [0, 1, 2, 3, 4, 5],
      (x: number, ctx: CallContext) => {
        started.push(x);
        if (x < 2) return x;
        ctx.signal.addEventListener('abort', () => aborted.push(x));
        return new Promise<never>(() => {});
      },
      { batchSize: 2 },
    );
    for await (const batch of gen) {
      expect(batch).toEqual([0, 1]);
      break;
    }
    expect(aborted).toEqual([2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('a failure ends the generator with its error', async () => {
    const gen = bcall(
      [1, 2, 3],
      (x: number) => {
        if (x === 3) throw new Error('third');
        return x;
      },
      { batchSize: 2 },
    );
    expect((await gen.next()).value).toEqual([1, 2]);
    await expect(gen.next()).rejects.toThrow('third');
  });

  it('stops with signal, rejecting with its reason', async () => {
    const controller = new AbortController();
    const gen = bcall([1, 2, 3], () => new Promise<never>(() => {}), {
      batchSize: 1,
      signal: controller.signal,
    });
    const next = gen.next();
    const reason = new Error('halt');
    controller.abort(reason);
    await expect(next).rejects.toBe(reason);
  });

  it('rejects the first next() on bad options', async () => {
    const fn = (x: number) => x;
    await expect(bcall([1], fn, { batchSize: 0 }).next()).rejects.toThrow(RangeError);
    await expect(bcall([1], fn, { batchSize: 1.5 }).next()).rejects.toThrow(/batchSize.*1\.5/);
    await expect(bcall([1], fn, {} as never).next()).rejects.toThrow(TypeError);
    await expect(bcall([1], fn, { batchSize: 2, batchsize: 3 } as never).next()).rejects.toThrow(
      /batchsize.*batchSize/,
    );
  });
});
