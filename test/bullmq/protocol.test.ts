/** What travels through Redis: retry policy as job options, backoff delays, errors, topics. */
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  cancelTopic,
  fromRemoteError,
  jobRetryOptions,
  jsonProblem,
  toRemoteError,
} from '../../src/main/bullmq/protocol.js';
import {
  ItemCloneError,
  isPoolcallError,
  PoolcallError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../src/main/common/errors.js';

describe('retry policy as BullMQ options', () => {
  it('uses the built-in strategies for factors 1 and 2 and the poolcall one otherwise', () => {
    expect(jobRetryOptions({ attempts: 1, delay: 100, backoffFactor: 2 })).toEqual({ attempts: 1 });
    expect(jobRetryOptions({ attempts: 3, delay: 0, backoffFactor: 2 })).toEqual({ attempts: 3 });
    expect(jobRetryOptions({ attempts: 3, delay: 50, backoffFactor: 1 })).toEqual({
      attempts: 3,
      backoff: { type: 'fixed', delay: 50 },
    });
    expect(jobRetryOptions({ attempts: 3, delay: 50, backoffFactor: 2 })).toEqual({
      attempts: 3,
      backoff: { type: 'exponential', delay: 50 },
    });
    expect(jobRetryOptions({ attempts: 4, delay: 50, backoffFactor: 3 })).toEqual({
      attempts: 4,
      backoff: { type: 'poolcall', delay: 50 },
    });
  });

  it('waits retryDelay * backoffFactor ** (k - 1) before retry k', () => {
    expect([1, 2, 3].map((k) => backoffDelay(k, 100, 3))).toEqual([100, 300, 900]);
    expect([1, 2, 3].map((k) => backoffDelay(k, 100, 0.5))).toEqual([100, 50, 25]);
  });
});

describe('errors through JSON', () => {
  const roundTrip = (e: unknown) => fromRemoteError(JSON.parse(JSON.stringify(toRemoteError(e))));

  it('keeps a task error as its class name, message, stack and code', () => {
    class ValidationError extends Error {
      code = 'E_VALIDATION';
      override name = 'ValidationError';
    }
    const original = new ValidationError('bad', { cause: new Error('why') });
    const back = roundTrip(original) as Error & { code?: unknown };
    expect(back.name).toBe('ValidationError');
    expect(back.message).toBe('bad');
    expect(back.code).toBe('E_VALIDATION');
    expect(back.stack).toBe(original.stack);
    expect((back.cause as Error).message).toBe('why');
    expect(isPoolcallError(back)).toBe(false);
  });

  it("rebuilds poolcall's own errors as their classes", () => {
    const timeout = roundTrip(new TaskTimeoutError(250));
    expect(timeout).toBeInstanceOf(TaskTimeoutError);
    expect((timeout as TaskTimeoutError).timeout).toBe(250);
    const crash = roundTrip(new WorkerCrashedError('gone', { cause: new Error('oom') }));
    expect(crash).toBeInstanceOf(WorkerCrashedError);
    expect((crash.cause as Error).message).toBe('oom');
    const unknown = roundTrip(new PoolcallError('ERR_UNKNOWN_TASK', 'no task "x"'));
    expect(isPoolcallError(unknown, 'ERR_UNKNOWN_TASK')).toBe(true);
  });

  it('turns a thrown non-error into an error', () => {
    expect(roundTrip('plain').message).toBe('plain');
  });
});

describe('cancellation topic', () => {
  it('percent-encodes characters a Relay topic segment cannot hold', () => {
    expect(cancelTopic('bull', 'jobs')).toBe('poolcall.bull.jobs.cancel');
    expect(cancelTopic('my.app', 'a b/é')).toBe('poolcall.my%2Eapp.a%20b%2F%C3%A9.cancel');
  });
});

describe('items as JSON', () => {
  it('says what JSON.stringify throws for an item, or nothing when it can be written', () => {
    expect(jsonProblem({ a: [1, 'x', null] })).toBeUndefined();
    const boom = new Error('getter');
    const hostile = {
      get g() {
        throw boom;
      },
    };
    expect(jsonProblem(hostile)).toEqual({ error: boom });
    expect(jsonProblem(1n)?.error).toBeInstanceOf(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonProblem(cycle)?.error).toBeInstanceOf(TypeError);
  });

  it('brings an ItemCloneError back with its class, index and cause', () => {
    const sent = new ItemCloneError('Task "t": item 4 could not be cloned', 4, {
      cause: new TypeError('BigInt'),
    });
    const back = fromRemoteError(JSON.parse(JSON.stringify(toRemoteError(sent))));
    expect(back).toBeInstanceOf(ItemCloneError);
    expect(isPoolcallError(back, 'ERR_DATA_CLONE')).toBe(true);
    expect((back as ItemCloneError).index).toBe(4);
    expect(back.message).toBe(sent.message);
    expect((back.cause as Error).message).toBe('BigInt');
  });
});
