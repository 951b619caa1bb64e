/**
 * The signal handed to piscina with a call. piscina listens on it for as
 * long as the task runs; on an `AbortSignal` (an EventTarget) adding and
 * removing that listener cost ~5–10 µs a call, on the critical path from
 * one task's end to the next one's post. piscina also takes an
 * EventEmitter-style signal (`once` / `off` of `'abort'`, with `aborted`
 * and `reason`), whose listeners cost a fraction of that. Calls that share
 * one signal (the items of one alcall) share one emitter for it, which
 * listens on the signal once.
 */
import { EventEmitter } from 'node:events';

/** An `AbortSignal` seen as piscina's EventEmitter-style signal. */
export class AbortEmitter extends EventEmitter {
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    super();
    // One listener per running call of the signal, however many.
    this.setMaxListeners(0);
    this.#signal = signal;
    signal.addEventListener('abort', () => this.emit('abort'), { once: true });
  }

  /** Whether the signal has aborted. */
  get aborted(): boolean {
    return this.#signal.aborted;
  }

  /** The signal's abort reason. */
  get reason(): unknown {
    return this.#signal.reason;
  }
}

const emitters = new WeakMap<AbortSignal, AbortEmitter>();

/** The emitter standing for `signal`, made on first use. */
export function abortEmitter(signal: AbortSignal): AbortEmitter {
  let emitter = emitters.get(signal);
  if (!emitter) {
    emitter = new AbortEmitter(signal);
    emitters.set(signal, emitter);
  }
  return emitter;
}
