/**
 * Call streams: single calls that follow one another on a slot skip
 * piscina's dispatch. A stream is one piscina task that keeps its thread and
 * takes calls over its own MessagePort, one at a time (see
 * `src/worker/stream.ts`): the next call is posted when the previous one's
 * answer arrives, so a stream never holds more than its slot's one call, and
 * nothing waits inside a worker.
 *
 * A stream starts where calls follow one another: a call granted its slot
 * while others wait, or in the same turn of the event loop as another call
 * ended (alcall's next item arrives in the microtasks after a result). A
 * stream left without a call ends with that turn (`setImmediate`), so an
 * idle pool holds no thread. A call whose signal aborts on a stream
 * terminates the stream's thread, as piscina does for its own tasks.
 *
 * On two threads, calls of ~2 ms that followed one another left each
 * worker idle ~100 µs between calls through a stream, against ~200–300 µs
 * through `piscina.run`.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { STREAM_END } from '../../shared/wire.js';
import type { SingleValue, TaskRequest, TaskResponse } from '../../worker/protocol.js';
import type { Dispatcher } from '../dispatch/dispatch.js';
import type { AbortEmitter } from './abort-emitter.js';

/** The call a stream runs now. */
export interface StreamCaller {
  /** The worker answered. */
  answered(response: TaskResponse | SingleValue): void;
  /** The stream's thread ended (terminated, crashed) before answering. */
  failed(error: unknown): void;
}

/** `setImmediate` as it was when this module loaded: fake timers in a test do not stop streams ending. */
const atTurnEnd = globalThis.setImmediate;

/** piscina's EventEmitter-style signal for one stream: aborting it terminates the stream's thread. */
class Switch extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** One piscina task serving single calls posted on its port. */
export class CallStream {
  readonly #streams: CallStreams;
  readonly #port: MessagePort;
  readonly #switch = new Switch();
  #caller: StreamCaller | undefined;
  /** The signal listened to: the last call's, kept while the stream is idle. */
  #signal: AbortEmitter | undefined;
  /** The signal of the running call, whose abort terminates the thread. */
  #aborts: AbortEmitter | undefined;
  #ended = false;
  readonly #onAbort = () => {
    if (!this.#caller || !this.#aborts) return;
    // The thread is terminated: whatever answer still arrives, no call follows on this stream.
    this.#ended = true;
    this.#unlisten();
    this.#port.close();
    this.#switch.abort();
  };

  constructor(streams: CallStreams, piscina: Piscina) {
    this.#streams = streams;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.on('message', (response: TaskResponse | SingleValue) => this.#answered(response));
    const open: TaskRequest = { name: '', items: [], indices: 0, attempts: 1, stream: port2 };
    piscina.run(open, { transferList: [port2], signal: this.#switch } as never).then(
      () => this.#end(undefined),
      (error: unknown) => this.#end(error),
    );
  }

  /**
   * Posts one call's request. Throws what the post threw (an item that
   * cannot be cloned): nothing was sent, and the stream is idle again.
   * `signal`, when it aborts before the answer, terminates the thread.
   */
  send(
    caller: StreamCaller,
    request: TaskRequest,
    transfers: readonly (ArrayBuffer | MessagePort)[] | undefined,
    signal: AbortEmitter | undefined,
  ): void {
    try {
      this.#port.postMessage(request, transfers as (ArrayBuffer | MessagePort)[] | undefined);
    } catch (error) {
      this.#streams.idle(this);
      throw error;
    }
    this.#caller = caller;
    this.#aborts = signal;
    // The calls of one alcall share one signal: its listener stays while they follow one another.
    if (signal !== this.#signal) {
      this.#signal?.off('abort', this.#onAbort);
      this.#signal = signal;
      signal?.on('abort', this.#onAbort);
    }
  }

  /** Ends the stream: its task returns and piscina has the thread back. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unlisten();
    this.#port.postMessage(STREAM_END);
    this.#port.close();
  }

  #answered(response: TaskResponse | SingleValue): void {
    const caller = this.#caller;
    if (!caller) return;
    this.#release();
    // Idle before the caller settles: the next call, granted inside that, takes this stream.
    if (!this.#ended) this.#streams.idle(this);
    caller.answered(response);
  }

  #end(error: unknown): void {
    const caller = this.#caller;
    this.#release();
    this.#unlisten();
    if (!this.#ended) {
      this.#ended = true;
      this.#port.close();
      this.#streams.lost(this);
    }
    caller?.failed(error ?? new Error('The call stream ended before it answered'));
  }

  #release(): void {
    this.#caller = undefined;
    this.#aborts = undefined;
  }

  #unlisten(): void {
    this.#signal?.off('abort', this.#onAbort);
    this.#signal = undefined;
  }
}

/** The streams of one pool. */
export class CallStreams {
  readonly #piscina: Piscina;
  readonly #dispatcher: Dispatcher;
  readonly #idle: CallStream[] = [];
  /** A call ended in this turn of the event loop. */
  #hot = false;
  #sweeping = false;
  #closed: boolean;

  /** @param enabled false where a thread runs several tasks at once (`concurrentTasksPerWorker`). */
  constructor(piscina: Piscina, dispatcher: Dispatcher, enabled: boolean) {
    this.#piscina = piscina;
    this.#dispatcher = dispatcher;
    this.#closed = !enabled;
  }

  /** A stream for a call just granted its slot, or undefined where it should go through piscina. */
  take(): CallStream | undefined {
    const stream = this.#idle.pop();
    if (stream) return stream;
    if (this.#closed || (!this.#hot && this.#dispatcher.queued === 0)) return undefined;
    return new CallStream(this, this.#piscina);
  }

  /** A call ended: a stream started now may carry the next. */
  ended(): void {
    this.#hot = true;
    this.#sweepSoon();
  }

  /** `stream` has no call now. */
  idle(stream: CallStream): void {
    if (this.#closed) {
      stream.end();
      return;
    }
    this.#idle.push(stream);
    this.#sweepSoon();
  }

  /** `stream`'s task ended. */
  lost(stream: CallStream): void {
    const i = this.#idle.indexOf(stream);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  /**
   * Ends idle streams now: work about to go to piscina must find a free
   * thread, not one a stream holds until the end of the turn.
   */
  endIdle(): void {
    if (this.#idle.length > 0) for (const s of this.#idle.splice(0)) s.end();
  }

  /** Ends idle streams and starts no more. */
  close(): void {
    this.#closed = true;
    this.#sweep();
  }

  #sweepSoon(): void {
    if (this.#sweeping) return;
    this.#sweeping = true;
    atTurnEnd(() => this.#sweep());
  }

  #sweep(): void {
    this.#sweeping = false;
    this.#hot = false;
    for (const s of this.#idle.splice(0)) s.end();
  }
}
