/**
 * One attempt of one item without a timeout, on one slot: the cheapest path
 * from `pool.run` to piscina and back. It is granted its slot synchronously
 * by the dispatcher (see `Ticket`), so a finishing call hands its slot to the
 * next waiting one and that one is posted to a worker in the same turn. The
 * call's signal goes to piscina as is (piscina terminates the worker when it
 * aborts a running task): no AbortController per call.
 *
 * When calls of the same task wait behind the one granted a slot and the
 * task is known to be short, the granted call takes the next of them along
 * (in queue order) and they travel as one chunk: a backlog of tiny calls
 * then costs one message per chunk instead of one per call.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { collectTransfers } from '../../shared/transfer.js';
import type { SingleValue, TaskRequest, TaskResponse } from '../../worker/protocol.js';
import {
  type BulkOwner,
  ChunkEntry,
  type Deferred,
  type EntryOwner,
  type OutcomeOwner,
} from '../chunk/chunk-entry.js';
import type { AutoSize } from '../chunk/chunk-size.js';
import { TaskAbortedError } from '../common/errors.js';
import {
  cloneError,
  cloneProblem,
  isDataCloneError,
  mayBeUnsent,
  piscinaFailure,
  settle,
} from '../common/outcome.js';
import type { AttemptRequest } from '../common/target.js';
import type { Dispatcher, Lease, Ticket } from '../dispatch/dispatch.js';
import { type AbortEmitter, abortEmitter } from './abort-emitter.js';
import type { CallStreams, StreamCaller } from './call-stream.js';

/** What a single call needs from its pool. */
export interface SingleHost {
  readonly piscina: Piscina;
  /** The task module's URL, for error messages. */
  readonly module: string;
  /** Running work that a forced close stops. */
  readonly running: Set<{ abort(reason?: unknown): void }>;
  /** Counts a worker terminated by a cancel. */
  onTerminated(): void;
  /** Called once per call, when it settles. */
  onSettled(): void;
  /** The pool's admission queue. */
  readonly dispatcher: Dispatcher;
  /** Streams that carry calls following one another on a slot. */
  readonly streams: CallStreams;
  /** The learnt run time of task `name`'s calls, which sets how many may travel together. */
  pace(name: string): AutoSize;
  /** How long ago `startedAt` was, in ms, on the dispatcher's clock. */
  since(startedAt: number): number;
  /** Runs waiting calls as one chunk on `lease` (see the module note). */
  runPacked(name: string, lease: Lease, entries: ChunkEntry[], pace: AutoSize): void;
  /** A comlink endpoint for `ctx.progress` reports. */
  progressPort(onProgress: (index: number, value: unknown) => void): {
    remote: MessagePort;
    done(delivered: boolean): void;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface RunOptions {
  readonly signal?: AbortEmitter;
  readonly transferList?: (ArrayBuffer | MessagePort)[];
}

/** Options of a call with neither a signal nor transfers (piscina copies them, never changes them). */
const NO_OPTIONS: RunOptions = Object.freeze({});

/** The transfer list of a call that moves nothing. */
const NO_TRANSFERS: readonly (ArrayBuffer | MessagePort)[] = Object.freeze([]);

/** Most calls that travel together as one packed chunk. */
const PACK_MAX = 64;
/**
 * Fewest calls worth packing: a message's ~4 ms of work must hold at least
 * three calls (tasks up to ~1.3 ms). Pairs and threes of ~2 ms calls ran
 * 160 calls at 0.93–0.96× piscina against 1.02× for the same calls
 * travelling alone (two threads, alternating runs): one message saved per
 * 4–6 ms of work is worth less than what a packed chunk costs.
 */
const PACK_MIN = 3;

/** Who hears how a single call ended: its promise ({@link Deferred}), or a bulk call's sink ({@link BulkOwner}). */
export type SingleOwner = OutcomeOwner<AttemptRequest>;

/** One attempt on its way to a worker and back. */
export class SingleCall implements Ticket, StreamCaller {
  readonly #host: SingleHost;
  readonly #name: string;
  readonly #request: AttemptRequest;
  readonly #signal: AbortSignal | undefined;
  readonly #owner: SingleOwner;
  #lease: Lease | undefined;
  #progress: ReturnType<SingleHost['progressPort']> | undefined;
  /** What the message was to move: moved buffers tell a posted message from one that failed to clone. */
  #transfers: readonly (ArrayBuffer | MessagePort)[] = NO_TRANSFERS;
  #settled = false;

  constructor(
    host: SingleHost,
    name: string,
    request: AttemptRequest,
    signal: AbortSignal | undefined,
    owner: SingleOwner,
  ) {
    this.#host = host;
    this.#name = name;
    this.#request = request;
    this.#signal = signal;
    this.#owner = owner;
  }

  /** Not granted: a waiting signal aborted, the queue is full or the pool closed. */
  fail(error: unknown): void {
    const signal = this.#signal;
    this.#finish(signal?.aborted ? new TaskAbortedError(signal.reason) : error, false);
  }

  /** Granted a slot: posts the item to a worker, with waiting calls of its task when it can. */
  grant(lease: Lease): void {
    const host = this.#host;
    if (host.dispatcher.queued > 0 && this.#packable()) {
      const pace = host.pace(this.#name);
      const room = Math.min(PACK_MAX, pace.fits) - 1;
      if (room >= PACK_MIN - 1) {
        const name = this.#name;
        const mates = host.dispatcher.takeWhile(
          room,
          (t) => t instanceof SingleCall && t.#name === name && t.#packable(),
        ) as SingleCall[];
        if (mates.length > 0) {
          const entries = [this.#entry()];
          for (const m of mates) entries.push(m.#entry());
          host.runPacked(name, lease, entries, pace);
          return;
        }
      }
    }
    this.#lease = lease;
    const request = this.#request;
    const signal = this.#signal;
    let options: RunOptions = NO_OPTIONS;
    if (signal) options = { signal: abortEmitter(signal) };
    try {
      host.running.add(this);
      request.onStart?.();
      const item = request.item;
      const message: Mutable<TaskRequest> = {
        name: this.#name,
        items: [item],
        indices: request.index,
        attempts: request.attempt,
      };
      if (request.kwargs !== undefined) message.kwargs = request.kwargs;
      let transferList: (ArrayBuffer | MessagePort)[] | undefined;
      if (request.onProgress) {
        const progress = host.progressPort(request.onProgress);
        this.#progress = progress;
        message.progress = progress.remote;
        transferList = [progress.remote];
      }
      if (typeof item === 'object' && item !== null) {
        transferList ??= [];
        try {
          collectTransfers(item, transferList);
        } catch (error) {
          // A getter or Proxy trap of the item threw, or a buffer was moved before.
          this.#unsent(error);
          return;
        }
      }
      if (transferList && transferList.length > 0) {
        options = { ...options, transferList };
        this.#transfers = transferList;
      }
      const stream = this.#progress ? undefined : host.streams.take();
      if (stream) {
        stream.send(this, message, transferList, options.signal);
        return;
      }
      host.streams.endIdle();
      host.piscina.run(message, options as never).then(
        (response: TaskResponse | SingleValue) => this.answered(response),
        (error: unknown) => this.failed(error),
      );
    } catch (error) {
      this.failed(error);
    }
  }

  /** May share a message: nothing of its own travels beside the item. */
  #packable(): boolean {
    const r = this.#request;
    return r.kwargs === undefined && r.onProgress === undefined && r.timeout === undefined;
  }

  #entry(): ChunkEntry {
    const r = this.#request;
    const owner: EntryOwner = {
      succeed: (_, value) => this.#finish(undefined, true, value),
      fail: (_, error) => this.#finish(error, false),
    };
    return ChunkEntry.of(r.item, r.index, r.attempt, undefined, this.#signal, r.onStart, owner);
  }

  /** A forced close: settles the call now; the pool's threads are terminated next. */
  abort(reason?: unknown): void {
    this.#finish(reason, false);
  }

  /** The worker's answer. */
  answered(response: TaskResponse | SingleValue): void {
    if (this.#settled) return;
    if (isSingleValue(response)) {
      this.#finish(undefined, true, response[0]);
      return;
    }
    const failed = response.failures[0];
    if (!failed) {
      this.#finish(undefined, true, response.values[0]);
      return;
    }
    let error: unknown;
    try {
      settle({ ok: false, error: failed[1] }, this.#name, this.#host.module, this.#request.index);
    } catch (e) {
      error = e;
    }
    this.#finish(error, false);
  }

  /** The task ended without an answer: aborted, or its thread ended or could not take it. */
  failed(error: unknown): void {
    if (this.#settled) return;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#host.onTerminated();
      this.#finish(new TaskAbortedError(signal.reason), false);
      return;
    }
    // A message that failed to clone never reached a worker: the call fails alone.
    const blame = mayBeUnsent(error, this.#transfers) ? this.#blame(error) : undefined;
    if (blame) this.#unsent(error, blame);
    else this.#finish(piscinaFailure(error, this.#name), false);
  }

  /** What of a message that may never have been posted failed to clone, if anything did. */
  #blame(error: unknown): 'item' | 'kwargs' | undefined {
    const { item, kwargs } = this.#request;
    if (cloneProblem(item)) return 'item';
    if (kwargs !== undefined && cloneProblem(kwargs)) return 'kwargs';
    return isDataCloneError(error) ? 'item' : undefined;
  }

  /** The item (or the kwargs) could not be cloned to a worker: its message was never posted. */
  #unsent(cause: unknown, what: 'item' | 'kwargs' = 'item'): void {
    this.#progress?.done(false);
    this.#finish(cloneError(this.#name, this.#request.index, what, cause), false);
  }

  #finish(error: unknown, ok: boolean, value?: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const host = this.#host;
    host.running.delete(this);
    this.#progress?.done(true);
    // Before the slot is released: the call granted it next may take a stream.
    host.streams.ended();
    const lease = this.#lease;
    if (lease) {
      // Learnt only while calls wait: that is when calls may travel together.
      if (ok && host.dispatcher.queued > 0) {
        host.pace(this.#name).observe(host.since(lease.startedAt), 1);
      }
      lease.release(ok ? 'ok' : 'failed');
    }
    if (ok) this.#owner.succeed(this.#request, value);
    else this.#owner.fail(this.#request, error);
    host.onSettled();
  }
}

function isSingleValue(response: TaskResponse | SingleValue): response is SingleValue {
  return Array.isArray(response);
}
