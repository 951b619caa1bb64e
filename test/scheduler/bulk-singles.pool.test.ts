/**
 * With default options (chunkSize 1), alcall, bcall and imap hand first
 * attempts to the pool in bulk, one call per item: no `pool.attempt` (and no
 * promise) per item. Retries and what follows a failed first attempt go
 * through the item engine as before, with the same outcomes.
 */
import { alcall, bcall, createPool, imap } from 'poolcall';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
// The chunker the package's pools use (the package resolves to its build).
import { Chunker } from '../../dist/main/chunk/chunk.js';
import type * as tasks from '../fixtures/tasks.js';
import { tasksUrl } from '../helpers.js';

describe('first attempts in bulk with chunkSize 1', () => {
  const pool = createPool<typeof tasks>(tasksUrl, { maxThreads: 2 });
  afterAll(() => pool.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const items = Array.from({ length: 30 }, (_, i) => i);

  it('alcall runs every first attempt without a call of its own, in the pool slots', async () => {
    const attempt = vi.spyOn(pool, 'attempt');
    let running = 0;
    let most = 0;
    const out = await alcall(items, pool.task('inc'), {
      onProgress: (p) => {
        most = Math.max(most, p.running);
        running = p.running;
      },
    });
    expect(out).toEqual(items.map((x) => x + 1));
    expect(attempt).not.toHaveBeenCalled();
    expect(most).toBeLessThanOrEqual(2);
    expect(running).toBe(0);
  });

  it('bcall and imap too', async () => {
    const attempt = vi.spyOn(pool, 'attempt');
    const batches: number[][] = [];
    for await (const b of bcall(items, pool.task('inc'), { batchSize: 8 })) batches.push(b);
    expect(batches.flat()).toEqual(items.map((x) => x + 1));
    const streamed: number[] = [];
    for await (const r of imap(items, pool.task('inc'))) streamed.push(r);
    expect(streamed).toEqual(items.map((x) => x + 1));
    expect(attempt).not.toHaveBeenCalled();
  });

  it('retries a failed first attempt through the engine: only retries are calls of their own', async () => {
    const attempt = vi.spyOn(pool, 'attempt');
    // Even items fail their first attempt and succeed on the second; odd ones stop at once.
    const out = await alcall([2, 3, 4], pool.task('stopOnOdd'), {
      numRetries: 2,
      returnExceptions: true,
    });
    expect(out[0]).toBe(2);
    expect(out[2]).toBe(2);
    expect(out[1]).toBeInstanceOf(Error);
    expect((out[1] as Error).message).toContain('stop 3 at 1');
    // The two even items' second attempts; the odd item stopped on its first.
    expect(attempt).toHaveBeenCalledTimes(2);
    for (const [, request] of attempt.mock.calls) expect(request.attempt).toBe(2);
  });

  it('leaves chunks whole: a report that frees many slots refills them as one batch', async () => {
    // Well beyond the first window, so slots are refilled many times.
    const many = Array.from({ length: 50_000 }, (_, i) => i);
    const batches = vi.spyOn(Chunker.prototype, 'submitMany');
    const out = await alcall(many, pool.task('inc'), { chunkSize: 'auto' });
    expect(out).toEqual(many.map((x) => x + 1));
    // Items refilled one slot at a time would be handed over one by one.
    expect(batches.mock.calls.length).toBeLessThan(many.length / 50);
  });

  it('fails the call with the first failure for good, as one call per item does', async () => {
    const error = await alcall(['first', 'second', 'third'], pool.task('fail'), {
      maxConcurrent: 1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('first');
    expect((error as { code?: unknown }).code).toBe('E_VALIDATION');
  });
});
