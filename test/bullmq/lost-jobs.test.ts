/**
 * The lost-job check on a manual clock, with the two questions it asks of
 * Redis answered by the test; and a job's ids and attempts across losses.
 */
import { ManualClock } from 'poolcall';
import { describe, expect, it } from 'vitest';
import { JobBuilder, type PendingJob } from '../../src/main/bullmq/jobs.js';
import { LostJobCheck, type LostJobCheckOptions } from '../../src/main/bullmq/lost-jobs.js';

/** A check over `waited` job ids, Redis holding `present`; markers come back when the test says. */
function setup(waited: Set<string>, present: Set<string>, over: Partial<LostJobCheckOptions> = {}) {
  const clock = new ManualClock();
  const lost: string[][] = [];
  const errors: Error[] = [];
  const published: string[] = [];
  let onPublished = () => {};
  const check = new LostJobCheck({
    waited: () => [...waited],
    isWaited: (id) => waited.has(id),
    exists: async (ids) => ids.map((id) => present.has(id)),
    publishMarker: async (token) => {
      published.push(token);
      onPublished();
    },
    onLost: (ids) => lost.push([...ids]),
    onError: (error) => errors.push(error),
    interval: Number.POSITIVE_INFINITY,
    markerTimeout: 1000,
    tokenPrefix: 'p-',
    clock,
    ...over,
  });
  const nextMarker = () =>
    new Promise<string>((resolve) => {
      onPublished = () => resolve(published.at(-1)!);
    });
  return { check, clock, lost, errors, published, nextMarker };
}

const turns = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('LostJobCheck', () => {
  it('asks nothing more of Redis when every job waited for is there', async () => {
    const { check, published, lost } = setup(new Set(['a', 'b']), new Set(['a', 'b']));
    check.request();
    await check.close();
    expect(published).toEqual([]);
    expect(lost).toEqual([]);
  });

  it('a missing job whose event arrives before the marker finished; one still waited for was lost', async () => {
    const waited = new Set(['a', 'b', 'c']);
    const { check, lost, nextMarker } = setup(waited, new Set(['c']));
    const marker = nextMarker();
    check.request();
    const token = await marker;
    waited.delete('a'); // its 'completed' event came back before the marker
    check.marker(token);
    await turns();
    expect(lost).toEqual([['b']]);
    await check.close();
  });

  it('a reconnection gives up the marker under way and checks again', async () => {
    const { check, lost, published, nextMarker } = setup(new Set(['a']), new Set());
    const first = nextMarker();
    check.request();
    await first;
    const second = nextMarker();
    check.reconnected(); // the first marker may have gone with the old Redis
    const token = await second;
    expect(published).toHaveLength(2);
    check.marker(published[0]!); // late: no longer listened for
    expect(lost).toEqual([]);
    check.marker(token);
    await turns();
    expect(lost).toEqual([['a']]);
    await check.close();
  });

  it('a marker that does not come back within markerTimeout declares nothing lost', async () => {
    const { check, clock, lost, nextMarker } = setup(new Set(['a']), new Set());
    const marker = nextMarker();
    check.request();
    await marker;
    clock.advance(999);
    await turns();
    clock.advance(1);
    await turns();
    expect(clock.pending).toBe(0);
    await check.close();
    expect(lost).toEqual([]);
  });

  it('checks every interval until closed, and reports a check that failed', async () => {
    let asked = 0;
    const { check, clock, errors } = setup(new Set(['a']), new Set(['a']), {
      interval: 500,
      exists: async (ids) => {
        asked++;
        if (asked === 2) throw new Error('Connection is closed.');
        return ids.map(() => true);
      },
    });
    for (let i = 0; i < 3; i++) {
      await turns();
      clock.advance(500);
    }
    await turns();
    expect(asked).toBe(3);
    expect(errors.map((e) => e.message)).toEqual(['Connection is closed.']);
    await check.close();
    clock.advance(5000);
    await turns();
    expect(asked).toBe(3);
    expect(clock.pending).toBe(0);
  });
});

describe('a job Redis lost', () => {
  /** One job of one call, as the builder hands it over to be added. */
  function oneJob(attempts: number): Promise<PendingJob> {
    return new Promise((resolve) => {
      const builder = new JobBuilder({
        idPrefix: 'pc-t-',
        autoChunkSize: () => 1,
        onFlush: (jobs) => resolve(jobs[0]!),
        onEmpty: () => {},
        onSettled: () => {},
      });
      void builder.submit('inc', {
        item: 1,
        index: 0,
        attempt: 1,
        retry: { attempts, delay: 100, backoffFactor: 2 },
      });
    });
  }

  it('takes the next generation of its id and keeps the attempts it had left', async () => {
    const job = await oneJob(4);
    job.added();
    expect(job.id).toBe('pc-t-1');
    expect(job.inQueue).toBe(true);
    job.activated();
    job.activated(); // the second attempt was running when Redis lost the job
    job.lost();
    expect(job.id).toBe('pc-t-1-r1');
    expect(job.inQueue).toBe(false);
    expect(job.losses).toBe(1);
    expect(job.jobOptions()).toEqual({
      jobId: 'pc-t-1-r1',
      attempts: 3,
      backoff: { type: 'exponential', delay: 100 },
    });
    expect(job.data().priorAttempts).toBe(1);
    job.added();
    job.lost(); // lost again before it started
    expect(job.id).toBe('pc-t-1-r2');
    expect(job.jobOptions().attempts).toBe(3);
  });

  it('always keeps one attempt, even when all of them had started', async () => {
    const job = await oneJob(2);
    job.added();
    for (let i = 0; i < 3; i++) job.activated();
    job.lost();
    expect(job.jobOptions()).toEqual({ jobId: 'pc-t-1-r1', attempts: 1 });
    expect(job.data().priorAttempts).toBe(2);
  });
});
