/**
 * Durations past what one Node timer holds (2^31 - 1 ms): every option that
 * waits honours them in full, on the manual clock to the millisecond and on
 * the real clock without firing early (Node would clamp such a timer to 1 ms)
 * and without a TimeoutOverflowWarning. `Infinity` arms no timer at all.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  ALCallParams,
  alcall,
  BCallParams,
  bcall,
  CancelScope,
  type Clock,
  failAfter,
  isPoolcallError,
  ManualClock,
  moveOnAfter,
  rateLimit,
  realClock,
  retry,
  Throttle,
  throttle,
  withTimeout,
} from 'poolcall';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, setTimer } from '../../src/main/common/clock.js';

/** Something started with a long wait: whether the wait has ended, and how to end the test. */
interface Watch {
  readonly happened: () => boolean;
  readonly stop: () => Promise<void>;
}

type Scenario = (clock: Clock, ms: number) => Watch;

/** A main-thread function that waits until its signal aborts. */
const waitForAbort = (_item: unknown, ctx: { signal: AbortSignal }) =>
  new Promise<never>((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
  );

const ignore = () => {};

/** Starts `run(signal)`; `stop` aborts the signal and waits for the run to settle. */
function stoppable(run: (signal: AbortSignal) => Promise<unknown>, happened: () => boolean): Watch {
  const controller = new AbortController();
  const done = run(controller.signal).then(ignore, ignore);
  return {
    happened,
    stop: async () => {
      controller.abort(new Error('test over'));
      await done;
    },
  };
}

/** A CancelScope-like run: `fn(signal)` resolves when its signal aborts or the test releases it. */
function released(run: (fn: (signal: AbortSignal) => Promise<void>) => Promise<unknown>): Watch {
  let fired = false;
  let release = ignore;
  const done = run(
    (signal) =>
      new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener(
          'abort',
          () => {
            fired = true;
            resolve();
          },
          { once: true },
        );
      }),
  ).then(ignore, ignore);
  return {
    happened: () => fired,
    stop: async () => {
      release();
      await done;
    },
  };
}

/** Every option that waits, set to `ms`. */
const scenarios: Record<string, Scenario> = {
  'alcall retryTimeout': (clock, ms) => {
    let timedOut = false;
    return stoppable(
      (signal) =>
        alcall([1], waitForAbort, { retryTimeout: ms, clock, signal, returnExceptions: true }).then(
          (r) => {
            timedOut = isPoolcallError(r[0], 'ERR_TASK_TIMEOUT');
          },
        ),
      () => timedOut,
    );
  },
  'alcall retryDelay': (clock, ms) => {
    let attempts = 0;
    return stoppable(
      (signal) =>
        alcall(
          [1],
          (item, ctx) => {
            attempts = ctx.attempt;
            if (ctx.attempt === 1) throw new Error('first attempt fails');
            return waitForAbort(item, ctx);
          },
          { numRetries: 1, retryDelay: ms, clock, signal },
        ),
      () => attempts >= 2,
    );
  },
  'alcall initialDelay': (clock, ms) => {
    let called = false;
    return stoppable(
      (signal) =>
        alcall(
          [1],
          (item, ctx) => {
            called = true;
            return waitForAbort(item, ctx);
          },
          { initialDelay: ms, clock, signal },
        ),
      () => called,
    );
  },
  'alcall throttlePeriod': (clock, ms) => {
    let starts = 0;
    return stoppable(
      (signal) =>
        alcall(
          [1, 2],
          (item, ctx) => {
            starts++;
            return waitForAbort(item, ctx);
          },
          { throttlePeriod: ms, clock, signal },
        ),
      () => starts >= 2,
    );
  },
  'ALCallParams retryTimeout': (clock, ms) => {
    let timedOut = false;
    const params = new ALCallParams({ returnExceptions: true, clock }).with({ retryTimeout: ms });
    return stoppable(
      (signal) =>
        params.call([1], waitForAbort, { signal }).then((r) => {
          timedOut = isPoolcallError(r[0], 'ERR_TASK_TIMEOUT');
        }),
      () => timedOut,
    );
  },
  'bcall initialDelay': (clock, ms) => {
    let called = false;
    return stoppable(
      async (signal) => {
        const fn = (item: number, ctx: { signal: AbortSignal }) => {
          called = true;
          return waitForAbort(item, ctx);
        };
        for await (const _ of bcall([1], fn, { batchSize: 1, initialDelay: ms, clock, signal })) {
          // never reached: the item waits for the abort
        }
      },
      () => called,
    );
  },
  'BCallParams throttlePeriod': (clock, ms) => {
    let starts = 0;
    const params = new BCallParams({ batchSize: 2, clock, throttlePeriod: ms });
    return stoppable(
      async (signal) => {
        const fn = (item: number, ctx: { signal: AbortSignal }) => {
          starts++;
          return waitForAbort(item, ctx);
        };
        for await (const _ of params.call([1, 2], fn, { signal })) {
          // never reached
        }
      },
      () => starts >= 2,
    );
  },
  'CancelScope timeout': (clock, ms) =>
    released((fn) => new CancelScope({ timeout: ms, clock }).run(fn)),
  'CancelScope deadline': (clock, ms) =>
    released((fn) => new CancelScope({ deadline: clock.now() + ms, clock }).run(fn)),
  'CancelScope reschedule': (clock, ms) =>
    released((fn) => {
      const scope = new CancelScope({ timeout: 1, clock });
      scope.reschedule(clock.now() + ms);
      return scope.run(fn);
    }),
  failAfter: (clock, ms) => released((fn) => failAfter(ms, fn, { clock })),
  moveOnAfter: (clock, ms) => released((fn) => moveOnAfter(ms, fn, { clock })),
  withTimeout: (clock, ms) => released((fn) => withTimeout(ms, fn, { clock })),
  'retry delay': (clock, ms) => {
    let attempts = 0;
    return stoppable(
      (signal) =>
        retry(
          ({ attempt }) => {
            attempts = attempt;
            if (attempt === 1) throw new Error('first attempt fails');
            return new Promise<never>(() => {});
          },
          { retries: 1, delay: ms, clock, signal },
        ),
      () => attempts >= 2,
    );
  },
  'retry maxDelay': (clock, ms) => {
    let attempts = 0;
    return stoppable(
      (signal) =>
        retry(
          ({ attempt }) => {
            attempts = attempt;
            if (attempt === 1) throw new Error('first attempt fails');
            return new Promise<never>(() => {});
          },
          { retries: 1, delay: Number.MAX_VALUE, maxDelay: ms, clock, signal },
        ),
      () => attempts >= 2,
    );
  },
  'throttle period': (clock, ms) => {
    let starts = 0;
    const call = throttle(ms, { clock })(() => starts++);
    return gatedWatch(() => starts >= 2, [call, call]);
  },
  'Throttle period': (clock, ms) => {
    let starts = 0;
    const t = new Throttle(ms, { clock });
    const call = t.wrap(() => starts++);
    return gatedWatch(() => starts >= 2, [call, call]);
  },
  'rateLimit period': (clock, ms) => {
    let starts = 0;
    const call = rateLimit({ rateLimit: 1000 / ms, maxBurst: 1, clock })(() => starts++);
    return gatedWatch(() => starts >= 2, [call, call]);
  },
};

