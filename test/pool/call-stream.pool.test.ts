/**
 * Call streams: single calls that follow one another on a slot go to the
 * worker over a stream's own port instead of one `piscina.run` each. Calls
 * on a stream keep every outcome a call through piscina has: values, task
 * errors, items and results that cannot be cloned, a thread that ends, an
 * abort that terminates the thread. An idle pool keeps no stream.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { alcall, createPool, type Pool, TaskAbortedError } from 'poolcall';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type * as tasks from '../fixtures/tasks.js';
import { handshake, runNode, tasksUrl } from '../helpers.js';

type Tasks = typeof tasks;

/** Counts what reaches piscina: calls of their own, and streams opened. */
function watchPiscina() {
  const run = vi.spyOn(Piscina.prototype, 'run');
  const streams = () => run.mock.calls.filter(([task]) => isStream(task)).length;
  const own = () => run.mock.calls.length - streams();
  /** Every task piscina was given has ended, streams included. */
  const settled = () => Promise.allSettled(run.mock.results.map((r) => r.value));
  return { run, streams, own, settled };
}

function isStream(task: unknown): boolean {
  return typeof task === 'object' && task !== null && 'stream' in task;
}

/** Runs `second` queued behind a short call on a one-slot pool: it is granted as that call ends, on a stream. */
function behind<T>(pool: Pool<Tasks>, second: () => Promise<T>): Promise<[number, T]> {
  return Promise.all([pool.run('inc', 1), second()]);
}

