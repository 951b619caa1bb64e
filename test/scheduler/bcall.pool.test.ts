import { bcall, createPool } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, handshake, until } from '../helpers.js';

type Tasks = typeof import('../fixtures/alcall-tasks.js');

describe('bcall over a worker task', () => {
  const pool = createPool<Tasks>(new URL('alcall-tasks.js', fixtures), { maxThreads: 2 });
  afterAll(() => pool.close());

  it('yields batches of worker results from an async iterable', async () => {
    async function* source() {
      for (let i = 1; i <= 5; i++) yield i;
    }
    const batches: number[][] = [];
    for await (const batch of bcall(source(), pool.task('double'), { batchSize: 2 })) {
      batches.push(batch);
    }
    expect(batches).toEqual([[2, 4], [6, 8], [10]]);
  });

  it('leaving the loop early terminates the worker task of the batch in flight', async () => {
    const before = pool.stats().terminated;
    const quick = handshake();
    quick.release();
    const slow = handshake();
    const started = slow.started();
    const gen = bcall([{ flag: quick.flag }, { flag: slow.flag }], pool.task('failOrSpin'), {
      batchSize: 1,
    });
    for await (const batch of gen) {
      expect(batch).toEqual(['released']);
      await started;
      break;
    }
    await until(() => pool.stats().terminated - before >= 1);
    expect(pool.stats().terminated - before).toBe(1);
  });
});
