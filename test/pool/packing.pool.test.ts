/**
 * Which waiting pool.run calls share a message: short calls travel several
 * to a message once their run time is known; calls of a few ms, where a
 * message would hold only two of them, travel alone.
 */
import { createPool } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { tasksUrl } from '../helpers.js';

describe('a backlog of pool.run calls: what shares a message', () => {
  const pool = createPool(tasksUrl, { maxThreads: 1, spareThreads: 0 });
  afterAll(() => pool.close());

  /** Messages (slot leases) that `n` calls of `busy(ms)`, all submitted at once, took. */
  async function leasesFor(ms: number, n: number): Promise<number> {
    const before = pool.dispatcher.leases;
    const out = await Promise.all(Array.from({ length: n }, () => pool.run('busy', ms)));
    expect(out).toHaveLength(n);
    for (const spins of out) expect(spins).toBeGreaterThan(0);
    return pool.dispatcher.leases - before;
  }

  it.each([3, 1.6])('sends calls of %s ms one per message, however many wait', async (ms) => {
    // A ~4 ms message would hold two of them at most: each travels alone,
    // in every round, before and after the run time is learnt.
    for (let k = 0; k < 3; k++) expect(await leasesFor(ms, 12)).toBe(12);
  });

  it('packs short calls that wait behind a busy slot, once their run time is known', async () => {
    let leases = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 10 && leases >= 100; k++) leases = await leasesFor(0.05, 200);
    expect(leases).toBeLessThan(100);
  });
});
