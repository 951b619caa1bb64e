import { alcall, createPool, imap } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { deferred, fixtures } from '../helpers.js';

type Tasks = typeof import('../fixtures/chunk-tasks.js');
const chunkTasks = new URL('chunk-tasks.js', fixtures);

describe('ctx.progress', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 2 });
  afterAll(() => pool.close());

  for (const chunkSize of [1, 4, 'auto'] as const) {
    it(`reaches onTaskProgress(index, value) with chunkSize ${chunkSize}`, async () => {
      const reports: [number, unknown][] = [];
      const items = [10, 11, 12, 13, 14, 15];
      const all = deferred();
      const out = await alcall(items, pool.task('steps'), {
        chunkSize,
        onTaskProgress: (index, value) => {
          if (reports.push([index, value]) === 2 * items.length) all.resolve();
        },
      });
      expect(out).toEqual(items);
      // Reports travel on their own port: the last may land after the results.
      await all.promise;
      expect(reports).toHaveLength(2 * items.length);
      for (const [i, x] of items.entries()) {
        const mine = reports.filter(([index]) => index === i).map(([, v]) => v);
        expect(mine).toEqual([`${x}:half`, `${x}:done`]);
      }
    });
  }

  it('reaches onTaskProgress from imap, with indices in the call', async () => {
    const reports = new Map<number, unknown[]>();
    const out: number[] = [];
    let count = 0;
    const all = deferred();
    for await (const v of imap([7, 8, 9], pool.task('steps'), {
      chunkSize: 3,
      onTaskProgress: (index, value) => {
        reports.set(index, [...(reports.get(index) ?? []), value]);
        if (++count === 6) all.resolve();
      },
    })) {
      out.push(v);
    }
    expect(out).toEqual([7, 8, 9]);
    await all.promise;
    expect([...reports.keys()].sort()).toEqual([0, 1, 2]);
    expect(reports.get(2)).toEqual(['9:half', '9:done']);
  });

  it('runs without a progress listener (reports are dropped in the worker)', async () => {
    expect(await alcall([1, 2, 3], pool.task('steps'), { chunkSize: 3 })).toEqual([1, 2, 3]);
  });
});
