/**
 * What crosses between the main thread and a worker. Types only: both sides
 * import these with `import type`.
 */

import type { MessagePort } from 'node:worker_threads';

/** The `workerData` poolcall hands piscina; the user's own `workerData` is restored in the worker. */
export interface PoolWorkerData {
  /** `file:` URL of the user's task module. */
  readonly module: string;
  /** The user's `workerData` option, made visible as `worker_threads.workerData`. */
  readonly userData: unknown;
}

/** One message to a worker: one item (`items.length === 1`) or a chunk of items. */
export interface TaskRequest {
  /** The exported task name. */
  readonly name: string;
  /** The items to run, in order. */
  readonly items: readonly unknown[];
  /** Each item's index in its call's input. */
  readonly indices: readonly number[];
  /** Each item's attempt number (from 1). */
  readonly attempts: readonly number[];
  /** The call's `kwargs`, handed to `defineTask` tasks as `ctx.kwargs`. */
  readonly kwargs?: unknown;
  /** A comlink endpoint for `ctx.progress`, present only when the caller listens. */
  readonly progress?: MessagePort;
  /**
   * Present for chunks with a per-item timeout: the worker writes, before each
   * item, `[position in items, start time as performance.timeOrigin + now()]`
   * to this Float64Array view, so the main thread can time items one by one.
   */
  readonly clock?: SharedArrayBuffer;
  /** Present with `clock`: results of finished items are posted here at once. */
  readonly results?: MessagePort;
}

/** Where a failure came from. */
export type FailureKind = 'task' | 'load' | 'unknown-task' | 'clone';

/** An error made cloneable: class name, message, stack and `code` survive the crossing. */
export interface SerializedError {
  readonly kind: FailureKind;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string | number;
  readonly cause?: SerializedError;
}

/** One item's outcome. */
export type ItemOutcome = { readonly ok: true; readonly value: unknown } | SerializedFailure;

/** A failed item's outcome. */
export interface SerializedFailure {
  readonly ok: false;
  readonly error: SerializedError;
}

/** The reply to a {@link TaskRequest}: one outcome per item, in order. */
export interface TaskResponse {
  readonly outcomes: readonly ItemOutcome[];
}

/** The comlink-exposed object that receives `ctx.progress` reports. */
export interface ProgressSink {
  report(index: number, value: unknown): void;
}
