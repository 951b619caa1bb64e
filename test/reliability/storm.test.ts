/**
 * Cancellation storms: dozens of concurrent calls over one pool, cancelled at
 * seeded random moments. Every call settles as its kind allows, the pool ends
 * idle and working, and a process that runs a storm and closes its pool
 * exits by itself.
 */
import { fileURLToPath } from 'node:url';
import { createPool } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, idle, runNode } from '../helpers.js';
import { storm } from './storm.js';

type Tasks = typeof import('../fixtures/chaos-tasks.js');

describe('cancellation storm', () => {
  const pool = createPool<Tasks>(new URL('chaos-tasks.js', fixtures), { maxThreads: 2 });
  afterAll(() => pool.close());

  it('settles every call as its kind allows, over three seeds, and leaves the pool idle', async () => {
    const seen: Record<string, number> = {};
    for (const seed of [11, 12, 13]) {
      const report = await storm(pool, { seed, calls: 40 });
      expect(report.problems).toEqual([]);
      expect(report.settled).toBe(report.calls);
      for (const [k, n] of Object.entries(report.outcomes)) seen[k] = (seen[k] ?? 0) + n;
    }
    // The storm really cancelled things, in every way it knows.
    for (const k of ['signal:aborted', 'scope:cancelled', 'moveOn:moved', 'group:failed']) {
      expect(seen[k] ?? 0, k).toBeGreaterThan(0);
    }
    await idle(pool);
    const s = pool.stats();
    expect({ busy: s.busy, queued: s.queued }).toEqual({ busy: 0, queued: 0 });
    expect(s.terminated).toBeGreaterThan(0);
    expect(await pool.run('double', 4)).toBe(8);
  });

  it('a process that runs a storm and closes its pool exits by itself with code 0', async () => {
    const script = fileURLToPath(new URL('storm-child.js', import.meta.url));
    const { code, signal, stdout, stderr, hung } = await runNode([script, '2', '30', '7'], 25_000);
    expect(hung, stderr).toBe(false);
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
    expect(JSON.parse(stdout)).toEqual({ storms: 2, calls: 30, problems: 0, unsettled: 0 });
  });
});
