/**
 * The p-map, p-retry and p-limit examples (examples/coming-from-*.ts) run
 * and give what their READMEs promise; the retry ones on a ManualClock.
 */
import { ManualClock } from 'poolcall';
import { describe, expect, it } from 'vitest';
import * as pLimit from '../../examples/coming-from-p-limit.js';
import * as pMap from '../../examples/coming-from-p-map.js';
import * as pRetry from '../../examples/coming-from-p-retry.js';

/** Moves `clock` forward in steps until `promise` settles. */
async function drive<T>(clock: ManualClock, promise: Promise<T>, step = 50): Promise<T> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  while (!settled) await clock.advance(step);
  return promise;
}

describe('coming from p-map', () => {
  it('usage: promise elements awaited, order kept', async () => {
    expect(await pMap.usage()).toEqual([
      'https://sindresorhus.com/',
      'https://avajs.dev/',
      'https://github.com/',
    ]);
  });

  it('stopOnError: false becomes returnExceptions', async () => {
    expect(await pMap.collectFailures()).toEqual({
      urls: ['https://avajs.dev/', 'https://github.com/'],
      errors: [
        '2 of 4 failed',
        'getaddrinfo ENOTFOUND invalid.site',
        'getaddrinfo ENOTFOUND also.invalid',
      ],
    });
  });

  it('pMapSkip becomes null + dropna', async () => {
    expect(await pMap.skipping()).toEqual(['https://avajs.dev/', 'https://github.com/']);
  });

  it('signal rejects with its reason and aborts running mappers', async () => {
    expect(await pMap.aborting()).toEqual({ reason: 'User clicked cancel', sawAbort: true });
  });

  it('pMapIterable becomes imap', async () => {
    expect(await pMap.iterable()).toEqual([
      'https://avajs.dev/',
      'https://sindresorhus.com/',
      'https://github.com/',
    ]);
  });
});

describe('coming from p-retry', () => {
  it('AbortError becomes StopRetrying', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, pRetry.usage(clock))).toEqual({
      attempts: 2,
      error: 'Not Found',
      stopped: true,
    });
  });

  it('onFailedAttempt hears each failure with the retries left', async () => {
    const clock = new ManualClock();
    const { result, log } = await drive(clock, pRetry.onFailedAttempt(clock));
    expect(result).toEqual({ url: 'https://sindresorhus.com/unicorn', unicorn: true });
    expect(log).toEqual([
      'Attempt 1 failed (Service Unavailable). There are 5 retries left.',
      'Attempt 2 failed (Service Unavailable). There are 4 retries left.',
    ]);
  });

  it('shouldRetry becomes retryIf', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, pRetry.shouldRetry(clock))).toEqual({ attempts: 2, permanent: true });
  });

  it('signal rejects with its reason', async () => {
    const clock = new ManualClock();
    expect(await drive(clock, pRetry.cancelling(clock))).toBe('User clicked cancel button');
  });

  it('maxRetryTime bounds retries: Infinity', async () => {
    const clock = new ManualClock();
    // Delays 100, 200, 400, then 800 would end past 1000 ms: no fifth attempt.
    expect(await drive(clock, pRetry.budget(clock))).toEqual({
      starts: [0, 100, 300, 700],
      error: 'still down',
    });
  });

  it('many items: alcall retries each on its own', async () => {
    const clock = new ManualClock();
    const { out, failures } = await drive(clock, pRetry.manyItems(clock));
    expect(out).toEqual(['a@2', 'b@1', 'c@3']);
    expect(failures.sort()).toEqual(['a failed on 1', 'c failed on 1', 'c failed on 2']);
  });
});

describe('coming from p-limit', () => {
  it('usage: one at a time', async () => {
    expect(await pLimit.usage()).toEqual({ result: ['foo!', 'bar!', 'baz!'], peak: 1 });
  });

  it('limitFunction becomes maxConcurrent(n)(fn)', async () => {
    expect(await pLimit.limitFunction()).toEqual({
      result: ['a!', 'b!', 'c!', 'd!', 'e!'],
      peak: 2,
    });
  });

  it('activeCount, pendingCount, concurrency and clearQueue', async () => {
    expect(await pLimit.control()).toEqual({
      seen: ['active 1, pending 3', 'active 2, pending 2', 'active 2, pending 0'],
      outcomes: [1, 2, 'cleared', 'cleared'],
    });
  });
});
