import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/common/clock.js';
import { currentSignal } from '../../src/main/common/context.js';
import {
  isPoolcallError,
  TaskAbortedError,
  TaskTimeoutError,
} from '../../src/main/common/errors.js';
import { CancelScope, failAfter, moveOnAfter } from '../../src/main/concurrency/scope.js';
import { type TaskGroup, taskGroup } from '../../src/main/concurrency/task-group.js';
import { deferred } from '../helpers.js';

/** Never settles unless its signal aborts; then rejects with the reason. */
function untilCancelled(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

describe('CancelScope', () => {
  it('returns fn’s value when nothing cancels it', async () => {
    const scope = new CancelScope();
    expect(await scope.run(() => 7)).toBe(7);
    expect(scope.cancelCalled).toBe(false);
    expect(scope.cancelledCaught).toBe(false);
    expect(scope.deadline).toBe(Number.POSITIVE_INFINITY);
  });

  it('moves on at its deadline: resolves undefined, aborts the signal, sets cancelledCaught', async () => {
    const clock = new ManualClock(1000);
    const scope = new CancelScope({ timeout: 500, clock });
    expect(scope.deadline).toBe(1500);
    let seen: AbortSignal | undefined;
    const done = scope.run((signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    });
    await clock.advance(499);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    expect(await done).toBeUndefined();
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TaskTimeoutError);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  it('takes an absolute deadline, and the earlier of deadline and timeout', () => {
    const clock = new ManualClock(100);
    expect(new CancelScope({ deadline: 250, clock }).deadline).toBe(250);
    expect(new CancelScope({ deadline: 250, timeout: 50, clock }).deadline).toBe(150);
    expect(new CancelScope({ deadline: 120, timeout: 50, clock }).deadline).toBe(120);
  });

  it('reschedule() moves the deadline of a running scope, later or earlier', async () => {
    const clock = new ManualClock();
    const scope = new CancelScope({ timeout: 100, clock });
    const done = scope.run(untilCancelled);
    await clock.advance(50);
    scope.reschedule(300);
    await clock.advance(200);
    expect(scope.cancelCalled).toBe(false);
    scope.deadline = 260;
    await clock.advance(9);
    expect(scope.cancelCalled).toBe(false);
    await clock.advance(1);
    expect(await done).toBeUndefined();
    expect(scope.cancelledCaught).toBe(true);
  });

  it('reschedule() to a past time cancels at once', async () => {
    const clock = new ManualClock(10);
    const scope = new CancelScope({ clock });
    const done = scope.run(untilCancelled);
    scope.reschedule(5);
    expect(await done).toBeUndefined();
    expect(scope.cancelledCaught).toBe(true);
  });

  it('cancel() ends the scope with undefined and aborts with the given reason', async () => {
    const scope = new CancelScope();
    let signal: AbortSignal | undefined;
    const done = scope.run((s) => {
      signal = s;
      return untilCancelled(s);
    });
    scope.cancel('enough');
    expect(await done).toBeUndefined();
    expect(signal?.reason).toBe('enough');
    expect(scope.cancelledCaught).toBe(true);
  });

  it('does not call fn when cancelled before it runs', async () => {
    const scope = new CancelScope();
    scope.cancel();
    let called = false;
    expect(
      await scope.run(() => {
        called = true;
      }),
    ).toBeUndefined();
    expect(called).toBe(false);
    expect(scope.cancelledCaught).toBe(true);
  });

  it('propagates an error of fn that is not its own cancellation', async () => {
    const scope = new CancelScope();
    await expect(
      scope.run(() => {
        throw new RangeError('bad');
      }),
    ).rejects.toThrow(RangeError);
    expect(scope.cancelledCaught).toBe(false);
  });

  it('sets its signal as the current signal inside fn', async () => {
    const scope = new CancelScope();
    await scope.run(async (signal) => {
      await Promise.resolve();
      expect(currentSignal()).toBe(signal);
    });
    expect(currentSignal()).toBeUndefined();
  });

  it('runs once', async () => {
    const scope = new CancelScope();
    await scope.run(() => 1);
    await expect(scope.run(() => 2)).rejects.toThrow(/only once/);
  });

  it('a parent’s cancel cancels a child, which rejects with the parent’s reason', async () => {
    const parent = new CancelScope();
    const child = new CancelScope();
    let childOutcome: unknown;
    const done = parent.run(() =>
      child.run(untilCancelled).catch((e: unknown) => {
        childOutcome = e;
        throw e;
      }),
    );
    await Promise.resolve();
    parent.cancel('from parent');
    expect(await done).toBeUndefined();
    expect(parent.cancelledCaught).toBe(true);
    expect(childOutcome).toBe('from parent');
    expect(child.signal.aborted).toBe(true);
    expect(child.cancelCalled).toBe(false);
    expect(child.cancelledCaught).toBe(false);
  });

  it('a child’s deadline moves on inside its parent, which goes on', async () => {
    const clock = new ManualClock();
    const parent = new CancelScope({ clock });
    const done = parent.run(async () => {
      const inner = await moveOnAfter(10, untilCancelled, { clock });
      return inner === undefined ? 'child moved on' : 'no';
    });
    await clock.advance(10);
    expect(await done).toBe('child moved on');
    expect(parent.cancelCalled).toBe(false);
  });

  it('a shielded child is not cancelled by its parent', async () => {
    const parent = new CancelScope();
    const release = deferred<string>();
    let shielded: CancelScope | undefined;
    let inside: AbortSignal | undefined;
    const childDone = deferred<unknown>();
    const done = parent.run(() => {
      shielded = new CancelScope({ shield: true });
      const p = shielded.run((s) => {
        inside = currentSignal();
        expect(inside).toBe(s);
        return release.promise;
      });
      p.then(childDone.resolve, childDone.reject);
      return p;
    });
    await Promise.resolve();
    parent.cancel();
    expect(await done).toBeUndefined();
    expect(shielded?.signal.aborted).toBe(false);
    release.resolve('finished');
    expect(await childDone.promise).toBe('finished');
  });

  it('rejects bad options', () => {
    expect(() => new CancelScope({ timeout: -1 })).toThrow(RangeError);
    expect(() => new CancelScope({ deadline: Number.NaN })).toThrow(RangeError);
    expect(() => new CancelScope({ timeout: '1' as never })).toThrow(TypeError);
    expect(() => new CancelScope({ sheild: true } as never)).toThrow(/did you mean "shield"/);
    expect(() => new CancelScope().reschedule(Number.NaN)).toThrow(RangeError);
  });
});

describe('failAfter / moveOnAfter', () => {
  it('failAfter rejects with TaskTimeoutError past its limit and aborts fn’s signal', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const caught = failAfter(
      200,
      (s) => {
        signal = s;
        return new Promise<never>(() => {});
      },
      { clock },
    ).catch((e: unknown) => e);
    await clock.advance(200);
    const error = await caught;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(isPoolcallError(error, 'ERR_TASK_TIMEOUT')).toBe(true);
    expect(signal?.aborted).toBe(true);
  });

  it('failAfter resolves fn’s value in time and propagates fn’s errors', async () => {
    expect(await failAfter(1000, () => 'fast', { clock: new ManualClock() })).toBe('fast');
    await expect(
      failAfter(1000, () => Promise.reject(new SyntaxError('x')), { clock: new ManualClock() }),
    ).rejects.toThrow(SyntaxError);
  });

  it('moveOnAfter resolves undefined past its limit', async () => {
    const clock = new ManualClock();
    const done = moveOnAfter(50, untilCancelled, { clock });
    await clock.advance(50);
    expect(await done).toBeUndefined();
    expect(await moveOnAfter(50, () => 3, { clock })).toBe(3);
  });

  it('reject a negative limit', async () => {
    await expect(failAfter(-1, () => 1)).rejects.toThrow(RangeError);
    await expect(moveOnAfter(Number.NaN, () => 1)).rejects.toThrow(RangeError);
  });
});

describe('taskGroup', () => {
  it('waits for every child and returns the body’s value', async () => {
    const a = deferred<string>();
    const b = deferred<string>();
    const finished: string[] = [];
    let settled = false;
    const done = taskGroup(async (tg) => {
      tg.startSoon(async (x: string) => finished.push((await a.promise) + x), '!');
      tg.startSoon(async () => finished.push(await b.promise));
      return 'body';
    }).then((v) => {
      settled = true;
      return v;
    });
    b.resolve('b');
    await new ManualClock().tick();
    expect(settled).toBe(false);
    a.resolve('a');
    expect(await done).toBe('body');
    expect(finished).toEqual(['b', 'a!']);
  });

  it('startSoon returns the child’s promise and runs it in the group’s signal context', async () => {
    await taskGroup(async (tg) => {
      const child = tg.startSoon((n: number) => {
        expect(currentSignal()).toBe(tg.signal);
        return n * 2;
      }, 21);
      expect(await child).toBe(42);
    });
  });

  it('cancels the siblings at the first failure and rejects with an AggregateError of real failures', async () => {
    const boom = new Error('boom');
    const siblingSignals: AbortSignal[] = [];
    const error = await taskGroup(async (tg) => {
      tg.startSoon((s: AbortSignal) => untilCancelled(s), tg.signal);
      tg.startSoon(async () => {
        siblingSignals.push(currentSignal()!);
        await untilCancelled(currentSignal()!);
      });
      tg.startSoon(async () => {
        await Promise.resolve();
        throw boom;
      });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([boom]);
    expect(siblingSignals[0]?.aborted).toBe(true);
    expect(siblingSignals[0]?.reason).toBeInstanceOf(TaskAbortedError);
  });

  it('collects every real failure, cleanup errors raised while cancelling included', async () => {
    const first = new Error('first');
    const second = new Error('cleanup failed');
    const error = await taskGroup((tg) => {
      tg.startSoon(async () => {
        await untilCancelled(tg.signal).catch(() => {
          throw second;
        });
      });
      tg.startSoon(() => Promise.reject(first));
    }).catch((e: unknown) => e);
    expect((error as AggregateError).errors).toEqual([first, second]);
  });

  it('counts a failing body as a failure and cancels the children', async () => {
    let childSignal: AbortSignal | undefined;
    const error = await taskGroup((tg) => {
      tg.startSoon(() => {
        childSignal = currentSignal();
        return untilCancelled(childSignal!);
      });
      throw new TypeError('body');
    }).catch((e: unknown) => e);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['body']);
    expect(childSignal?.aborted).toBe(true);
  });

  it('tg.cancel() stops the children and the group ends normally', async () => {
    const result = await taskGroup((tg) => {
      tg.startSoon(() => untilCancelled(tg.signal));
      tg.cancel();
      return 'cancelled on purpose';
    });
    expect(result).toBe('cancelled on purpose');
  });

  it('is cancelled with its enclosing scope, and rejects with the scope’s reason', async () => {
    const clock = new ManualClock();
    let groupError: unknown;
    const done = moveOnAfter(
      100,
      () =>
        taskGroup((tg) => {
          tg.startSoon(() => untilCancelled(tg.signal));
        }).catch((e: unknown) => {
          groupError = e;
          throw e;
        }),
      { clock },
    );
    await clock.advance(100);
    expect(await done).toBeUndefined();
    await clock.tick();
    expect(groupError).toBeInstanceOf(TaskTimeoutError);
  });

  it('refuses new children once it has ended', async () => {
    let kept: TaskGroup | undefined;
    await taskGroup((tg) => {
      kept = tg;
    });
    expect(() => kept!.startSoon(() => 1)).toThrow(/ended/);
  });
});
