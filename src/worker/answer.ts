/**
 * What an answer to the main thread is made of, wherever it is posted
 * (piscina's reply or a call stream's port): a failed single item, the
 * wrapper piscina's `move()` gives a value with what it moves, thenables.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError, TaskResponse } from './protocol.js';

/** piscina's symbols for a value that moves buffers (see `Piscina.move`). */
export const kTransferable = Symbol.for('Piscina.transferable');
export const kValue = Symbol.for('Piscina.valueOf');

/** A value wrapped for piscina with what it moves. */
export interface Moved {
  readonly [kTransferable]: (ArrayBuffer | MessagePort)[];
  readonly [kValue]: unknown;
}

/** Whether `value` is such a wrapper. */
export function isMoved(value: unknown): value is Moved {
  return typeof value === 'object' && value !== null && kTransferable in value && kValue in value;
}

/** The answer of a single item that failed with `error`. */
export function singleFailure(error: SerializedError): TaskResponse {
  return { values: [undefined], failures: [[0, error]], ms: 0 };
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
