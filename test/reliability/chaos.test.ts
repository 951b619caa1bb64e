/**
 * Chaos: thousands of cheap items with a few dozen that throw, exit their
 * worker, spin forever or run out of memory, through alcall, imap and bcall,
 * with and without chunkSize. Each item's outcome is computed in advance from
 * the item and the policy, and each must end exactly so; afterwards the pool
 * is idle and still runs tasks.
 */
import { type ALCallOptions, alcall, bcall, createPool, imap } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers.js';
import {
  type ChaosItem,
  expectedOf,
  faultCounts,
  makeItems,
  matchesFault,
  mismatches,
  type Policy,
} from './plan.js';
import { idle } from './settle.js';

type Tasks = typeof import('../fixtures/chaos-tasks.js');

const N = 2000;
const TIMEOUT = 1000;

describe('chaos: every item ends exactly as planned', () => {
  const pool = createPool<Tasks>(new URL('chaos-tasks.js', fixtures), {
    maxThreads: 2,
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  });
  const chaos = pool.task('chaos');
  afterAll(() => pool.close());

  async function expectHealthy(): Promise<void> {
    // A call that rejected early may still be terminating its workers.
    await idle(pool);
    const s = pool.stats();
    expect({ busy: s.busy, queued: s.queued }).toEqual({ busy: 0, queued: 0 });
    expect(await pool.run('double', 21)).toBe(42);
  }

  function options<E extends ALCallOptions>(policy: Policy, extra: E): E {
    return { ...policy, ...extra };
  }

  it('alcall, one item per message: throws, exits and out-of-memory with retryDefault', async () => {
    const items = makeItems(N, { throw: 24, exit: 4, oom: 2 }, { seed: 1, maxFaults: 3 });
    const policy: Policy = { numRetries: 1, retryDefault: 'D' };
    const out = await alcall(items, chaos, options(policy, { maxConcurrent: 8 }));
    expect(mismatches(items, out, policy)).toEqual([]);
    expect((out as unknown[]).filter((v) => v === 'D').length).toBeGreaterThan(0);
    await expectHealthy();
  });

  it('alcall with chunkSize 16: spins, exits and throws with retryTimeout and returnExceptions', async () => {
    const items = makeItems(N, { throw: 24, exit: 4, spin: 2 }, { seed: 2, maxFaults: 2 });
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
    const items = makeItems(N, { throw: 24, exit: 4, spin: 1 }, { seed: 4, maxFaults: 2 });
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
    const items = makeItems(N, { throw: 24, exit: 4, spin: 1 }, { seed: 5, maxFaults: 2 });
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
    const items = makeItems(N, { throw: 10, exit: 2 }, { seed: 6, maxFaults: 3 });
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
});
