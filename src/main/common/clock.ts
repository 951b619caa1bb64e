/**
 * Time, injected. Everything in poolcall that waits or measures goes through a
 * {@link Clock}, so tests can move time instead of waiting for it.
 */
import { noop } from './abort.js';

/** A source of time: `now()` in milliseconds and a cancellable `sleep`. */
export interface Clock {
  /** Milliseconds on a monotonic clock (the real clock uses `performance.now()`). */
  now(): number;
  /**
   * Resolves after `ms` (any finite duration, in full; `Infinity`: never);
   * rejects with the signal's reason when it aborts first. With
   * `options.unref`, a real timer does not keep the process alive.
   */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void>;
}

/** Options of {@link Clock.sleep}: those of {@link setTimer}. */
export type SleepOptions = TimerOptions;

/**
 * The longest delay one Node timer honours, 2^31 - 1 ms (about 24.8 days):
 * Node clamps a longer one to 1 ms and warns (`TimeoutOverflowWarning`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link setTimer}. */
export interface TimerOptions {
  /** The timer does not keep the process alive. @default false */
  readonly unref?: boolean;
}

/**
 * Calls `fn` once after `ms` milliseconds; returns the function that cancels
 * it. Any finite duration is honoured in full: a delay past
 * {@link MAX_TIMER_MS} runs as a chain of timers of at most that long each,
 * never clamped. `Infinity` means never: no timer is armed at all. A
 * negative or NaN delay counts as 0. Every timer of poolcall goes through here.
 */
export function setTimer(fn: () => void, ms: number, options: TimerOptions = {}): () => void {
  if (ms === Number.POSITIVE_INFINITY) return noop;
  let left = Number.isNaN(ms) ? 0 : Math.max(ms, 0);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const step = Math.min(left, MAX_TIMER_MS);
    left -= step;
    timer = setTimeout(left > 0 ? arm : fn, step);
    if (options.unref) timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

/** The real clock: `performance.now()` and {@link setTimer} (chained past 2^31 - 1 ms). */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal, options) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!(ms > 0) && !signal) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(signal?.reason);
      };
      const cancel = setTimer(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        ms,
        options,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` wakes sleepers in
 * deadline order and lets their continuations run before moving on.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const done = alcall([1, 2], fn, { throttlePeriod: 100, clock });
 * await clock.advance(100);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleeps are pending. */
  get pending(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: ms > 0 ? this.#now + ms : this.#now,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /** Runs pending microtasks and immediate callbacks without moving time. */
  async tick(): Promise<void> {
    await flush();
  }

  #nextDue(limit: number): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      // A sleep of Infinity never wakes, however far time moves.
      if (s.at > limit || s.at === Number.POSITIVE_INFINITY) continue;
      if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
