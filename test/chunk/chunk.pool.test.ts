import { alcall, createPool, isPoolcallError, TaskAbortedError, TaskTimeoutError } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { targetOf } from '../../dist/main/common/target.js';
import { fixtures, handshake } from '../helpers.js';

type Tasks = typeof import('../fixtures/chunk-tasks.js');
const chunkTasks = new URL('chunk-tasks.js', fixtures);

interface Seen {
  x: number;
  index: number;
  attempt: number;
  thread: number;
}

function counters(n: number) {
  const runs = new SharedArrayBuffer(4 * n);
  return { runs, count: () => Array.from(new Int32Array(runs)) };
}

describe('chunkSize at the pool level', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 1, spareThreads: 1 });
  afterAll(() => pool.close());

  it('sends concurrent attempts of one task as one message on one slot', async () => {
    const before = pool.dispatcher.leases;
    const out = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        pool.attempt('probe', { item: i, index: i, attempt: 1, chunkSize: 5 }),
      ),
    );
    expect((out as Seen[]).map((s) => [s.x, s.index, s.attempt])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i, i, 1]),
    );
    expect(pool.dispatcher.leases - before).toBe(2);
  });

  it('reports capacity as slots × chunk size and grows the auto size', async () => {
    const target = targetOf(pool.task('inc'))!;
    expect(target.capacity(1)).toBe(1);
    expect(target.capacity(8)).toBe(8);
    const first = target.capacity('auto');
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const out = await Promise.all(
      items.map((i) => pool.attempt('inc', { item: i, index: i, attempt: 1, chunkSize: 'auto' })),
    );
    expect(out).toEqual(items.map((i) => i + 1));
    expect(target.capacity('auto')).toBeGreaterThan(first);
  });

  it('runs a lone attempt at once', async () => {
    expect(await pool.attempt('inc', { item: 1, index: 0, attempt: 1, chunkSize: 64 })).toBe(2);
  });

  it('times items one by one and re-runs unfinished chunk-mates without using an attempt', async () => {
    const { runs, count } = counters(6);
    const terminated = pool.stats().terminated;
    const settled = await Promise.allSettled(
      [0, 1, 2, 3, 4, 5].map((i) =>
        pool.attempt('probe', {
          item: i,
          index: i,
          attempt: 1,
          chunkSize: 6,
          timeout: 300,
          kwargs: { runs, hang: 2 },
        }),
      ),
    );
    const failed = settled[2] as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(TaskTimeoutError);
    for (const i of [0, 1, 3, 4, 5]) {
      const r = settled[i] as PromiseFulfilledResult<Seen>;
      expect(r.value).toMatchObject({ x: i, attempt: 1 });
    }
    expect(count()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(pool.stats().terminated - terminated).toBe(1);
  });

  it('gives each item its own timeout, counted from when the worker starts it', async () => {
    // The first item holds the chunk (handshake) for longer than its mates'
    // timeout; they still succeed, as their clocks start when each one does.
    const h = handshake();
    const terminated = pool.stats().terminated;
    const leases = pool.dispatcher.leases;
    const first = pool.attempt('gate', {
      item: { flag: h.flag },
      index: 0,
      attempt: 1,
      chunkSize: 4,
      timeout: 60_000,
    });
    const mates = ['b', 'c', 'd'].map((item, i) =>
      pool.attempt('gate', { item, index: i + 1, attempt: 1, chunkSize: 4, timeout: 100 }),
    );
    await h.started();
    // At least the mates' timeout passes while they wait behind the first item.
    await new Promise((resolve) => setTimeout(resolve, 150));
    h.release();
    expect(await first).toBe('released');
    expect(await Promise.all(mates)).toEqual(['b', 'c', 'd']);
    expect(pool.dispatcher.leases - leases).toBe(1);
    expect(pool.stats().terminated).toBe(terminated);
  });

  it('drops a cancelled attempt that has not started, without terminating', async () => {
    const h = handshake();
    const terminated = pool.stats().terminated;
    const controller = new AbortController();
    const first = pool.attempt('gate', {
      item: { flag: h.flag },
      index: 0,
      attempt: 1,
      chunkSize: 3,
    });
    const second = pool.attempt('gate', {
      item: 'b',
      index: 1,
      attempt: 1,
      chunkSize: 3,
      signal: controller.signal,
    });
    const third = pool.attempt('gate', { item: 'c', index: 2, attempt: 1, chunkSize: 3 });
    await h.started();
    controller.abort(new Error('stop'));
    await expect(second).rejects.toBeInstanceOf(TaskAbortedError);
    h.release();
    expect(await first).toBe('released');
    expect(await third).toBe('c');
    expect(pool.stats().terminated).toBe(terminated);
  });

  it('terminates for a cancelled running attempt and re-runs its unfinished mates', async () => {
    const h = handshake();
    const terminated = pool.stats().terminated;
    const controller = new AbortController();
    const running = pool.attempt('gate', {
      item: { flag: h.flag },
      index: 0,
      attempt: 1,
      chunkSize: 3,
      signal: controller.signal,
    });
    const mates = ['b', 'c'].map((item, i) =>
      pool.attempt('gate', { item, index: i + 1, attempt: 1, chunkSize: 3 }),
    );
    await h.started();
    controller.abort(new Error('stop'));
    const error = await running.catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_TASK_ABORTED')).toBe(true);
    expect(await Promise.all(mates)).toEqual(['b', 'c']);
    expect(pool.stats().terminated - terminated).toBe(1);
  });

  it('fails an item that cannot be cloned alone; the rest of the chunk goes on', async () => {
    const items: unknown[] = [1, () => 2, 3];
    const settled = await Promise.allSettled(
      items.map((item, i) => pool.attempt('inc', { item, index: i, attempt: 1, chunkSize: 3 })),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (settled[1] as PromiseRejectedResult).reason;
    expect(isPoolcallError(reason, 'ERR_DATA_CLONE')).toBe(true);
  });

  it('fails only the item whose worker exited', async () => {
    const { runs, count } = counters(4);
    const settled = await Promise.allSettled(
      [0, 1, 2, 3].map((i) =>
        pool.attempt('probe', {
          item: i,
          index: i,
          attempt: 1,
          chunkSize: 4,
          kwargs: { runs, exitOn: 1 },
        }),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(
      isPoolcallError((settled[1] as PromiseRejectedResult).reason, 'ERR_WORKER_CRASHED'),
    ).toBe(true);
    expect(count()[1]).toBe(1);
  });

  it('keeps per-item semantics through alcall: order, retries, attempts, defaults', async () => {
    const { runs, count } = counters(8);
    const items = [0, 1, 2, 3, 4, 5, 6, 7];
    const out = (await alcall(items, pool.task('probe'), {
      chunkSize: 4,
      numRetries: 1,
      retryTimeout: 300,
      kwargs: { runs, hang: 5, hangOnce: true },
    })) as Seen[];
    expect(out.map((s) => s.x)).toEqual(items);
    expect(out.map((s) => s.index)).toEqual(items);
    expect(out.map((s) => s.attempt)).toEqual([1, 1, 1, 1, 1, 2, 1, 1]);
    expect(count()).toEqual([1, 1, 1, 1, 1, 2, 1, 1]);

    const fallback = await alcall([0, 1, 2], pool.task('probe'), {
      chunkSize: 3,
      retryTimeout: 200,
      retryDefault: null,
      kwargs: { hang: 1 },
    });
    expect(fallback.map((s) => (s as Seen | null)?.x ?? null)).toEqual([0, null, 2]);
  });

  describe("a learnt chunk ('auto') that grows while it runs", () => {
    // ~1 ms items: the learnt size is a few items, and the call keeps more
    // batches than one per slot in flight, so a running chunk takes the next
    // batches without giving its slot back.
    const slow = (n: number, kwargs: Record<string, unknown>) =>
      Array.from({ length: n }, (_, i) =>
        pool.attempt('probe', { item: i, index: i, attempt: 1, chunkSize: 'auto', kwargs }),
      );

    it('serves many batches on one slot lease, each item once and in place', async () => {
      await Promise.all(slow(20, { ms: 1 }));
      const target = targetOf(pool.task('probe'))!;
      const batch = target.capacity('auto') / 3;
      expect(batch).toBeLessThan(20);
      const { runs, count } = counters(120);
      const before = pool.dispatcher.leases;
      const out = (await Promise.all(slow(120, { ms: 1, runs }))) as Seen[];
      expect(out.map((s) => [s.x, s.index, s.attempt])).toEqual(
        Array.from({ length: 120 }, (_, i) => [i, i, 1]),
      );
      expect(count()).toEqual(Array.from({ length: 120 }, () => 1));
      const leases = pool.dispatcher.leases - before;
      expect(leases).toBeLessThan(120 / batch / 2);
    });

    it('times out an item of a later batch alone; its mates run once, no attempt lost', async () => {
      const { runs, count } = counters(60);
      const terminated = pool.stats().terminated;
      const settled = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          pool.attempt('probe', {
            item: i,
            index: i,
            attempt: 1,
            chunkSize: 'auto',
            timeout: 300,
            kwargs: { ms: 1, runs, hang: 40 },
          }),
        ),
      );
      expect((settled[40] as PromiseRejectedResult).reason).toBeInstanceOf(TaskTimeoutError);
      settled.forEach((r, i) => {
        if (i !== 40)
          expect((r as PromiseFulfilledResult<Seen>).value).toMatchObject({ x: i, attempt: 1 });
      });
      expect(count()).toEqual(Array.from({ length: 60 }, () => 1));
      expect(pool.stats().terminated - terminated).toBe(1);
    });

    it('fails a value that cannot be cloned alone, wherever it lands', async () => {
      const cloneless = pool.task('cloneless');
      await alcall([0, 1, 2, 3], cloneless, { chunkSize: 'auto' });
      const items = Array.from({ length: 60 }, (_, i) => i);
      const out = await alcall(items, cloneless, { chunkSize: 'auto', returnExceptions: true });
      out.forEach((v, i) => {
        if (i === 13) expect(isPoolcallError(v, 'ERR_DATA_CLONE')).toBe(true);
        else expect(v).toBe(i);
      });
    });

    it('fails an item that cannot be cloned to the worker alone', async () => {
      await Promise.all(slow(10, { ms: 1 }));
      const items: unknown[] = Array.from({ length: 60 }, (_, i) => (i === 30 ? () => i : i));
      const settled = await Promise.allSettled(
        items.map((item, i) =>
          pool.attempt('probe', {
            item,
            index: i,
            attempt: 1,
            chunkSize: 'auto',
            kwargs: { ms: 1 },
          }),
        ),
      );
      settled.forEach((r, i) => {
        if (i === 30) {
          expect(isPoolcallError((r as PromiseRejectedResult).reason, 'ERR_DATA_CLONE')).toBe(true);
        } else expect((r as PromiseFulfilledResult<Seen>).value.x).toBe(i);
      });
    });

    it('times an attempt with a timeout that arrives while an untimed chunk grows', async () => {
      const kwargs = { ms: 1, hang: 150 };
      await Promise.all(slow(20, { ms: 1 }));
      const plain = Array.from({ length: 100 }, (_, i) =>
        pool.attempt('probe', { item: i, index: i, attempt: 1, chunkSize: 'auto', kwargs }),
      );
      await plain[0];
      const timed = pool.attempt('probe', {
        item: 150,
        index: 150,
        attempt: 1,
        chunkSize: 'auto',
        timeout: 200,
        kwargs,
      });
      await expect(timed).rejects.toBeInstanceOf(TaskTimeoutError);
      expect(await Promise.all(plain)).toHaveLength(100);
    });
  });
});

