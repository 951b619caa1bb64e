import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import {
  type BulkRequest,
  type BulkSink,
  bindTarget,
  type TaskTarget,
} from '../../src/main/common/target.js';
import { alcall } from '../../src/main/scheduler/alcall.js';

/**
 * A target that takes first attempts in bulk, `capacity` at a time, and
 * records, for each batch handed over, its size and what the call said it
 * still had to hand over (`BulkRequest.unread`) when the batch arrived.
 */
function bulkTarget(capacity: number) {
  const seen: { count: number; unread: number }[] = [];
  const requests: BulkRequest[] = [];
  const sinks: { sink: BulkSink; indices: number[]; items: unknown[] }[] = [];
  const target: TaskTarget = {
    name: 'bulk',
    capacity: () => capacity,
    run: () => Promise.reject(new Error('bulk only')),
    runMany: (request, items, count, firstIndex, sink) => {
      seen.push({ count, unread: request.unread?.() ?? Number.NaN });
      requests.push(request);
      const indices = Array.from({ length: count }, (_, i) => firstIndex + i);
      sinks.push({ sink, indices, items: items.slice(0, count) });
    },
  };
  const handle = bindTarget((x: number) => Promise.resolve(x), target);
  /** Succeeds every attempt handed over so far, with its item doubled. */
  const answer = () => {
    for (const { sink, indices, items } of sinks.splice(0)) {
      indices.forEach((index, i) => {
        sink.succeed(index, (items[i] as number) * 2);
      });
    }
  };
  return { handle, seen, requests, answer };
}

describe('alcall in bulk: what the call has yet to hand over', () => {
  it('counts down the unread items of an array input, to 0 at its end', async () => {
    const { handle, seen, answer } = bulkTarget(4);
    const items = Array.from({ length: 10 }, (_, i) => i);
    const clock = new ManualClock();
    const done = alcall(items, handle, { chunkSize: 'auto' });
    while (seen.reduce((n, s) => n + s.count, 0) < items.length) {
      await clock.tick();
      answer();
    }
    await clock.tick();
    answer();
    expect(await done).toEqual(items.map((x) => x * 2));
    let handed = 0;
    for (const s of seen) {
      handed += s.count;
      expect(s.unread).toBe(items.length - handed);
    }
    expect(seen.at(-1)!.unread).toBe(0);
  });

  it('says Infinity for an input whose length it cannot know', async () => {
    const { handle, seen, requests, answer } = bulkTarget(3);
    function* source() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const clock = new ManualClock();
    const done = alcall(source(), handle, { chunkSize: 4 });
    for (let k = 0; k < 6; k++) {
      await clock.tick();
      answer();
    }
    expect(await done).toEqual([0, 2, 4, 6, 8]);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.unread).toBe(Number.POSITIVE_INFINITY);
    // Once the input is exhausted there is nothing left to hand over.
    expect(requests.at(-1)!.unread!()).toBe(0);
  });

  it('says 0 once the call has ended early, however long its input', async () => {
    const { handle, seen, requests } = bulkTarget(2);
    const controller = new AbortController();
    const done = alcall(
      Array.from({ length: 100 }, (_, i) => i),
      handle,
      { chunkSize: 'auto', signal: controller.signal },
    );
    await new ManualClock().tick();
    expect(seen.map((s) => s.unread)).toEqual([98]);
    controller.abort();
    await expect(done).rejects.toThrow();
    expect(seen.length).toBe(1);
    expect(requests[0]!.unread!()).toBe(0);
  });
});
