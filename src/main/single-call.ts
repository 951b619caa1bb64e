/**
 * One attempt of one item without a timeout, on one slot: the cheapest path
 * from `pool.run` to piscina and back. It is granted its slot synchronously
 * by the dispatcher (see `Ticket`), so a finishing call hands its slot to the
 * next waiting one and that one is posted to a worker in the same turn. The
 * call's signal goes to piscina as is (piscina terminates the worker when it
 * aborts a running task): no AbortController per call.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { SingleValue, TaskRequest, TaskResponse } from '../worker/protocol.js';
import type { Lease, Ticket } from './dispatch.js';
import { isPoolcallError, TaskAbortedError } from './errors.js';
import { piscinaFailure, settle } from './outcome.js';
import type { AttemptRequest } from './target.js';
import { collectTransfers } from './transfer.js';

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
  /** A comlink endpoint for `ctx.progress` reports. */
  progressPort(onProgress: (index: number, value: unknown) => void): {
    remote: MessagePort;
    done(delivered: boolean): void;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface RunOptions {
  readonly signal?: AbortSignal;
  readonly transferList?: (ArrayBuffer | MessagePort)[];
}

/** Options of a call with neither a signal nor transfers (piscina copies them, never changes them). */
const NO_OPTIONS: RunOptions = Object.freeze({});

/** One attempt on its way to a worker and back. */
export class SingleCall implements Ticket {
  readonly #host: SingleHost;
  readonly #name: string;
  readonly #request: AttemptRequest;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  #lease: Lease | undefined;
  #progress: ReturnType<SingleHost['progressPort']> | undefined;
  #settled = false;

  constructor(
    host: SingleHost,
    name: string,
    request: AttemptRequest,
    signal: AbortSignal | undefined,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.#host = host;
    this.#name = name;
    this.#request = request;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Not granted: a waiting signal aborted, the queue is full or the pool closed. */
  fail(error: unknown): void {
    const signal = this.#signal;
    this.#finish(signal?.aborted ? new TaskAbortedError(signal.reason) : error, false);
  }

  /** Granted a slot: posts the item to a worker. */
  grant(lease: Lease): void {
    this.#lease = lease;
    const host = this.#host;
    const request = this.#request;
    const signal = this.#signal;
    let options: RunOptions = NO_OPTIONS;
    if (signal) options = { signal };
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
        collectTransfers(item, transferList);
      }
      if (transferList && transferList.length > 0) options = { ...options, transferList };
      host.piscina.run(message, options as never).then(
        (response: TaskResponse | SingleValue) => this.#answered(response),
        (error: unknown) => this.#failed(error),
      );
    } catch (error) {
      this.#failed(error);
    }
  }

  /** A forced close: settles the call now; the pool's threads are terminated next. */
  abort(reason?: unknown): void {
    this.#finish(reason, false);
  }

  #answered(response: TaskResponse | SingleValue): void {
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
      settle({ ok: false, error: failed[1] }, this.#name, this.#host.module);
    } catch (e) {
      error = e;
    }
    this.#finish(error, false);
  }

  #failed(error: unknown): void {
    if (this.#settled) return;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#host.onTerminated();
      this.#finish(new TaskAbortedError(signal.reason), false);
      return;
    }
    const failure = piscinaFailure(error, this.#name);
    if (isPoolcallError(failure, 'ERR_DATA_CLONE')) this.#progress?.done(false);
    this.#finish(failure, false);
  }

  #finish(error: unknown, ok: boolean, value?: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const host = this.#host;
    host.running.delete(this);
    this.#progress?.done(true);
    this.#lease?.release(ok ? 'ok' : 'failed');
    if (ok) this.#resolve(value);
    else this.#reject(error);
    host.onSettled();
  }
}

function isSingleValue(response: TaskResponse | SingleValue): response is SingleValue {
  return Array.isArray(response);
}