/** What a rejected promise rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** A macrotask later: no call ended in this turn, so the next call goes to piscina. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('call streams', () => {
  const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1 });
  afterAll(() => pool.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('carry the items of an alcall that follow one another, then end once the pool is idle', async () => {
    await pool.run('inc', 0);
    const piscina = watchPiscina();
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await alcall(items, pool.task('inc'));
    expect(out).toEqual(items.map((x) => x + 1));
    // The first item goes to piscina; the others follow one another on a stream.
    expect(piscina.streams()).toBeGreaterThanOrEqual(1);
    expect(piscina.own() + piscina.streams()).toBeLessThan(items.length / 4);
    // Nothing closes the pool: every stream ends on its own once no call follows.
    await piscina.settled();
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('carry calls waiting behind a busy slot', async () => {
    await nextTurn();
    const piscina = watchPiscina();
    // Calls of a few ms: each travels alone (see packing.pool.test.ts).
    const out = await Promise.all(Array.from({ length: 12 }, () => pool.run('busy', 2)));
    for (const spins of out) expect(spins).toBeGreaterThan(0);
    expect(piscina.streams()).toBeGreaterThanOrEqual(1);
    expect(piscina.own() + piscina.streams()).toBeLessThan(6);
    await piscina.settled();
  });

  it('carry async tasks, kwargs and defineTask contexts', async () => {
    await nextTurn();
    const piscina = watchPiscina();
    const [, upper] = await behind(pool, () => pool.run('upper', 'abc'));
    const [, ctx] = await behind(pool, () => pool.run('withCtx', 5, { kwargs: { add: 2 } }));
    // The second pair follows the first at once: it may take the same stream.
    expect(piscina.streams()).toBeGreaterThanOrEqual(1);
    expect(piscina.own()).toBeLessThanOrEqual(2);
    expect(upper).toBe('ABC');
    expect(ctx).toEqual({ x: 7, index: 0, attempt: 1 });
  });

  it('fail a task error as piscina does', async () => {
    await nextTurn();
    const cold = await rejection(pool.run('fail', 'bad input'));
    const piscina = watchPiscina();
    const [first, onStream] = await Promise.allSettled([
      pool.run('inc', 1),
      pool.run('fail', 'bad input'),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: 2 });
    expect(piscina.streams()).toBe(1);
    const error = (onStream as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(cold.name);
    expect(error.message).toBe(cold.message);
    expect((error as { code?: unknown }).code).toBe((cold as { code?: unknown }).code);
  });

  it('fail an item that cannot be cloned alone, and go on', async () => {
    await nextTurn();
    const fn = () => 1;
    const cold = await rejection(pool.run('inc', fn as never));
    const piscina = watchPiscina();
    const [a, b, c] = await Promise.allSettled([
      pool.run('inc', 1),
      pool.run('inc', fn as never),
      pool.run('inc', 3),
    ]);
    expect(piscina.streams()).toBeGreaterThanOrEqual(1);
    expect(a).toEqual({ status: 'fulfilled', value: 2 });
    expect(c).toEqual({ status: 'fulfilled', value: 4 });
    expect(b.status).toBe('rejected');
    const error = (b as PromiseRejectedResult).reason as Error;
    expect(error.constructor).toBe(cold.constructor);
    expect(error.message).toBe(cold.message);
  });

  it('fail a result that cannot be cloned alone, and go on', async () => {
    await nextTurn();
    const cold = await rejection(pool.run('returnsFunction', 0));
    const piscina = watchPiscina();
    const [a, b, c] = await Promise.allSettled([
      pool.run('inc', 1),
      pool.run('returnsFunction', 0),
      pool.run('inc', 3),
    ]);
    expect(piscina.streams()).toBeGreaterThanOrEqual(1);
    expect(a).toEqual({ status: 'fulfilled', value: 2 });
    expect(c).toEqual({ status: 'fulfilled', value: 4 });
    const error = (b as PromiseRejectedResult).reason as Error;
    expect(error.constructor).toBe(cold.constructor);
    expect(error.name).toBe(cold.name);
    expect(error.message).toBe(cold.message);
  });

  it('carry typed arrays both ways', async () => {
    await nextTurn();
    const piscina = watchPiscina();
    const bytes = new Uint8Array(300).fill(7);
    const [, length] = await behind(pool, () => pool.run('byteLength', bytes));
    expect(piscina.streams()).toBe(1);
    expect(length).toBe(300);
    expect(bytes.byteLength).toBe(300);
  });

  it('fail the call whose task ends its thread, and the next call runs', async () => {
    await nextTurn();
    const cold = await rejection(pool.run('exit', 3));
    const piscina = watchPiscina();
    const [, exited] = await Promise.allSettled([pool.run('inc', 1), pool.run('exit', 3)]);
    expect(piscina.streams()).toBe(1);
    const error = (exited as PromiseRejectedResult).reason as Error;
    expect(error.constructor).toBe(cold.constructor);
    expect(error.message).toBe(cold.message);
    expect(await pool.run('inc', 41)).toBe(42);
  });

  it('terminate the thread of a call whose signal aborts, as piscina does', async () => {
    await nextTurn();
    const piscina = watchPiscina();
    const { flag, started } = handshake();
    const controller = new AbortController();
    const terminated = pool.stats().terminated;
    const both = behind(pool, () => pool.run('spin', { flag }, { signal: controller.signal }));
    await started();
    expect(piscina.streams()).toBe(1);
    controller.abort(new Error('stop'));
    const error = await rejection(both);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(pool.stats().terminated).toBe(terminated + 1);
    expect(await pool.run('inc', 1)).toBe(2);
  });

  it('keep listening to a signal the calls share, and only while one of them runs', async () => {
    await nextTurn();
    const controller = new AbortController();
    const signal = controller.signal;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await alcall(items, pool.task('inc'), { signal });
    expect(out).toEqual(items.map((x) => x + 1));
    // An abort after the call ended terminates nothing.
    const terminated = pool.stats().terminated;
    controller.abort();
    expect(await pool.run('inc', 1)).toBe(2);
    expect(pool.stats().terminated).toBe(terminated);
  });
});

describe('a process whose calls rode call streams', () => {
  it('ends by itself once its last call has answered, with the pool left open', async () => {
    const script = fileURLToPath(new URL('stream-child.js', import.meta.url));
    const { code, signal, stdout, stderr, hung } = await runNode([script], 20_000);
    expect(hung, stderr).toBe(false);
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(stdout)).toEqual([2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 101]);
  });
});

describe('a pool whose threads run several tasks at once', () => {
  it('sends every call through piscina', async () => {
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1, concurrentTasksPerWorker: 2 });
    try {
      const piscina = watchPiscina();
      const out = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run('inc', i)));
      expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(piscina.streams()).toBe(0);
    } finally {
      vi.restoreAllMocks();
      await pool.close();
    }
  });
});
