/**
 * Single calls (pool.run, task handles) whose item or result cannot be
 * cloned: only that call fails, with ERR_DATA_CLONE naming the item and what
 * the clone threw as its cause; no slot stays busy and nothing becomes an
 * unhandled rejection. A real pool of test/fixtures/chaos-tasks.js.
 */
import { createPool, type ItemCloneError, transfer } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectCloneError,
  expectHealthyAfterEach,
  fixtures,
  idle,
  recordUnhandledRejections,
  throwingGetter,
  throwingProxy,
} from '../helpers.js';

type Tasks = typeof import('../fixtures/chaos-tasks.js');
const chaosTasks = new URL('chaos-tasks.js', fixtures);

/** The rejection of `promise` (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${String(outcome.value)}`);
  return outcome.error as Error;
}

/** Item `index`'s clone failure, with `cause` when given. */
function expectClone(error: unknown, index: number, cause?: unknown): ItemCloneError {
  const e = expectCloneError(error, index);
  if (cause !== undefined) expect(e.cause).toBe(cause);
  return e;
}

const unhandled = recordUnhandledRejections();

describe('pool.run and task handles', () => {
  const pool = createPool<Tasks>(chaosTasks, { maxThreads: 2 });
  afterAll(() => pool.close());
  expectHealthyAfterEach(pool, unhandled, async () => {
    expect(await pool.run('double', 21)).toBe(42);
  });

  it('fails an item whose getter throws with ERR_DATA_CLONE, the thrown error as cause', async () => {
    const boom = new RangeError('getter boom');
    const error = await rejection(pool.run('echo', throwingGetter(boom) as never));
    expectClone(error, 0, boom);
    expect(error.message).toContain('could not be cloned to a worker');
    expect(error.message).toContain('getter boom');
    expectClone(await rejection(pool.task('echo')(throwingGetter(boom) as never)), 0, boom);
  });

  it('fails an item whose Proxy trap throws, the thrown error as cause', async () => {
    const trap = new Error('ownKeys boom');
    expectClone(await rejection(pool.run('echo', throwingProxy(trap) as never)), 0, trap);
  });

  it("fails a Proxy item with the engine's DataCloneError as cause", async () => {
    const error = await rejection(pool.run('echo', new Proxy({ a: 1 }, {}) as never));
    expect(expectClone(error, 0).cause).toMatchObject({ name: 'DataCloneError' });
  });

  it('fails an item nested too deep to clone with the RangeError as cause', async () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const error = await rejection(pool.run('echo', deep as never));
    expect(expectClone(error, 0).cause).toBeInstanceOf(RangeError);
  });

  it.each([
    ['proxy', 'DataCloneError'],
    ['deep', 'RangeError'],
    ['getter', 'RangeError'],
    ['fn', 'DataCloneError'],
  ])(
    'fails a result that cannot be cloned back (%s) with the real cause, not a crash',
    async (what, cause) => {
      const terminated = pool.stats().terminated;
      const error = await rejection(pool.run('uncloneable', what));
      const e = expectClone(error, 0);
      expect(e.message).toContain('the result of item 0 could not be cloned to the main thread');
      expect(e.cause).toMatchObject({ name: cause });
      expect(e.message).not.toContain('[object Object]');
      expect(pool.stats().terminated).toBe(terminated);
    },
  );

  it('fails a call whose kwargs cannot be cloned, saying so', async () => {
    const error = await rejection(pool.run('echo', 1, { kwargs: { f: () => 1 } }));
    expect(expectClone(error, 0).message).toContain('the kwargs of item 0 could not be cloned');
    expect(error.cause).toMatchObject({ name: 'DataCloneError' });
  });

  it('refuses to mark what cannot be moved, at the call', () => {
    expect(() => transfer({ a: 1 } as never)).toThrow(TypeError);
    expect(() => transfer({ a: 1 } as never)).toThrow(/received an object/);
  });

  it('moves a buffer with one call; a second call with it fails, naming why', async () => {
    const buffer = transfer(new ArrayBuffer(8));
    expect(await pool.run('byteLength', buffer)).toBe(8);
    expect(buffer.byteLength).toBe(0);
    const error = await rejection(pool.run('byteLength', transfer(buffer)));
    expect(expectClone(error, 0).cause).toMatchObject({ name: 'DataCloneError' });
    expect(error.message).toMatch(/already transferred/);
  });
});

describe('a backlog of pool.run calls packed into shared messages', () => {
  const pool = createPool<Tasks>(chaosTasks, { maxThreads: 1, spareThreads: 1 });
  afterAll(() => pool.close());

  /** Rounds of calls waiting behind a busy slot until the pool packs them. */
  async function learn(): Promise<void> {
    for (let k = 0; k < 20; k++) {
      const leases = pool.dispatcher.leases;
      await Promise.all(Array.from({ length: 100 }, (_, x) => pool.run('double', x)));
      if (k >= 2 && pool.dispatcher.leases - leases < 50) return;
    }
  }

  it.each([
    ['a getter', (e: Error) => throwingGetter(e)],
    ['a Proxy trap', (e: Error) => throwingProxy(e)],
  ])('fails only the call whose item has %s that throws; its mates run', async (_, make) => {
    await learn();
    const n = 500;
    const boom = new Error('hostile item 250');
    const leases = pool.dispatcher.leases;
    const { completed, failed } = pool.stats();
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, x) => pool.run('echo', x === 250 ? make(boom) : x)),
    );
    settled.forEach((s, x) => {
      if (x === 250) expectClone((s as PromiseRejectedResult).reason, 0, boom);
      else expect(s).toEqual({ status: 'fulfilled', value: x });
    });
    expect(pool.dispatcher.leases - leases).toBeLessThan(n / 2);
    await idle(pool);
    expect(pool.stats()).toMatchObject({
      busy: 0,
      queued: 0,
      completed: completed + n - 1,
      failed: failed + 1,
    });
    expect(unhandled).toEqual([]);
  });

  it('fails only the packed call whose item the engine cannot clone', async () => {
    await learn();
    const n = 300;
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, x) => pool.run('echo', x === 100 ? new Proxy({}, {}) : x)),
    );
    settled.forEach((s, x) => {
      if (x === 100) {
        const reason = (s as PromiseRejectedResult).reason;
        expect(expectClone(reason, 0).cause).toMatchObject({ name: 'DataCloneError' });
      } else expect(s).toEqual({ status: 'fulfilled', value: x });
    });
    await idle(pool);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    expect(unhandled).toEqual([]);
  });
});
