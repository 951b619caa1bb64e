import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { isPoolcallError, PoolClosedError } from '../../src/main/common/errors.js';
import { Dispatcher } from '../../src/main/dispatch/dispatch.js';

describe('Dispatcher', () => {
  it('grants at most `slots` leases and serves waiters in FIFO order', async () => {
    const d = new Dispatcher({ slots: 2, clock: new ManualClock() });
    const a = await d.acquire();
    const b = await d.acquire();
    const order: string[] = [];
    const c = d.acquire().then((l) => {
      order.push('c');
      return l;
    });
    const e = d.acquire().then((l) => {
      order.push('e');
      return l;
    });
    await Promise.resolve();
    expect(d.busy).toBe(2);
    expect(d.queued).toBe(2);
    b.release('ok');
    a.release('ok');
    await Promise.all([c, e]);
    expect(order).toEqual(['c', 'e']);
    expect(d.busy).toBe(2);
    expect(d.queued).toBe(0);
  });

  it('measures wait and run time on its clock', async () => {
    const clock = new ManualClock();
    const d = new Dispatcher({ slots: 1, clock });
    const first = await d.acquire();
    const waiting = d.acquire();
    await clock.advance(40);
    first.release('ok');
    const second = await waiting;
    expect(second.waited).toBe(40);
    await clock.advance(10);
    second.release('failed');
    expect(d.completed).toBe(1);
    expect(d.failed).toBe(1);
    expect(d.runTime.summary().max).toBe(40);
    expect(d.waitTime.summary().max).toBe(40);
    expect(d.utilization).toBeCloseTo(1, 5);
  });

  it('hands the waiters a granted slot takes along, in order, ending their wait', async () => {
    const clock = new ManualClock();
    const d = new Dispatcher({ slots: 1, clock });
    const first = await d.acquire();
    const seen: string[] = [];
    const ticket = (name: string) => ({
      name,
      grant: () => seen.push(`granted ${name}`),
      fail: () => seen.push(`failed ${name}`),
    });
    const [a, b, c, x] = [ticket('a'), ticket('b'), ticket('c'), ticket('x')];
    for (const t of [a, b, c, x]) d.wait(t);
    await clock.advance(5);
    const taken = d.takeWhile(5, (t) => t !== x);
    expect(taken).toEqual([a, b, c]);
    expect(d.queued).toBe(1);
    expect(d.waitTime.summary().max).toBe(5);
    expect(d.takeWhile(0, () => true)).toEqual([]);
    expect(seen).toEqual([]);
    first.release('ok', { ok: 3, failed: 1 });
    expect(seen).toEqual(['granted x']);
    expect([d.completed, d.failed, d.leases]).toEqual([3, 1, 1]);
  });

  it('rejects beyond maxQueue with QueueFullError', async () => {
    const d = new Dispatcher({ slots: 1, maxQueue: 1, clock: new ManualClock() });
    await d.acquire();
    const queued = d.acquire();
    await expect(d.acquire()).rejects.toSatisfy((e) => isPoolcallError(e, 'ERR_QUEUE_FULL'));
    expect(d.queued).toBe(1);
    d.close();
    await expect(queued).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('removes an aborted waiter and rejects it with the reason', async () => {
    const d = new Dispatcher({ slots: 1, clock: new ManualClock() });
    const held = await d.acquire();
    const ac = new AbortController();
    const waiting = d.acquire(ac.signal);
    const after = d.acquire();
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(d.queued).toBe(1);
    held.release();
    await expect(after).resolves.toBeDefined();
  });

  it('release is idempotent', async () => {
    const d = new Dispatcher({ slots: 1, clock: new ManualClock() });
    const lease = await d.acquire();
    lease.release('ok');
    lease.release('ok');
    expect(d.busy).toBe(0);
    expect(d.completed).toBe(1);
  });
});
