import { alcall, bcall, createPool } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { pack, packWith } from '../../dist/shared/packed.js';
import { fixtures } from '../helpers.js';

type Tasks = typeof import('../fixtures/chunk-tasks.js');
const chunkTasks = new URL('chunk-tasks.js', fixtures);

/** Numbers a structured clone keeps exactly, and so must a packed batch. */
const EDGES = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0.1,
  -1.5e-300,
  2 ** 53 + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
  -(2 ** 31),
  2 ** 31,
];

describe('packing a list of numbers', () => {
  it('packs only lists of two or more numbers, into equal Float64 values', () => {
    const packed = pack([...EDGES]);
    expect(packed).toBeInstanceOf(Float64Array);
    expect(Array.from(packed).every((v, i) => Object.is(v, EDGES[i]))).toBe(true);
    expect(pack([1])).toEqual([1]);
    expect(pack([1, '2'])).toEqual([1, '2']);
    expect(pack(['1', 2])).toEqual(['1', 2]);
    expect(pack([1, 2n])).toEqual([1, 2n]);
    expect(pack([1, undefined])).toEqual([1, undefined]);
    expect(pack([1, new Number(2)])).not.toBeInstanceOf(Float64Array);
  });

  it('reads each element once, through the given accessor', () => {
    const reads: number[] = [];
    const out = packWith([{ v: 1 }, { v: 2 }], (x) => {
      reads.push(x.v);
      return x.v;
    });
    expect(Array.from(out!)).toEqual([1, 2]);
    // The first element is read once more to choose the packing.
    expect(reads).toEqual([1, 1, 2]);
  });
});

describe('chunks of numbers on a real pool', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 2 });
  afterAll(() => pool.close());
  const same = pool.task('same');

  for (const chunkSize of [4, 'auto'] as const) {
    it(`gives back every number exactly (chunkSize ${chunkSize})`, async () => {
      const items = Array.from({ length: 50 }, (_, i) => EDGES[i % EDGES.length]!);
      const out = await alcall(items, same, { chunkSize });
      expect(out).toHaveLength(items.length);
      expect(out.every((v, i) => Object.is(v, items[i]))).toBe(true);
    });
  }

  it('hands the task numbers, not a typed array or its elements boxed', async () => {
    const out = await alcall([1, 2.5, Number.NaN, -0], pool.task('kind'), { chunkSize: 4 });
    expect(out).toEqual(['number', 'number', 'number', 'number']);
  });

  it('keeps mixed batches as they are: numbers beside strings, arrays and objects', async () => {
    const items = [1, '2', [3], { four: 4 }, 5n, null, 6];
    const out = await alcall(items, same, { chunkSize: 7 });
    expect(out).toEqual(items);
    expect(await alcall(items, pool.task('kind'), { chunkSize: 7 })).toEqual([
      'number',
      'string',
      'Array',
      'object',
      'bigint',
      'object',
      'number',
    ]);
  });

  it('fails, retries and defaults the items of a packed batch by position', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const oddFails = pool.task('oddFails');
    const out = await alcall(items, oddFails, { chunkSize: 8, returnExceptions: true });
    out.forEach((v, i) => {
      if (i % 2 === 1) {
        expect(v).toBeInstanceOf(Error);
        expect((v as Error).name).toBe('RangeError');
        expect((v as Error).message).toBe(`odd: ${i}`);
      } else expect(v).toBe(i * 2);
    });
    const defaulted = await alcall(items, oddFails, {
      chunkSize: 'auto',
      numRetries: 1,
      retryDefault: -1,
    });
    expect(defaulted).toEqual(items.map((i) => (i % 2 === 1 ? -1 : i * 2)));
    const batches = [];
    for await (const batch of bcall(items, oddFails, {
      batchSize: 10,
      chunkSize: 5,
      retryDefault: null,
    })) {
      batches.push(batch);
    }
    expect(batches.flat()).toEqual(items.map((i) => (i % 2 === 1 ? null : i * 2)));
  });

  it('keeps indices in step with the input around promise and thenable elements', async () => {
    // A thenable that is not a native promise.
    const thenable = (v: number) =>
      Object.defineProperty({} as PromiseLike<number>, 'then', {
        value: (ok: (x: number) => void) => ok(v),
      });
    const items: unknown[] = Array.from({ length: 30 }, (_, i) =>
      i % 7 === 3 ? Promise.resolve(i) : i % 11 === 5 ? thenable(i) : i,
    );
    const out = await alcall(items, pool.task('indexed'), { chunkSize: 4 });
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => [i, i]));
  });

  it('reads an element with a getter no more often than alone, and sends what it read', async () => {
    let reads = 0;
    const items = [1, 2, 3, 4, 5];
    Object.defineProperty(items, 2, {
      get() {
        reads++;
        return 30 + reads;
      },
      enumerable: true,
    });
    const out = await alcall(items, same, { chunkSize: 5 });
    // Once when promise elements are marked as handled, once when its turn comes.
    expect(reads).toBe(2);
    expect(out).toEqual([1, 2, 32, 4, 5]);
  });

  it('reads a Proxy input through its traps', async () => {
    const reads: PropertyKey[] = [];
    const source = new Proxy([10, 11, 12, 13, 14], {
      get(target, key, receiver) {
        reads.push(key);
        return Reflect.get(target, key, receiver);
      },
    });
    expect(await alcall(source, pool.task('indexed'), { chunkSize: 2 })).toEqual([
      [10, 0],
      [11, 1],
      [12, 2],
      [13, 3],
      [14, 4],
    ]);
    const indexReads = reads.filter((k) => typeof k === 'string' && /^\d+$/.test(k));
    expect(new Set(indexReads)).toEqual(new Set(['0', '1', '2', '3', '4']));
    const failing = new Proxy([1, 2, 3], {
      get(target, key, receiver) {
        if (key === '1') throw new Error('trap at 1');
        return Reflect.get(target, key, receiver);
      },
    });
    await expect(alcall(failing, same, { chunkSize: 2 })).rejects.toThrow('trap at 1');
  });
});