/** Calls each gated function inside a scope that `stop` cancels. */
function gatedWatch(happened: () => boolean, calls: (() => Promise<unknown>)[]): Watch {
  const scope = new CancelScope();
  const done = scope.run(() => Promise.all(calls.map((c) => c()))).then(ignore, ignore);
  return {
    happened,
    stop: async () => {
      scope.cancel();
      await done;
    },
  };
}

const D = 2 ** 31 + 5;

describe('durations past 2^31 - 1 ms on the manual clock', () => {
  for (const [name, start] of Object.entries(scenarios)) {
    it(`${name}: ${D} ms is waited in full, not a millisecond less`, async () => {
      const clock = new ManualClock();
      const watch = start(clock, D);
      await clock.advance(D - 1);
      expect(watch.happened()).toBe(false);
      await clock.advance(1);
      expect(watch.happened()).toBe(true);
      await watch.stop();
    });

    it(`${name}: Number.MAX_VALUE neither throws nor fires`, async () => {
      const clock = new ManualClock();
      const watch = start(clock, Number.MAX_VALUE);
      await clock.advance(2 ** 60);
      expect(watch.happened()).toBe(false);
      await watch.stop();
    });
  }
});

/** TimeoutOverflowWarnings emitted while a test runs. */
let overflows: Error[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'TimeoutOverflowWarning') overflows.push(warning);
};

/**
 * A window of real time that any timer armed before it, clamped to 1 ms,
 * would have fired in: three successive 10 ms timers, each armed after the
 * previous one fired (timers fire in order of expiry).
 */
async function window(): Promise<void> {
  for (let i = 0; i < 3; i++) await delay(10);
}

describe('durations past 2^31 - 1 ms on the real clock', () => {
  beforeEach(() => {
    overflows = [];
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  for (const [name, start] of Object.entries(scenarios)) {
    for (const ms of [2 ** 31, D, Number.MAX_VALUE]) {
      it(`${name}: ${ms} ms does not end early and does not warn`, async () => {
        const watch = start(realClock, ms);
        await window();
        expect(watch.happened()).toBe(false);
        await watch.stop();
        await delay(1); // lets a warning emitted on the way reach the listener
        expect(overflows).toEqual([]);
      });
    }
  }

  it('setTimer chains a timer past 2^31 - 1 ms and fires short ones as setTimeout does', async () => {
    let long = false;
    const cancelLong = setTimer(() => {
      long = true;
    }, MAX_TIMER_MS + 1);
    const short = new Promise<void>((resolve) => setTimer(resolve, 1));
    await short;
    await window();
    expect(long).toBe(false);
    cancelLong();
    await delay(1);
    expect(overflows).toEqual([]);
  });

  it('a sleep of Infinity arms no timer at all and still ends by its signal', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const sleeping = realClock.sleep(Number.POSITIVE_INFINITY, controller.signal);
    const cancelTimer = setTimer(() => {}, Number.POSITIVE_INFINITY);
    expect(timers()).toBe(before);
    cancelTimer();
    controller.abort(new Error('woken'));
    await expect(sleeping).rejects.toThrow('woken');
    expect(overflows).toEqual([]);
  });

  it('a CancelScope with an infinite timeout arms no timer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const scope = new CancelScope({ timeout: Number.POSITIVE_INFINITY });
    let during = -1;
    await scope.run(async () => {
      during = timers();
    });
    expect(during).toBe(before);
    expect(scope.cancelledCaught).toBe(false);
  });
});

describe('the manual clock and Infinity', () => {
  it('never wakes a sleep of Infinity, however far time moves', async () => {
    const clock = new ManualClock();
    let woke = false;
    void clock.sleep(Number.POSITIVE_INFINITY).then(() => {
      woke = true;
    });
    await clock.advance(Number.POSITIVE_INFINITY);
    expect(woke).toBe(false);
    expect(clock.pending).toBe(1);
  });
});
