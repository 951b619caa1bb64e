import { ManualClock } from 'poolcall';
import { describe, expect, it } from 'vitest';
import * as examples from '../../examples/async-primitives.js';

/** Moves `clock` forward in small steps until `promise` settles. */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) await clock.advance(5);
  return promise;
}

describe('the seed examples, ported', () => {
  it('maxConcurrent(3) keeps three of ten in flight', async () => {
    const clock = new ManualClock();
    const { results, peak } = await drive(clock, examples.maxConcurrentExample(clock));
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });

  it('throttle spaces starts by the period', async () => {
    const clock = new ManualClock();
    const { results, starts } = await drive(clock, examples.throttleExample(clock));
    expect(results).toEqual([0, 2, 4, 6, 8]);
    expect(starts).toEqual([0, 100, 200, 300, 400]);
  });

  it('one Throttle is shared by every function it wraps', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.throttleClassExample(clock))).toEqual([
      'sync@0',
      'async@100',
      'sync@200',
    ]);
  });

  it('rateLimit lets a burst of two through, then two per second', async () => {
    const clock = new ManualClock();
    const out = await drive(clock, examples.rateLimitExample(clock));
    expect(out.map((s) => Number(s.split('@')[1]))).toEqual([
      0, 0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000,
    ]);
  });

  it('batchProcess doubles 100 items in batches of 10', async () => {
    const { results, completed } = await examples.batchProcessExample();
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect([...completed].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('retry backs off 100 then 200 ms', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.retryExample(clock))).toEqual({
      value: 'payload',
      attempts: [0, 100, 300],
    });
  });

  it('withTimeout runs the cleanup, then rethrows the timeout', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.timeoutContextExample(clock))).toEqual([
      'cleanup ran',
      'caught TaskTimeoutError',
    ]);
  });

  it('gatherWithConcurrency runs 100 thunks ten at a time', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.gatherExample(clock))).toEqual({ sum: 4950, peak: 10 });
  });

  it('taskGroup waits for A, B and C', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.taskGroupExample(clock))).toEqual(['B', 'A', 'C']);
  });

  it('a failing fetch in a task group is reported, the rest cancelled', async () => {
    const clock = new ManualClock();
    const ok = await drive(clock, examples.fetchAllExample(['https://x/1', 'https://x/2'], clock));
    expect(ok.results.map((r) => r?.status)).toEqual([200, 200]);
    expect(ok.errors).toEqual([]);
    const bad = await drive(
      clock,
      examples.fetchAllExample(['https://x/1', 'https://x/error'], clock),
    );
    expect(bad.errors).toEqual(['Failed to fetch https://x/error']);
  });

  it('CancelScope moves on at its deadline and when cancelled by hand', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.cancelScopeExample(clock))).toEqual([
      'Starting long task',
      'Long task cancelled',
      'Caught deadline cancellation',
      'Starting long task',
      'Long task cancelled',
      'Task was cancelled',
    ]);
  });

  it('the asyncio timeout patterns: timeout, deadline, per-task timeouts, reschedule', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, examples.timeoutPatternsExample(clock))).toEqual({
      withTimeoutResult: null,
      withDeadlineResult: null,
      individual: ['Fetched url1', null, 'Fetched url3'],
      rescheduled: 'Completed with extended timeout',
    });
  });

  it('a runaway worker task is terminated and the pool goes on', async () => {
    expect(await examples.runawayExample()).toEqual({
      stopped: undefined,
      next: 6765,
      terminated: 1,
    });
  });
});
