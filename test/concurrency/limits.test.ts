import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { runWithSignal } from '../../src/main/common/context.js';
import { TaskAbortedError } from '../../src/main/common/errors.js';
import { bindTarget, type TaskTarget, targetOf } from '../../src/main/common/target.js';
import { maxConcurrent, Semaphore } from '../../src/main/concurrency/limits.js';
import { rateLimit } from '../../src/main/concurrency/rate-limit.js';
import { Throttle, throttle } from '../../src/main/concurrency/throttle.js';
import { deferred } from '../helpers.js';

const flush = () => new ManualClock().tick();

describe('maxConcurrent', () => {
  it('keeps at most `limit` calls in flight, the others in FIFO order', async () => {
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const limited = maxConcurrent(2)(async (i: number) => {
      started.push(i);
      peak = Math.max(peak, ++inFlight);
      await gates[i]!.promise;
      inFlight--;
      return i * 10;
    });
    const all = Promise.all([0, 1, 2, 3, 4].map((i) => limited(i)));
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.resolve();
    expect(await all).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('frees the permit when the call fails, and makes sync functions async', async () => {
    const limited = maxConcurrent(1)((x: number) => {
      if (x < 0) throw new Error('negative');
      return x + 1;
    });
    const first = limited(-1);
    expect(first).toBeInstanceOf(Promise);
    await expect(first).rejects.toThrow('negative');
    expect(await limited(1)).toBe(2);
  });

  it('rejects a bad limit with a RangeError naming the value', () => {
    expect(() => maxConcurrent(0)).toThrow(RangeError);
    expect(() => maxConcurrent(0)).toThrow(/limit.*received 0/);
    expect(() => maxConcurrent(1.5)).toThrow(RangeError);
    expect(() => maxConcurrent(-1)).toThrow(RangeError);
    expect(() => maxConcurrent(Number.NaN)).toThrow(RangeError);
    expect(() => maxConcurrent(Number.POSITIVE_INFINITY)).not.toThrow();
  });

  it('stops a waiting call when the current scope is cancelled', async () => {
    const hold = deferred();
    const limited = maxConcurrent(1)(() => hold.promise);
    const first = limited();
    const controller = new AbortController();
    const second = runWithSignal(controller.signal, () => limited());
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    hold.resolve();
    await first;
  });

  it('wraps a task handle as a task handle whose target waits for a permit', async () => {
    const runs: { item: unknown; timeout: number | undefined }[] = [];
    const holds: ReturnType<typeof deferred<unknown>>[] = [];
    const inner: TaskTarget = {
      name: 'work',
      capacity: () => 8,
      run: (request) => {
        runs.push({ item: request.item, timeout: request.timeout });
        const d = deferred<unknown>();
        holds.push(d);
        return d.promise;
      },
    };
    const handle = bindTarget((item: number) => inner.run({ item, index: 0, attempt: 1 }), inner);
    const limited = maxConcurrent(2)(handle);
    const target = targetOf(limited);
    expect(target?.name).toBe('work');
    expect(target?.capacity()).toBe(2);
    const calls = [1, 2, 3].map((item) =>
      target!.run({ item, index: item, attempt: 1, timeout: 500 }),
    );
    await flush();
    expect(runs).toEqual([
      { item: 1, timeout: 500 },
      { item: 2, timeout: 500 },
    ]);
    holds[0]!.resolve('a');
    await flush();
    expect(runs.map((r) => r.item)).toEqual([1, 2, 3]);
    holds[1]!.resolve('b');
    holds[2]!.resolve('c');
    expect(await Promise.all(calls)).toEqual(['a', 'b', 'c']);
    const direct = limited(4);
    await flush();
    holds[3]!.resolve('d');
    expect(await direct).toBe('d');
  });

  it('turns an abort while waiting for a permit into TaskAbortedError on a task handle', async () => {
    const hold = deferred<unknown>();
    const inner: TaskTarget = { name: 't', capacity: () => 1, run: () => hold.promise };
    const limited = maxConcurrent(1)(bindTarget((_: unknown) => hold.promise, inner));
    const running = targetOf(limited)!.run({ item: 0, index: 0, attempt: 1 });
    const controller = new AbortController();
    const waiting = targetOf(limited)!.run({
      item: 1,
      index: 1,
      attempt: 1,
      signal: controller.signal,
    });
    controller.abort('enough');
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).cause).toBe('enough');
    hold.resolve(1);
    expect(await running).toBe(1);
  });
});

describe('Semaphore', () => {
  it('counts holders; release is idempotent', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    let granted = false;
    const next = s.acquire().then((r) => {
      granted = true;
      return r;
    });
    await flush();
    expect([s.held, granted]).toEqual([1, false]);
    release();
    release();
    const release2 = await next;
    expect(s.held).toBe(1);
    release2();
    expect(s.held).toBe(0);
  });
});

