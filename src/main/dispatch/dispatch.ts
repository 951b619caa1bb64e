/**
 * Slot-aware admission: the one place that knows how many slots a pool has.
 * Work waits here, in FIFO order, until a slot is free; only then is it handed
 * to piscina, so nothing ever queues inside piscina and a per-attempt timeout
 * started on admission measures run time alone.
 */
import { type Clock, realClock } from '../common/clock.js';
import { PoolClosedError, QueueFullError } from '../common/errors.js';
import { Samples } from './stats.js';

/** A held slot. `release()` is idempotent. */
export interface Lease {
  /** When the slot was granted, on the dispatcher's clock. */
  readonly startedAt: number;
  /** How long the work waited for the slot, in ms. */
  readonly waited: number;
  /**
   * Gives the slot back and records the run time when an outcome is given.
   * Work that ran several tasks on the slot (a chunk) says how many ended
   * each way with `tally`; otherwise the lease counts as one task.
   */
  release(outcome?: 'ok' | 'failed', tally?: Tally): void;
}

/** How many tasks run on one lease succeeded and failed. */
export interface Tally {
  ok: number;
  failed: number;
}

/**
 * Work waiting for a slot. `grant` is called synchronously, inside the
 * `release()` that frees the slot, so the next piece of work can be on its way
 * to a worker before the previous caller's continuation runs.
 */
export interface Ticket {
  /** The slot is yours: start now. */
  grant(lease: Lease): void;
  /** No slot will come: closed, queue full, or the signal aborted (its reason). */
  fail(error: unknown): void;
}

interface Waiter {
  readonly enqueuedAt: number;
  readonly ticket: Ticket;
  readonly signal: AbortSignal | undefined;
  settled: boolean;
}

/** One abort listener per signal, however many waiters share it. */
interface Watch {
  count: number;
  readonly onAbort: () => void;
}

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  /** How many leases can be held at once. */
  slots: number;
  /** How many may wait beyond the slots; more reject with QueueFullError. @default Infinity */
  maxQueue?: number;
  /** @default realClock */
  clock?: Clock;
}

/** FIFO admission of work to a fixed number of slots, with wait and run statistics. */
export class Dispatcher {
  readonly #clock: Clock;
  readonly #maxQueue: number;
  #slots: number;
  #busy = 0;
  #queue: Waiter[] = [];
  #head = 0;
  readonly #watched = new Map<AbortSignal, Watch>();
  #closed: Error | undefined;
  #completed = 0;
  #failed = 0;
  #leases = 0;
  #busyTime = 0;
  readonly #createdAt: number;
  /** Run times of released leases, ms. */
  readonly runTime = new Samples();
  /** Queue wait times of granted leases, ms. */
  readonly waitTime = new Samples();

  constructor(options: DispatcherOptions) {
    this.#slots = options.slots;
    this.#maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
    this.#clock = options.clock ?? realClock;
    this.#createdAt = this.#clock.now();
  }

  /** Total slots. */
  get slots(): number {
    return this.#slots;
  }
  /** Leases held now. */
  get busy(): number {
    return this.#busy;
  }
  /** Slots free now. */
  get free(): number {
    return Math.max(0, this.#slots - this.#busy);
  }
  /** Work waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }
  /** Tasks that succeeded (a chunk's lease counts each of its tasks). */
  get completed(): number {
    return this.#completed;
  }
  /** Tasks that failed once granted a slot. */
  get failed(): number {
    return this.#failed;
  }
  /** Leases released with an outcome: worker messages, a chunk counting once. */
  get leases(): number {
    return this.#leases;
  }
  /** Share of slot time spent busy since creation, 0..1. */
  get utilization(): number {
    const elapsed = (this.#clock.now() - this.#createdAt) * this.#slots;
    return elapsed > 0 ? Math.min(1, this.#busyTime / elapsed) : 0;
  }

  /**
   * Waits for a slot, in FIFO order. Rejects with the signal's reason when it
   * aborts first, with QueueFullError when `maxQueue` are already waiting,
   * and with PoolClosedError once closed.
   */
  acquire(signal?: AbortSignal): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      this.wait({ grant: resolve, fail: reject }, signal);
    });
  }

