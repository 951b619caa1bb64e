/**
 * Promise elements, StopRetrying, non-Error failures and onFailedAttempt
 * with worker tasks, per item and in chunks: a promise is awaited on the main
 * thread before dispatch, and the StopRetrying mark survives the crossing.
 */
import { alcall, createPool, imap, StopRetrying } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { tasksUrl } from '../helpers.js';

type Tasks = typeof import('../fixtures/tasks.js');

describe('worker tasks, coming from p-map / p-retry', () => {
  const pool = createPool<Tasks>(tasksUrl, { maxThreads: 2 });
  afterAll(() => pool.close());

  for (const chunkSize of [1, 2]) {
    it(`awaits promise elements before dispatch (chunkSize ${chunkSize})`, async () => {
      const input = [
        Promise.resolve(1),
        2,
        Promise.resolve(3),
        4,
        Promise.reject(new Error('bad')),
      ];
      const out = await alcall(input, pool.task('inc'), { chunkSize, returnExceptions: true });
      expect(out.slice(0, 4)).toEqual([2, 3, 4, 5]);
      expect((out[4] as Error).message).toBe('bad');
      const streamed: unknown[] = [];
      for await (const r of imap([Promise.resolve(10), 20], pool.task('inc'), { chunkSize })) {
        streamed.push(r);
      }
      expect(streamed).toEqual([11, 21]);
    });

    it(`a StopRetrying thrown in a worker ends that item's retries only (chunkSize ${chunkSize})`, async () => {
      const heard: [number, number][] = [];
      const out = await alcall([1, 2, 3, 4], pool.task('stopOnOdd'), {
        chunkSize,
        numRetries: 3,
        returnExceptions: true,
        onFailedAttempt: ({ index, attempt }) => void heard.push([index, attempt]),
      });
      // Odd items: the wrapped RangeError from their first attempt; even ones succeed on attempt 2.
      expect(out.map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : r))).toEqual([
        'RangeError: stop 1 at 1',
        2,
        'RangeError: stop 3 at 1',
        2,
      ]);
      expect(heard.sort()).toEqual([
        [1, 1],
        [3, 1],
      ]);
      await expect(alcall([1], pool.task('stopOnOdd'), { numRetries: 3 })).rejects.toMatchObject({
        name: 'RangeError',
        message: 'stop 1 at 1',
      });
    });
  }

  it('a non-Error thrown in a worker is retried and arrives as a TypeError naming it', async () => {
    let attempts = 0;
    const out = await alcall(['busy'], pool.task('throwValue'), {
      numRetries: 2,
      returnExceptions: true,
      onFailedAttempt: () => void attempts++,
    });
    expect(attempts).toBe(3);
    expect(out[0]).toMatchObject({
      name: 'TypeError',
      message: 'A non-Error value was thrown: "busy"',
    });
  });

  it('StopRetrying is the same class from poolcall and poolcall/worker', async () => {
    const worker = await import('poolcall/worker');
    expect(worker.StopRetrying).toBe(StopRetrying);
  });
});