describe('a backlog of pool.run calls', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 1, spareThreads: 1 });
  afterAll(() => pool.close());

  const startOrder = (n: number) => {
    const order = new SharedArrayBuffer(4 * (n * 2 + 1));
    const view = new Int32Array(order);
    return { order, started: () => Array.from(view.subarray(1, 1 + view[0]!)) };
  };

  /**
   * Calls waiting behind a busy slot teach the pool how short the task is:
   * rounds of them until one shares messages (on a busy machine the first
   * round trips may be slow).
   */
  async function learn(): Promise<void> {
    for (let k = 0; k < 20; k++) {
      const { order } = startOrder(100);
      const leases = pool.dispatcher.leases;
      await Promise.all(Array.from({ length: 100 }, (_, x) => pool.run('tick', { x, order })));
      if (k >= 2 && pool.dispatcher.leases - leases < 50) return;
    }
  }

  it('travels in shared messages, starting in submission order, each call with its own result', async () => {
    await learn();
    const n = 400;
    const { order, started } = startOrder(n);
    const { completed, failed } = pool.stats();
    const leases = pool.dispatcher.leases;
    const out = await Promise.all(
      Array.from({ length: n }, (_, x) => pool.run('tick', { x, order })),
    );
    expect(out).toEqual(Array.from({ length: n }, (_, x) => x + 1));
    expect(started()).toEqual(Array.from({ length: n }, (_, x) => x));
    const stats = pool.stats();
    expect(stats.completed - completed).toBe(n);
    expect(stats.failed - failed).toBe(0);
    expect(pool.dispatcher.leases - leases).toBeLessThan(n / 2);
  });

  it('does not pack calls of another task or with kwargs, and keeps FIFO across them', async () => {
    await learn();
    const { order, started } = startOrder(60);
    const calls = Array.from({ length: 60 }, (_, x) =>
      x % 3 === 0
        ? pool.attempt('tick', { item: { x, order }, index: 0, attempt: 1, kwargs: { x } })
        : pool.run('tick', { x, order }),
    );
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 60 }, (_, x) => x + 1));
    expect(started()).toEqual(Array.from({ length: 60 }, (_, x) => x));
  });

  it('fails only the call whose worker crashed; its unfinished mates run again', async () => {
    await learn();
    const n = 120;
    const { order, started } = startOrder(n);
    const failed = pool.stats().failed;
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, x) => pool.run('tick', { x, order, exitOn: 50 })),
    );
    settled.forEach((s, x) => {
      if (x === 50) {
        expect(s.status).toBe('rejected');
        expect(isPoolcallError((s as PromiseRejectedResult).reason, 'ERR_WORKER_CRASHED')).toBe(
          true,
        );
      } else {
        expect(s).toEqual({ status: 'fulfilled', value: x + 1 });
      }
    });
    expect(pool.stats().failed - failed).toBe(1);
    // Every call started at least once; the crash culprit exactly once.
    const seen = started();
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: n }, (_, x) => x)));
    expect(seen.filter((x) => x === 50)).toHaveLength(1);
  });

  it('aborts a packed call with its signal, and its mates still finish', async () => {
    await learn();
    const n = 200;
    const { order } = startOrder(n);
    const controller = new AbortController();
    controller.abort('no longer needed');
    const live = new AbortController();
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, x) =>
        pool.run('tick', { x, order }, { signal: x === 150 ? controller.signal : live.signal }),
      ),
    );
    settled.forEach((s, x) => {
      if (x === 150) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(TaskAbortedError);
      else expect(s).toEqual({ status: 'fulfilled', value: x + 1 });
    });
  });
});

