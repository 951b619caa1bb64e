/**
 * maxConcurrent wrappers, coming from p-limit: live counts, clearQueue and a
 * concurrency changed at run time, on main-thread functions and on a target.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { isPoolcallError } from '../../src/main/common/errors.js';
import { bindTarget, type TaskTarget, targetOf } from '../../src/main/common/target.js';
import { maxConcurrent, Semaphore } from '../../src/main/concurrency/limits.js';
import { deferred } from '../helpers.js';

const flush = () => new ManualClock().tick();

describe('maxConcurrent control', () => {
  it('tells activeCount and pendingCount as calls start and end', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const limited = maxConcurrent(2)(async (i: number) => {
      await gates[i]!.promise;
      return i;
    });
    expect([limited.activeCount, limited.pendingCount, limited.concurrency]).toEqual([0, 0, 2]);
    const all = Promise.all([0, 1, 2].map((i) => limited(i)));
    await flush();
    expect([limited.activeCount, limited.pendingCount]).toEqual([2, 1]);
    gates[0]!.resolve();
    await flush();
    expect([limited.activeCount, limited.pendingCount]).toEqual([2, 0]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await all).toEqual([0, 1, 2]);
    expect([limited.activeCount, limited.pendingCount]).toEqual([0, 0]);
  });

  it('raising concurrency starts waiting calls at once; lowering it lets running ones finish', async () => {
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const limited = maxConcurrent(1)(async (i: number) => {
      started.push(i);
      await gates[i]!.promise;
    });
    const all = Promise.all([0, 1, 2, 3, 4].map((i) => limited(i)));
    await flush();
    expect(started).toEqual([0]);
    limited.concurrency = 3;
    await flush();
    expect(started).toEqual([0, 1, 2]);
    limited.concurrency = 1;
    gates[0]!.resolve();
    gates[1]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]); // 1 still running: under the new limit only when it ends
    gates[2]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.resolve();
    await all;
  });

  it('clearQueue rejects every waiting call with TaskAbortedError; running ones go on', async () => {
    const gate = deferred();
    const limited = maxConcurrent(1)(async (x: number) => {
      await gate.promise;
      return x;
    });
    const running = limited(1);
    const waiting = [limited(2), limited(3)].map((p) => p.catch((e: unknown) => e));
    await flush();
    limited.clearQueue();
    expect(limited.pendingCount).toBe(0);
    for (const e of await Promise.all(waiting)) {
      expect(isPoolcallError(e, 'ERR_TASK_ABORTED')).toBe(true);
    }
    gate.resolve();
    expect(await running).toBe(1);
    expect(await limited(4)).toBe(4);
  });

  it('a bad concurrency is a RangeError naming it (TypeError for a non-number)', () => {
    const limited = maxConcurrent(2)(() => 1);
    expect(() => {
      limited.concurrency = 0;
    }).toThrow(
      'maxConcurrent: option "concurrency" must be an integer >= 1 or Infinity, received 0',
    );
    expect(() => {
      limited.concurrency = '3' as never;
    }).toThrow(TypeError);
    expect(limited.concurrency).toBe(2);
    const semaphore = new Semaphore(1);
    expect(() => {
      semaphore.limit = 1.5;
    }).toThrow(RangeError);
  });

  it('on a task handle the scheduler sees the new limit as its capacity', async () => {
    const target: TaskTarget = { name: 't', capacity: () => 8, run: async (r) => r.item };
    const handle = bindTarget(
      (item: unknown) => target.run({ item, index: 0, attempt: 1 }),
      target,
    );
    const limited = maxConcurrent(2)(handle);
    expect(targetOf(limited)?.capacity()).toBe(2);
    limited.concurrency = 5;
    expect(targetOf(limited)?.capacity()).toBe(5);
    expect(await limited(7)).toBe(7);
  });
});
