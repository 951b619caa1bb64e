/**
 * Chunks (chunkSize a number or 'auto', growing 'auto' chunks) with an item
 * or result that cannot be cloned: only that item fails, with ERR_DATA_CLONE
 * naming its index and what the clone threw as its cause; its chunk-mates
 * run exactly once, no slot stays busy, nothing becomes an unhandled
 * rejection. Real pools of the chunk and chaos fixtures.
 */
import { alcall, createPool, transfer } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectCloneError,
  expectHealthyAfterEach,
  fixtures,
  recordUnhandledRejections,
  throwingGetter,
  throwingProxy,
} from '../helpers.js';

type ChunkTasks = typeof import('../fixtures/chunk-tasks.js');
type ChaosTasks = typeof import('../fixtures/chaos-tasks.js');

const unhandled = recordUnhandledRejections();

describe('items that cannot travel in a chunk', () => {
  const pool = createPool<ChunkTasks>(new URL('chunk-tasks.js', fixtures), {
    maxThreads: 2,
    spareThreads: 1,
  });
  afterAll(() => pool.close());
  expectHealthyAfterEach(pool, unhandled, async () => {
    expect(await pool.run('inc', 1)).toBe(2);
  });

  /** `n` attempts of `probe` with `chunkSize`, item `i` replaced where `hostile` says. */
  function attempts(
    n: number,
    chunkSize: number | 'auto',
    kwargs: Record<string, unknown>,
    hostile: Record<number, unknown>,
  ) {
    return Array.from({ length: n }, (_, i) =>
      pool.attempt('probe', {
        item: i in hostile ? hostile[i] : i,
        index: i,
        attempt: 1,
        chunkSize,
        kwargs,
      }),
    );
  }

  for (const chunkSize of [4, 'auto'] as const) {
    it(`fails only the item whose getter or Proxy trap throws, the thrown error as cause (chunkSize ${chunkSize})`, async () => {
      const getter = new RangeError('getter boom');
      const trap = new Error('trap boom');
      const runs = new SharedArrayBuffer(4 * 40);
      const settled = await Promise.allSettled(
        attempts(40, chunkSize, { runs }, { 5: throwingGetter(getter), 22: throwingProxy(trap) }),
      );
      settled.forEach((s, i) => {
        if (i === 5 || i === 22) {
          const e = expectCloneError((s as PromiseRejectedResult).reason, i);
          expect(e.cause).toBe(i === 5 ? getter : trap);
        } else {
          expect((s as PromiseFulfilledResult<{ x: number }>).value.x).toBe(i);
        }
      });
      const counts = Array.from(new Int32Array(runs));
      expect(counts.filter((c, i) => c !== (i === 5 || i === 22 ? 0 : 1))).toEqual([]);
    });
  }

  it('fails only the item of a growing chunk that cannot travel, wherever it lands; the rest run once', async () => {
    // ~1 ms items: the learnt size is a few items, and running chunks take later batches.
    await Promise.all(attempts(20, 'auto', { ms: 1 }, {}));
    const n = 120;
    const runs = new SharedArrayBuffer(4 * n);
    const hostile = {
      45: throwingGetter(new Error('late getter')),
      46: new Proxy({}, {}),
      90: throwingProxy(new Error('late trap')),
    };
    const leases = pool.dispatcher.leases;
    const settled = await Promise.allSettled(attempts(n, 'auto', { ms: 1, runs }, hostile));
    settled.forEach((s, i) => {
      if (i in hostile) {
        const e = expectCloneError((s as PromiseRejectedResult).reason, i);
        if (i === 46) expect(e.cause).toMatchObject({ name: 'DataCloneError' });
      } else {
        expect((s as PromiseFulfilledResult<{ x: number }>).value.x).toBe(i);
      }
    });
    const counts = Array.from(new Int32Array(runs));
    expect(counts.filter((c, i) => c !== (i in hostile ? 0 : 1))).toEqual([]);
    // The chunks grew: far fewer slot leases than items.
    expect(pool.dispatcher.leases - leases).toBeLessThan(n / 4);
  });

  it('a hostile item in an alcall with chunkSize rejects the call with its clone error; the pool goes on', async () => {
    const boom = new Error('getter in alcall');
    const items: unknown[] = Array.from({ length: 30 }, (_, i) =>
      i === 17 ? throwingGetter(boom) : i,
    );
    const error = await alcall(items, pool.task('inc') as never, { chunkSize: 8 }).catch(
      (e: unknown) => e,
    );
    expect(expectCloneError(error, 17).cause).toBe(boom);
  });
});

describe('buffers and results that cannot travel in a chunk', () => {
  const pool = createPool<ChaosTasks>(new URL('chaos-tasks.js', fixtures), { maxThreads: 2 });
  afterAll(() => pool.close());
  expectHealthyAfterEach(pool, unhandled);

  it('moves a buffer with one item; a second item of the chunk with it fails, naming why', async () => {
    const buffer = new ArrayBuffer(8);
    const out = await alcall([transfer(buffer), 1, transfer(buffer)], pool.task('byteLength'), {
      chunkSize: 4,
      returnExceptions: true,
    });
    expect(out[0]).toBe(8);
    expect(out[1]).toBe(-1);
    const e = expectCloneError(out[2], 2);
    expect(e.cause).toMatchObject({ name: 'DataCloneError' });
    expect(e.message).toMatch(/another item of the same message/);
    // Its next message finds it moved.
    const again = await alcall([transfer(buffer)], pool.task('byteLength'), {
      chunkSize: 4,
      returnExceptions: true,
    });
    expect(expectCloneError(again[0], 0).message).toMatch(/already transferred/);
  });

  it('fails every item of a call whose kwargs cannot be cloned, saying so', async () => {
    const out = await alcall([1, 2, 3], pool.task('echo'), {
      chunkSize: 2,
      kwargs: { f: () => 1 },
      returnExceptions: true,
    });
    out.forEach((v, i) => {
      const e = expectCloneError(v, i);
      expect(e.message).toContain(`the kwargs of item ${i} could not be cloned`);
      expect(e.cause).toMatchObject({ name: 'DataCloneError' });
    });
  });

  const results = ['proxy', 1, 'deep', 2, 'getter', 3, 'fn', 4];
  const causes: Record<number, string> = {
    0: 'DataCloneError',
    2: 'RangeError',
    4: 'RangeError',
    6: 'DataCloneError',
  };
  for (const [name, options] of [
    ['chunkSize 4', { chunkSize: 4 }],
    ['chunkSize 4 with a per-item timeout', { chunkSize: 4, retryTimeout: 10_000 }],
    ["chunkSize 'auto'", { chunkSize: 'auto' }],
  ] as const) {
    it(`fails each result that cannot be cloned back alone, with the real cause (${name})`, async () => {
      const terminated = pool.stats().terminated;
      const out = await alcall(results, pool.task('uncloneable'), {
        ...options,
        returnExceptions: true,
      });
      out.forEach((v, i) => {
        const cause = causes[i];
        if (cause === undefined) {
          expect(v).toBe(results[i]);
          return;
        }
        const e = expectCloneError(v, i);
        expect(e.message).toContain(`the result of item ${i} could not be cloned`);
        expect(e.cause).toMatchObject({ name: cause });
      });
      expect(pool.stats().terminated).toBe(terminated);
    });
  }
});
