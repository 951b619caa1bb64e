/**
 * Gates: what maxConcurrent, throttle and rateLimit have in common. A gate
 * admits callers in FIFO order; {@link gated} puts one in front of a function
 * or of a worker task handle. On a task handle the gate is waited before the
 * call enters the pool's queue, so nothing waiting at the gate holds a slot,
 * and the wrapper is itself a task handle (the scheduler still sees slots and
 * per-attempt timeouts through it).
 */
import { DISARMED, noop } from '../common/abort.js';
import type { Clock } from '../common/clock.js';
import { effectiveSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import { bindTarget, type TaskTarget, targetOf } from '../common/target.js';

/** Waits for a turn; resolves with the function that gives the turn back. */
export type Acquire = (signal: AbortSignal | undefined) => Promise<() => void>;

/** A function wrapped by a gate: same arguments, always async. */
export type Gated<A extends unknown[], R> = (...args: A) => Promise<Awaited<R>>;

/**
 * Wraps `fn` so every call first waits at the gate. A main-thread function
 * waits with the current scope's signal; a task handle's wrapper is a task
 * handle whose target waits with the attempt's signal, then runs the inner
 * target. `capacity` bounds what the scheduler may put in flight through it.
 */
export function gated<A extends unknown[], R>(
  fn: (...args: A) => R,
  acquire: Acquire,
  capacity: (inner: number) => number = (inner) => inner,
): Gated<A, R> {
  const inner = targetOf(fn);
  if (!inner) {
    return async (...args: A): Promise<Awaited<R>> => {
      const release = await acquire(effectiveSignal());
      try {
        return await fn(...args);
      } finally {
        release();
      }
    };
  }
  const target: TaskTarget = {
    name: inner.name,
    capacity: (chunkSize) => capacity(inner.capacity(chunkSize)),
    ...(inner.ownsRetries ? { ownsRetries: true } : {}),
    run: async (request) => {
      const signal = effectiveSignal(request.signal);
      let release: () => void;
      try {
        release = await acquire(signal);
      } catch (error) {
        throw signal?.aborted ? new TaskAbortedError(signal.reason) : error;
      }
      try {
        return await inner.run(request);
      } finally {
        release();
      }
    },
  };
  const handle = (item: unknown) => target.run({ item, index: 0, attempt: 1 });
  Object.defineProperty(handle, 'name', { value: inner.name });
  return bindTarget(handle, target) as unknown as Gated<A, R>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** Hooks of a {@link FifoGate}. */
export interface FifoRule {
  /** How long the first waiter must still wait, ms (0 or less: it may go now). */
  wait(): number;
  /** Called as a waiter is let through (take a token, note the start). */
  take(): void;
}

/**
 * A FIFO gate over a time rule: waiters go one by one, each when `rule.wait()`
 * says so, sleeping on the injected clock in between. Turns are not given
 * back, so `acquire` resolves with a no-op release.
 */
export class FifoGate {
  readonly #clock: Clock;
  readonly #rule: FifoRule;
  #waiters: Waiter[] = [];
  #pumping = false;
  #nap: AbortController | undefined;

  constructor(clock: Clock, rule: FifoRule) {
    this.#clock = clock;
    this.#rule = rule;
  }

  /** Callers waiting for their turn. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Waits for a turn; rejects with the signal's reason when it aborts first. */
  readonly acquire: Acquire = (signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#pumping && this.#rule.wait() <= 0) {
      this.#rule.take();
      return Promise.resolve(noop);
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => resolve(noop),
        reject,
        signal,
        onAbort: () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          if (this.#waiters.length === 0) this.#nap?.abort(DISARMED);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      if (!this.#pumping) void this.#pump();
    });
  };

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#waiters.length > 0) {
        const wait = this.#rule.wait();
        if (wait > 0) {
          this.#nap = new AbortController();
          await this.#clock.sleep(wait, this.#nap.signal).catch(noop);
          continue;
        }
        const waiter = this.#waiters.shift()!;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.#rule.take();
        waiter.resolve();
      }
    } finally {
      this.#nap = undefined;
      this.#pumping = false;
    }
  }
}