  /**
   * Like {@link acquire}, without a promise: grants `ticket` at once when a
   * slot is free and nobody waits, else queues it (FIFO); fails it with the
   * signal's reason, QueueFullError or the close error.
   */
  wait(ticket: Ticket, signal?: AbortSignal): void {
    if (this.#closed) {
      ticket.fail(this.#closed);
      return;
    }
    if (signal?.aborted) {
      ticket.fail(signal.reason);
      return;
    }
    if (this.#busy < this.#slots && this.#head === this.#queue.length) {
      const now = this.#clock.now();
      ticket.grant(this.#grant(now, now));
      return;
    }
    if (this.queued >= this.#maxQueue) {
      ticket.fail(new QueueFullError(this.#maxQueue));
      return;
    }
    this.#queue.push({ enqueuedAt: this.#clock.now(), ticket, signal, settled: false });
    if (signal) this.#watch(signal);
  }

  /** Takes a slot now if one is free and nobody waits; otherwise `undefined`. */
  tryAcquire(): Lease | undefined {
    if (this.#closed || this.#busy >= this.#slots || this.queued > 0) return undefined;
    const now = this.#clock.now();
    return this.#grant(now, now);
  }

  /**
   * Takes waiters from the head of the queue, in order, while `accept` takes
   * them (at most `max`): they will run on a slot just granted, with the work
   * that slot went to, and their wait ends now.
   */
  takeWhile(max: number, accept: (ticket: Ticket) => boolean): Ticket[] {
    const taken: Ticket[] = [];
    const now = this.#clock.now();
    while (taken.length < max && this.#head < this.#queue.length) {
      const w = this.#queue[this.#head]!;
      if (!w.settled && !accept(w.ticket)) break;
      this.#head++;
      if (!this.#settle(w)) continue;
      this.waitTime.add(now - w.enqueuedAt);
      taken.push(w.ticket);
    }
    return taken;
  }

  /** Rejects everything waiting and every later acquire with `error`. */
  close(error: Error = new PoolClosedError()): void {
    this.#closed = error;
    const waiting = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const w of waiting) this.#settle(w)?.ticket.fail(error);
  }

  #grant(enqueuedAt: number, startedAt: number): Lease {
    this.#busy++;
    const waited = startedAt - enqueuedAt;
    this.waitTime.add(waited);
    let released = false;
    return {
      startedAt,
      waited,
      release: (outcome, tally) => {
        if (released) return;
        released = true;
        this.#busy--;
        const now = this.#clock.now();
        const ran = now - startedAt;
        this.#busyTime += ran;
        if (outcome !== undefined) {
          this.#leases++;
          this.runTime.add(ran);
          if (tally) {
            this.#completed += tally.ok;
            this.#failed += tally.failed;
          } else if (outcome === 'ok') this.#completed++;
          else this.#failed++;
        }
        this.#drain(now);
      },
    };
  }

  /** Grants freed slots to waiters in order; `now` is the time of the release that freed them. */
  #drain(now: number): void {
    while (this.#busy < this.#slots && this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head++]!;
      const w = this.#settle(waiter);
      if (w) w.ticket.grant(this.#grant(w.enqueuedAt, now));
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #settle(waiter: Waiter): Waiter | undefined {
    if (waiter.settled) return undefined;
    waiter.settled = true;
    if (waiter.signal) this.#unwatch(waiter.signal);
    return waiter;
  }

  // Many waiters often share one signal (a scope's, a request's): a listener
  // each would make adding and removing them linear in the queue length.
  #watch(signal: AbortSignal): void {
    const watch = this.#watched.get(signal);
    if (watch) {
      watch.count++;
      return;
    }
    const onAbort = () => this.#aborted(signal);
    this.#watched.set(signal, { count: 1, onAbort });
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #unwatch(signal: AbortSignal): void {
    const watch = this.#watched.get(signal);
    if (!watch || --watch.count > 0) return;
    this.#watched.delete(signal);
    signal.removeEventListener('abort', watch.onAbort);
  }

  /** Fails every waiter of `signal` with its reason; the others keep their order. */
  #aborted(signal: AbortSignal): void {
    this.#watched.delete(signal);
    const kept: Waiter[] = [];
    const failed: Waiter[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const w = this.#queue[i]!;
      if (!w.settled && w.signal === signal) {
        w.settled = true;
        failed.push(w);
      } else if (!w.settled) {
        kept.push(w);
      }
    }
    this.#queue = kept;
    this.#head = 0;
    for (const w of failed) w.ticket.fail(signal.reason);
  }
}
