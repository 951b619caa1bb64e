/**
 * Chaos: thousands of cheap items with a few dozen that throw, exit their
 * worker, spin forever or run out of memory, and a few that cannot be cloned
 * to a worker at all (a getter or Proxy trap that throws), through alcall,
 * imap and bcall, with and without chunkSize. Each item's outcome is computed in advance from
 * the item and the policy, and each must end exactly so; afterwards the pool
 * is idle and still runs tasks. Durations past what one Node timer holds
 * (2^31 - 1 ms) are among the policies: nothing times out or starts early.
 */
import {
  type ALCallOptions,
  alcall,
  bcall,
  createPool,
  imap,
  UnsupportedRuntimeError,
} from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { deferred, fixtures, heapLimits, idle, recordUnhandledRejections } from '../helpers.js';
import {
  type ChaosItem,
  expectedOf,
  faultCounts,
  makeItems,
  matchesFault,
  mismatches,
  type Policy,
} from './plan.js';

type Tasks = typeof import('../fixtures/chaos-tasks.js');

const N = 2000;
const unhandled = recordUnhandledRejections();
const TIMEOUT = 1000;

describe('chaos: every item ends exactly as planned', () => {
  const resourceLimits = { maxOldGenerationSizeMb: 16 };
  // Where worker heap limits do not hold, createPool refuses them (asserted
  // below) and no item runs out of memory.
  const pool = createPool<Tasks>(new URL('chaos-tasks.js', fixtures), {
    maxThreads: 2,
    ...(heapLimits ? { resourceLimits } : {}),
  });
  const chaos = pool.task('chaos');
  afterAll(() => pool.close());

  async function expectHealthy(): Promise<void> {
    // A call that rejected early may still be terminating its workers.
    await idle(pool);
    expect(unhandled).toEqual([]);
    const s = pool.stats();
    expect({ busy: s.busy, queued: s.queued }).toEqual({ busy: 0, queued: 0 });
    expect(await pool.run('double', 21)).toBe(42);
  }

  function options<E extends ALCallOptions>(policy: Policy, extra: E): E {
    return { ...policy, ...extra };
  }

  it(`alcall, one item per message: throws, exits, ${heapLimits ? 'out-of-memory' : 'resourceLimits refused'} and uncloneable items with retryDefault`, async () => {
    if (!heapLimits) {
      expect(() =>
        createPool<Tasks>(new URL('chaos-tasks.js', fixtures), { resourceLimits }),
      ).toThrow(UnsupportedRuntimeError);
    }
    const mix = { throw: 24, exit: 4, getter: 3, proxy: 3, ...(heapLimits ? { oom: 2 } : {}) };
    const items = makeItems(N, mix, { seed: 1, maxFaults: 3 });
    const policy: Policy = { numRetries: 1, retryDefault: 'D' };
    const out = await alcall(items, chaos, options(policy, { maxConcurrent: 8 }));
    expect(mismatches(items, out, policy)).toEqual([]);
    expect((out as unknown[]).filter((v) => v === 'D').length).toBeGreaterThan(0);
    await expectHealthy();
  });

  it('alcall with chunkSize 16: spins, exits, throws and uncloneable items with retryTimeout and returnExceptions', async () => {
    const items = makeItems(
      N,
      { throw: 24, exit: 4, spin: 2, getter: 3, proxy: 3 },
      { seed: 2, maxFaults: 2 },
    );
    const policy: Policy = { numRetries: 1, returnExceptions: true };
    const before = pool.stats().terminated;
    const out = await alcall(
      items,
      chaos,
      options(policy, { retryTimeout: TIMEOUT, chunkSize: 16 }),
    );
    expect(mismatches(items, out, policy)).toEqual([]);
    expect(pool.stats().terminated - before).toBe(faultCounts(items, policy).spin);
    await expectHealthy();
  });

  it('alcall without chunking: spins stopped by retryTimeout, retried to a value', async () => {
    const items = makeItems(N, { throw: 20, exit: 3, spin: 2 }, { seed: 3, maxFaults: 2 });
    const policy: Policy = { numRetries: 2 };
    const out = await alcall(items, chaos, options(policy, { retryTimeout: TIMEOUT }));
    expect(mismatches(items, out, policy)).toEqual([]);
    await expectHealthy();
  });

  it("imap with chunkSize 'auto' yields every item as planned, in order", async () => {
    const items = makeItems(
      N,
      { throw: 24, exit: 4, spin: 1, getter: 3, proxy: 3 },
      { seed: 4, maxFaults: 2 },
    );
    const policy: Policy = { numRetries: 1, returnExceptions: true };
    const out: unknown[] = [];
    for await (const v of imap(
      items,
      chaos,
      options(policy, { retryTimeout: TIMEOUT, chunkSize: 'auto' }),
    )) {
      out.push(v);
    }
    expect(mismatches(items, out, policy)).toEqual([]);
    await expectHealthy();
  });

  it('bcall over an async source, chunkSize 8, retryDefault null', async () => {
    const items = makeItems(
      N,
      { throw: 24, exit: 4, spin: 1, getter: 2, proxy: 2 },
      { seed: 5, maxFaults: 2 },
    );
    const policy: Policy = { numRetries: 0, retryDefault: null };
    async function* source(): AsyncGenerator<ChaosItem> {
      yield* items;
    }
    const out: unknown[] = [];
    let batches = 0;
    for await (const batch of bcall(
      source(),
      chaos,
      options(policy, { batchSize: 700, retryTimeout: TIMEOUT, chunkSize: 8 }),
    )) {
      batches++;
      out.push(...batch);
    }
    expect(batches).toBe(Math.ceil(N / 700));
    expect(mismatches(items, out, policy)).toEqual([]);
    await expectHealthy();
  });

  it('without a default, the first item that fails for good rejects the call with its error, and the pool recovers', async () => {
    const items = makeItems(
      N,
      { throw: 10, exit: 2, getter: 1, proxy: 1 },
      { seed: 6, maxFaults: 3 },
    );
    const policy: Policy = { numRetries: 1 };
    const doomed = items.filter((item) => expectedOf(item, policy).kind === 'error');
    expect(doomed.length).toBeGreaterThan(0);
    for (const chunkSize of [1, 16]) {
      const error = await alcall(items, chaos, options(policy, { chunkSize })).then(
        () => undefined,
        (e: unknown) => e,
      );
      const matchesOne = doomed.some((item) => {
        const want = expectedOf(item, policy);
        return want.kind === 'error' && matchesFault(error, want.fault);
      });
      expect(matchesOne).toBe(true);
      await expectHealthy();
    }
  });
  for (const chunkSize of [1, 16]) {
    it(`retryTimeout 2^31 + 5 ms (chunkSize ${chunkSize}): slow attempts fail by their own error, never by an early timeout`, async () => {
      const items = makeItems(
        400,
        { slow: 6, throw: 10, exit: 2, ...(heapLimits ? { oom: 1 } : {}) },
        { seed: 7 + chunkSize, maxFaults: 2, filler: ['throw', 'slow'] },
      );
      const policy: Policy = { numRetries: 1, returnExceptions: true };
      const before = pool.stats().terminated;
      const overflows: Error[] = [];
      const onWarning = (w: Error) => {
        if (w.name === 'TimeoutOverflowWarning') overflows.push(w);
      };
      process.on('warning', onWarning);
      const out = await alcall(
        items,
        chaos,
        options(policy, { retryTimeout: 2 ** 31 + 5, chunkSize, maxConcurrent: 4 }),
      ).finally(() => process.off('warning', onWarning));
      // The worker deadline is armed once, not re-armed every millisecond with a warning.
      expect(overflows).toEqual([]);
      expect(mismatches(items, out, policy)).toEqual([]);
      expect(faultCounts(items, policy).slow).toBeGreaterThan(0);
      expect(pool.stats().terminated - before).toBe(0);
      await expectHealthy();
    });
  }

  it('retryDelay 2^31 + 5 ms and throttlePeriod 2^32 ms: no retry and no second start come early', async () => {
    const nap = pool.task('nap');
    const attempts: number[] = [];
    const firstFailed = deferred();
    const controller = new AbortController();
    const reason = new Error('enough');
    const call = alcall(
      [-1, -1, -1],
      async (ms: number, ctx) => {
        attempts.push(ctx.attempt);
        try {
          return await nap(ms);
        } finally {
          firstFailed.resolve();
        }
      },
      {
        numRetries: 2,
        retryDelay: 2 ** 31 + 5,
        throttlePeriod: 2 ** 32,
        signal: controller.signal,
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    await firstFailed.promise;
    // Real time in which timers clamped to 1 ms would have fired many times over.
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(attempts).toEqual([1]);
    controller.abort(reason);
    expect(await call).toBe(reason);
    await expectHealthy();
  });
});
