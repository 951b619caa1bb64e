/**
 * The admission of one call's attempts (alcall, bcall, imap): a FIFO counting
 * semaphore (the call's concurrency) and a start throttle (`throttlePeriod`).
 */
import type { Clock } from '../common/clock.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

function ignore(): void {}

/** Options of a {@link CallGate}. */
export interface CallGateOptions {
  /** Slots: a number (Infinity = unbounded) or a function read at each admission. */
  readonly limit: number | (() => number);
  /** Minimum spacing of successive starts, ms; 0 = none. */
  readonly period: number;
  readonly clock: Clock;
}

/**
 * Slots and start spacing for one call. Every attempt holds a slot while it
 * runs (an item waiting out a retry backoff holds none); `pace()` spaces the
 * starts.
 */
export class CallGate {
  readonly #limit: number | (() => number);
  readonly #period: number;
  readonly #clock: Clock;
  #active = 0;
  #waiters: Waiter[] = [];
  #head = 0;
  #nextStart = Number.NEGATIVE_INFINITY;

  constructor(options: CallGateOptions) {
    this.#limit = options.limit;
    this.#period = options.period;
    this.#clock = options.clock;
  }

  /** The current number of slots. */
  get limit(): number {
    return typeof this.#limit === 'number' ? this.#limit : this.#limit();
  }

  /** Slots held now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /** Takes a slot when one is free and nobody waits. */
  tryAcquire(): boolean {
    if (this.#head < this.#waiters.length || this.#active >= this.limit) return false;
    this.#active++;
    return true;
  }

  /** Takes up to `max` free slots at once when nobody waits; returns how many it took. */
  tryAcquireMany(max: number): number {
    if (this.#head < this.#waiters.length) return 0;
    const n = Math.min(max, this.limit - this.#active);
    if (!(n > 0)) return 0;
    this.#active += n;
    return n;
  }

  /** Gives `n` slots back (see {@link release}). */
  releaseMany(n: number): void {
    if (n <= 0) return;
    this.#active -= n;
    this.admit();
  }

  /** Waits for a slot, in FIFO order; rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter, this.#head);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Calls `granted` holding a slot: at once when one is free and nobody
   * waits, else synchronously inside the release that frees one, in FIFO
   * order with the other waiters. It has no signal: a caller that stops
   * waiting gives back the slot it is later handed.
   */
  whenFree(granted: () => void): void {
    if (this.tryAcquire()) {
      granted();
      return;
    }
    this.#waiters.push({ resolve: granted, reject: ignore, signal: undefined, onAbort: ignore });
  }

  /** Gives a slot back, handing it to the longest waiter. */
  release(): void {
    this.#active--;
    this.admit();
  }

  /** Hands free slots to the longest waiters (call it after the limit grew). */
  admit(): void {
    while (this.#head < this.#waiters.length && this.#active < this.limit) {
      const waiter = this.#waiters[this.#head]!;
      this.#head++;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#active++;
      waiter.resolve();
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Rejects every waiter with `reason`; slots held stay held. */
  clear(reason: unknown): void {
    const waiters = this.#waiters.slice(this.#head);
    this.#waiters = [];
    this.#head = 0;
    for (const waiter of waiters) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  /**
   * Reserves the next start time. Returns `undefined` when the start may
   * happen now, else a sleep until the reserved time.
   */
  pace(signal?: AbortSignal): Promise<void> | undefined {
    if (this.#period <= 0) return undefined;
    const now = this.#clock.now();
    const at = Math.max(now, this.#nextStart);
    this.#nextStart = at + this.#period;
    return at > now ? this.#clock.sleep(at - now, signal) : undefined;
  }
}