describe("the tail of a chunkSize: 'auto' run", () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 2, spareThreads: 1 });
  afterAll(() => pool.close());

  it('gives a slot with nothing left the unstarted items another worker holds', async () => {
    const hold = pool.task('hold');
    const n = 200;
    const runs = new SharedArrayBuffer(4 * n);
    const counts = new Int32Array(runs);
    // Learn that items take ~1 ms: batches of several items that grow while they run.
    await alcall(
      Array.from({ length: 64 }, (_, x) => ({ x, ms: 1, runs: new SharedArrayBuffer(4 * 64) })),
      hold,
      { chunkSize: 'auto' },
    );
    const flag = new SharedArrayBuffer(8);
    const gate = new Int32Array(flag);
    const items = Array.from({ length: n }, (_, x) => ({ x, ms: 1, runs, holdOn: 0, flag }));
    const done = alcall(items, hold, { chunkSize: 'auto' });
    // Item 0 holds its worker; the other worker runs everything else, then
    // takes back what is queued behind item 0, down to the item right after it.
    const waitFor = async (ok: () => boolean) => {
      while (!ok()) await new Promise((resolve) => setTimeout(resolve, 2));
    };
    await waitFor(() => Atomics.load(gate, 0) === 1);
    await waitFor(() => counts.slice(2).every((c) => c === 1));
    expect(counts[1]).toBe(0);
    Atomics.store(gate, 1, 1);
    const out = (await done) as { x: number; thread: number }[];
    expect(out.map((r) => r.x)).toEqual(items.map((i) => i.x));
    expect(Array.from(counts)).toEqual(items.map(() => 1));
    const held = out[0]!.thread;
    expect(out[1]!.thread).toBe(held);
    expect(out.slice(2).filter((r) => r.thread === held)).toEqual([]);
  });
});
