import {
  alcall,
  createPool,
  ManualClock,
  maxConcurrent,
  rateLimit,
  TaskTimeoutError,
  Throttle,
  throttle,
} from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { targetOf } from '../../dist/main/common/target.js';
import { handshake, tasksUrl } from '../helpers.js';

type Tasks = typeof import('../fixtures/tasks.js');

describe('limits on worker task handles', () => {
  const pool = createPool<Tasks>(tasksUrl, { maxThreads: 3 });
  afterAll(() => pool.close());

  it('maxConcurrent keeps busy slots at the limit; waiting calls hold no slot and do not start', async () => {
    const spin = maxConcurrent(1)(pool.task('spin'));
    const [a, b] = [handshake(), handshake()];
    const first = spin({ flag: a.flag });
    const second = spin({ flag: b.flag });
    await a.started();
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 0 });
    expect(await pool.run('inc', 1)).toBe(2);
    a.release();
    expect(await first).toBe('released');
    await b.started();
    expect(pool.stats().busy).toBe(1);
    b.release();
    expect(await second).toBe('released');
  });

  it('maxConcurrent under load never lets busy exceed the limit', async () => {
    const fib = maxConcurrent(2)(pool.task('fib'));
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fib(18 + (i % 3)).then((v) => {
          peak = Math.max(peak, pool.stats().busy);
          return v;
        }),
      ),
    );
    expect(results.slice(0, 3)).toEqual([2584, 4181, 6765]);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('alcall over a maxConcurrent handle never has more than the limit busy', async () => {
    // Four items that each run until released (a started handshake per item) on
    // a pool of 3 threads: only the wrapper's limit keeps the third one waiting.
    const spin = maxConcurrent(2)(pool.task('spin'));
    const hands = Array.from({ length: 4 }, () => handshake());
    const started = (i: number) => Atomics.load(new Int32Array(hands[i]!.flag), 0) === 1;
    let peak = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        peak = Math.max(peak, pool.stats().busy);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const call = alcall(
      hands.map((h) => ({ flag: h.flag })),
      spin,
      { retryTimeout: 60_000 },
    );
    await Promise.all([hands[0]!.started(), hands[1]!.started()]);
    expect(pool.stats().busy).toBe(2);
    expect(started(2) || started(3)).toBe(false);
    hands[0]!.release();
    await hands[2]!.started();
    expect(pool.stats().busy).toBe(2);
    expect(started(3)).toBe(false);
    hands[1]!.release();
    await hands[3]!.started();
    expect(pool.stats().busy).toBe(2);
    hands[2]!.release();
    hands[3]!.release();
    const out = await call;
    running = false;
    await sampler;
    expect(out).toEqual(['released', 'released', 'released', 'released']);
    expect(peak).toBe(2);
  });

  it('the wrapper is a task handle: attempts enter the pool one at a time, each with its own timeout', async () => {
    const limited = maxConcurrent(1)(pool.task('forever'));
    const target = targetOf(limited)!;
    expect(target.capacity()).toBe(1);
    const busyAtStart: number[] = [];
    const attempt = (index: number) =>
      target.run({
        item: index,
        index,
        attempt: 1,
        timeout: 50,
        onStart: () => busyAtStart.push(pool.stats().busy),
      });
    const before = pool.stats().terminated;
    const outcomes = await Promise.allSettled([attempt(0), attempt(1)]);
    for (const o of outcomes) {
      expect(o.status === 'rejected' && o.reason instanceof TaskTimeoutError).toBe(true);
    }
    expect(busyAtStart).toEqual([1, 1]);
    expect(pool.stats().terminated).toBe(before + 2);
  });

  it('a throttled handle waits for its turn outside the pool: it holds no slot meanwhile', async () => {
    const clock = new ManualClock();
    const spin = throttle(1000, { clock })(pool.task('spin'));
    const [a, b] = [handshake(), handshake()];
    const first = spin({ flag: a.flag });
    const second = spin({ flag: b.flag });
    await a.started();
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 0 });
    a.release();
    expect(await first).toBe('released');
    expect(await pool.run('inc', 41)).toBe(42);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    await clock.advance(1000);
    await b.started();
    b.release();
    expect(await second).toBe('released');
  });

  it('one Throttle spaces starts across handles and main-thread functions alike', async () => {
    const clock = new ManualClock();
    const t = new Throttle(100, { clock });
    const starts: string[] = [];
    const inc = t.wrap(pool.task('inc'));
    const local = t.wrap((x: number) => {
      starts.push(`local@${clock.now()}`);
      return x;
    });
    const results = [inc(1), local(2), inc(3)];
    const withStarts = results.map((p, i) => p.then((v) => [i, v]));
    await clock.advance(200);
    expect(await Promise.all(withStarts)).toEqual([
      [0, 2],
      [1, 2],
      [2, 4],
    ]);
    expect(starts).toEqual(['local@100']);
  });

  it('rateLimit on a handle lets a burst through, then one per refill', async () => {
    const clock = new ManualClock();
    const inc = rateLimit({ rateLimit: 10, maxBurst: 2, clock })(pool.task('inc'));
    const settled: number[] = [];
    const calls = [1, 2, 3].map((x) => inc(x).then((v) => settled.push(v)));
    await Promise.all(calls.slice(0, 2));
    expect(settled.sort()).toEqual([2, 3]);
    await clock.advance(100);
    await calls[2];
    expect(settled).toContain(4);
  });
});