describe('Throttle', () => {
  it('starts the first call at once and spaces the next ones by the period, in order', async () => {
    const clock = new ManualClock();
    const starts: [string, number][] = [];
    const t = new Throttle(100, { clock });
    const f = t.wrap((name: string) => {
      starts.push([name, clock.now()]);
      return name.toUpperCase();
    });
    const all = Promise.all(['a', 'b', 'c', 'd'].map((n) => f(n)));
    await clock.tick();
    expect(starts).toEqual([['a', 0]]);
    await clock.advance(99);
    expect(starts).toEqual([['a', 0]]);
    await clock.advance(1);
    expect(starts).toEqual([
      ['a', 0],
      ['b', 100],
    ]);
    await clock.advance(200);
    expect(starts.map(([, at]) => at)).toEqual([0, 100, 200, 300]);
    expect(await all).toEqual(['A', 'B', 'C', 'D']);
  });

  it('shares one spacing between every function it wraps, and call() takes a turn too', async () => {
    const clock = new ManualClock();
    const t = new Throttle(50, { clock });
    const starts: string[] = [];
    const f = t.wrap(() => starts.push(`f@${clock.now()}`));
    const g = t.wrap(async () => starts.push(`g@${clock.now()}`));
    void f();
    void g();
    void t.call((x: number) => starts.push(`call${x}@${clock.now()}`), 7);
    await clock.advance(100);
    expect(starts).toEqual(['f@0', 'g@50', 'call7@100']);
  });

  it('lets a call start at once when the period has already passed', async () => {
    const clock = new ManualClock();
    const t = new Throttle(100, { clock });
    const starts: number[] = [];
    const f = t.wrap(() => starts.push(clock.now()));
    await f();
    await clock.advance(250);
    await f();
    expect(starts).toEqual([0, 250]);
  });

  it('drops a cancelled waiter from the queue without delaying the others', async () => {
    const clock = new ManualClock();
    const t = new Throttle(100, { clock });
    await t.turn();
    const controller = new AbortController();
    const cancelled = t.turn(controller.signal);
    const next = t.turn();
    controller.abort(new Error('gone'));
    await expect(cancelled).rejects.toThrow('gone');
    expect(t.waiting).toBe(1);
    await clock.advance(100);
    await next;
    expect(t.waiting).toBe(0);
  });

  it('throttle(period) gives each wrapped function its own spacing', async () => {
    const clock = new ManualClock();
    const starts: string[] = [];
    const f = throttle(100, { clock })(() => starts.push(`f@${clock.now()}`));
    const g = throttle(100, { clock })(() => starts.push(`g@${clock.now()}`));
    void f();
    void f();
    void g();
    await clock.advance(100);
    expect(starts).toEqual(['f@0', 'g@0', 'f@100']);
  });

  it('rejects a bad period', () => {
    expect(() => new Throttle(-1)).toThrow(RangeError);
    expect(() => throttle(Number.NaN)).toThrow(RangeError);
    expect(() => throttle('1' as unknown as number)).toThrow(TypeError);
    expect(() => new Throttle(1, { clok: 1 } as never)).toThrow(/did you mean "clock"/);
  });

  it('waits for the turn before a task handle enters the inner target', async () => {
    const clock = new ManualClock();
    const entered: number[] = [];
    const inner: TaskTarget = {
      name: 't',
      capacity: () => 4,
      run: async (r) => {
        entered.push(clock.now());
        return r.item;
      },
    };
    const throttled = throttle(100, { clock })(
      bindTarget((_: number) => Promise.resolve(0), inner),
    );
    const target = targetOf(throttled)!;
    expect(target.capacity()).toBe(4);
    const done = Promise.all([1, 2].map((item) => target.run({ item, index: 0, attempt: 1 })));
    await clock.tick();
    expect(entered).toEqual([0]);
    await clock.advance(100);
    expect(await done).toEqual([1, 2]);
    expect(entered).toEqual([0, 100]);
  });
});

describe('rateLimit (token bucket)', () => {
  it('lets a burst of maxBurst through, then refills at rateLimit per second', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const f = rateLimit({ rateLimit: 10, maxBurst: 3, clock })(() => starts.push(clock.now()));
    for (let i = 0; i < 6; i++) void f();
    await clock.tick();
    expect(starts).toEqual([0, 0, 0]);
    await clock.advance(100);
    expect(starts).toEqual([0, 0, 0, 100]);
    await clock.advance(200);
    expect(starts).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills up to maxBurst and no further during a quiet spell', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const f = rateLimit({ rateLimit: 2, maxBurst: 2, clock })(() => starts.push(clock.now()));
    await f();
    await f();
    await clock.advance(10_000);
    for (let i = 0; i < 3; i++) void f();
    await clock.tick();
    expect(starts).toEqual([0, 0, 10_000, 10_000]);
    await clock.advance(500);
    expect(starts).toEqual([0, 0, 10_000, 10_000, 10_500]);
  });

  it('bursts one second worth by default', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const f = rateLimit({ rateLimit: 4, clock })(() => calls++);
    for (let i = 0; i < 6; i++) void f();
    await clock.tick();
    expect(calls).toBe(4);
    await clock.advance(250);
    expect(calls).toBe(5);
  });

  it('rejects zero, negative and NaN values naming the option and value', () => {
    expect(() => rateLimit({ rateLimit: 0 })).toThrow(/"rateLimit".*received 0/);
    expect(() => rateLimit({ rateLimit: -5 })).toThrow(RangeError);
    expect(() => rateLimit({ rateLimit: Number.NaN })).toThrow(RangeError);
    expect(() => rateLimit({ rateLimit: 1, maxBurst: 0 })).toThrow(/"maxBurst".*received 0/);
    expect(() => rateLimit({ rateLimit: 1, maxBurst: -1 })).toThrow(RangeError);
    expect(() => rateLimit({} as never)).toThrow(TypeError);
    expect(() => rateLimit({ ratelimit: 1 } as never)).toThrow(/did you mean "rateLimit"/);
  });
});
