/**
 * The attempts of one task waiting to travel in chunks: a queue with entries
 * to run again at its front, dropped as their signals abort.
 */

import { TaskAbortedError } from '../common/errors.js';
import type { AttemptRequest } from '../common/target.js';
import type { ChunkEntry } from './chunk-entry.js';
import type { ChunkRun } from './chunk-run.js';

/** What attempts must share to travel in one chunk, besides the task and chunk size. */
export type GroupKey = Pick<AttemptRequest, 'kwargs' | 'onProgress'>;

/**
 * Attempts of one task, chunk size, `kwargs` and progress listener: those
 * that may travel in one message.
 */
export class ChunkGroup {
  /** Entries to run again first (chunk-mates of a terminated chunk). */
  #front: ChunkEntry[] = [];
  /**
   * The queue, in segments: an array handed over by {@link pushAll} is kept
   * as it is, so queueing many entries copies none.
   */
  #segments: ChunkEntry[][] = [];
  /** Position of the next entry in the first segment. */
  #head = 0;
  /** Entries in the segments from `#head` on. */
  #count = 0;
  /** A flush is queued as a microtask. */
  scheduled = false;
  /** A flush waits a turn of the event loop for more entries. */
  deferred = false;
  /** Waiting for a slot from the dispatcher. */
  waiting = false;
  /** Chunks of the group running. */
  inFlight = 0;
  /** Running chunks that can take more entries while they run. */
  readonly growing = new Set<ChunkRun>();
  readonly #watched = new Map<AbortSignal, () => void>();
  /** What the group's bulk submitters have yet to hand over (see {@link feed}). */
  readonly #feeders = new Set<() => number>();
  /** A submitter that knew its length fed the group. */
  #bounded = false;
  readonly #fail: (e: ChunkEntry, error: unknown) => void;

  constructor(
    /** Where the group is filed: the task and chunk size. */
    readonly key: string,
    readonly name: string,
    readonly chunkSize: number | 'auto',
    readonly kwargs: unknown,
    readonly onProgress: AttemptRequest['onProgress'],
    /** Fails an entry dropped because its signal aborted. */
    fail: (e: ChunkEntry, error: unknown) => void,
  ) {
    this.#fail = fail;
  }

  /** Whether attempts with `key` travel in this group's chunks. */
  holds(key: GroupKey): boolean {
    return this.kwargs === key.kwargs && this.onProgress === key.onProgress;
  }

  /**
   * Registers a bulk submitter's count of items it has yet to hand over
   * (`BulkRequest.unread`), read by {@link unread}.
   */
  feed(unread: (() => number) | undefined): void {
    if (!unread || this.#feeders.has(unread)) return;
    // Submitters that are done are let go of here too, so a group kept busy
    // by call after call does not hold every finished call.
    this.#left();
    this.#feeders.add(unread);
  }

  /**
   * Items the group's submitters have yet to hand over: `Infinity` while
   * one of them does not know (a stream) or when none said.
   */
  get unread(): number {
    const n = this.#left();
    return n > 0 || this.#bounded ? n : Number.POSITIVE_INFINITY;
  }

  /** What the submitters have yet to hand over; those with nothing left are dropped. */
  #left(): number {
    let n = 0;
    for (const f of this.#feeders) {
      const left = f();
      if (left > 0) n += left;
      else {
        this.#feeders.delete(f);
        this.#bounded = true;
      }
    }
    return n;
  }

  /** Entries waiting to be sent. */
  get queued(): number {
    return this.#front.length + this.#count;
  }

  /** Queues an entry behind the others (its signal is {@link watch}ed by the caller). */
  push(e: ChunkEntry): void {
    const last = this.#segments[this.#segments.length - 1];
    if (last) last.push(e);
    else this.#segments.push([e]);
    this.#count++;
  }

  /** Queues entries behind the others; the queue keeps `entries` itself. */
  pushAll(entries: ChunkEntry[]): void {
    if (entries.length === 0) return;
    this.#segments.push(entries);
    this.#count += entries.length;
  }

  /** Puts entries back at the front of the queue, to be sent first. */
  unshift(entries: ChunkEntry[]): void {
    this.#front = entries.concat(this.#front);
    for (const e of entries) this.watch(e.signal);
  }

  /** Takes up to `n` live entries, requeued ones first; a solo entry travels alone. */
  take(n: number): ChunkEntry[] {
    const run = this.#front.length === 0 ? this.#takeRun(n) : undefined;
    if (run) return run;
    const out: ChunkEntry[] = [];
    // Entries of one call share a signal: it is asked once per run of them.
    let signal: AbortSignal | undefined;
    let aborted = false;
    while (out.length < n) {
      const e = this.#front.length > 0 ? this.#front.shift() : this.#next();
      if (!e) break;
      if (e.done) continue;
      if (e.signal !== signal) {
        signal = e.signal;
        aborted = signal?.aborted === true;
      }
      if (aborted) {
        this.#fail(e, new TaskAbortedError(signal?.reason));
        continue;
      }
      if (e.solo && out.length > 0) {
        this.#front.unshift(e);
        break;
      }
      out.push(e);
      if (e.solo) break;
    }
    this.#compact();
    return out;
  }

  /**
   * The next `n` queued entries as one slice, when none of them needs a look
   * of its own (settled, travelling alone, or of an aborted signal).
   */
  #takeRun(n: number): ChunkEntry[] | undefined {
    const queue = this.#segments[0];
    const start = this.#head;
    // Within the first segment only (a batch across segments is gathered one by one).
    if (!queue || (queue.length - start < n && this.#segments.length > 1)) return undefined;
    const end = Math.min(queue.length, start + n);
    let signal: AbortSignal | undefined;
    for (let i = start; i < end; i++) {
      const e = queue[i]!;
      if (e.done || e.solo) return undefined;
      if (e.signal !== signal) {
        signal = e.signal;
        if (signal?.aborted) return undefined;
      }
    }
    const out = start === 0 && end === queue.length ? queue : queue.slice(start, end);
    this.#count -= end - start;
    this.#head = end;
    if (end === queue.length) this.#dropFirst();
    this.#compact();
    return out;
  }

  /** The next queued entry, taken off the queue. */
  #next(): ChunkEntry | undefined {
    const first = this.#segments[0];
    if (!first) return undefined;
    const e = first[this.#head++];
    this.#count--;
    if (this.#head >= first.length) this.#dropFirst();
    return e;
  }

  #dropFirst(): void {
    this.#segments.shift();
    this.#head = 0;
  }

  /** Every queued entry, in order, taken off the queue. */
  #drain(): ChunkEntry[] {
    const [first, ...rest] = this.#segments;
    const all = first ? first.slice(this.#head).concat(...rest) : [];
    this.#segments = [];
    this.#head = 0;
    this.#count = 0;
    return all;
  }

  /** Forgets the signals watched once nothing is queued. */
  #compact(): void {
    if (this.#count === 0 && this.#front.length === 0) this.#unwatch();
  }

  /** Fails entries of `signal` still queued, once it aborts. */
  watch(signal: AbortSignal | undefined): void {
    if (!signal || this.#watched.has(signal)) return;
    const onAbort = () => {
      const error = new TaskAbortedError(signal.reason);
      const keep = (e: ChunkEntry) => {
        if (e.signal !== signal) return true;
        this.#fail(e, error);
        return false;
      };
      this.#front = this.#front.filter(keep);
      this.pushAll(this.#drain().filter(keep));
    };
    this.#watched.set(signal, onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #unwatch(): void {
    for (const [signal, onAbort] of this.#watched) signal.removeEventListener('abort', onAbort);
    this.#watched.clear();
  }
}
