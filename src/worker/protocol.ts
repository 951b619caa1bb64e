/**
 * What crosses between the main thread and a worker: types, and the field
 * indices of the shared boot buffer.
 */

import type { MessagePort } from 'node:worker_threads';
import type { Packed } from '../shared/packed.js';
import type { TAKEN } from '../shared/wire.js';

/** The `workerData` poolcall hands piscina; the user's own `workerData` is restored in the worker. */
export interface PoolWorkerData {
  /** `file:` URL of the user's task module. */
  readonly module: string;
  /** The user's `workerData` option, made visible as `worker_threads.workerData`. */
  readonly userData: unknown;
  /** Int32 fields indexed by `BootField` (`src/shared/wire.ts`), shared by every thread of the pool. */
  readonly boot?: SharedArrayBuffer;
  /** The pool's `niceIncrement`, when above 0. */
  readonly nice?: number;
}

/** One message to a worker: one item (`items.length === 1`) or a chunk of items. */
export interface TaskRequest {
  /** The exported task name. */
  readonly name: string;
  /** The items to run, in order (packed when they are all numbers). */
  readonly items: Packed;
  /**
   * Each item's index in its call's input; a number `k` stands for the run
   * `k, k + 1, ...` (the common case, cheaper to clone).
   */
  readonly indices: readonly number[] | number;
  /** Each item's attempt number (from 1); a number stands for the same attempt for all. */
  readonly attempts: readonly number[] | number;
  /** The call's `kwargs`, handed to `defineTask` tasks as `ctx.kwargs`. */
  readonly kwargs?: unknown;
  /** A comlink endpoint for `ctx.progress`, present only when the caller listens. */
  readonly progress?: MessagePort;
  /**
   * Present for chunks: a {@link ChunkClock} buffer shared with the main
   * thread, so it can time items one by one, cancel unstarted ones and know
   * which item was running when the worker had to be terminated.
   */
  readonly clock?: SharedArrayBuffer;
  /** Set when an item has a timeout: the worker writes each item's start time to `clock`. */
  readonly timed?: boolean;
  /**
   * Present for chunks of more than one item with a per-item timeout: the
   * outcome of each finished item is posted here at once as an
   * {@link ItemReport}, so a chunk terminated mid-way loses no finished
   * result. The response's outcomes are then empty.
   */
  readonly results?: MessagePort;
  /**
   * Present for chunks that may grow while they run. The worker posts
   * {@link TAKEN} here once it has claimed the first item (from then on the
   * main thread may send batches), and before it answers looks here for more
   * items ({@link MoreItems}). When there are some, it posts a
   * {@link BatchReport} for what it has finished here and goes on with them;
   * otherwise it answers with the last batch.
   */
  readonly more?: MessagePort;
  /**
   * Present for a call stream: the request holds no item; single-item
   * requests arrive on this port one at a time and each is answered there
   * (a {@link SingleValue} or a {@link TaskResponse}) until `STREAM_END`
   * arrives (see `src/worker/stream.ts`).
   */
  readonly stream?: MessagePort;
}

/**
 * The layout of a chunk's shared clock buffer (values in
 * `src/shared/wire.ts`): bytes 0..15 hold a Float64Array
 * `[position, start time]` written before each item (start time as
 * `performance.timeOrigin + performance.now()`); bytes 16..23 the two Int32 `more`
 * fields of a growing chunk (`MORE_OFFSET`); from byte 24 an Int32Array
 * holds one {@link ItemStateValue} per item, claimed with compare-and-exchange
 * by whichever thread moves first.
 */
export type ChunkClockBuffer = SharedArrayBuffer;

/** 0 pending (cancellable), 1 running (claimed by the worker), 2 cancelled (skipped), 3 finished. */
export type ItemStateValue = 0 | 1 | 2 | 3;

/** One finished item, posted to a chunk's `results` port: `[position, outcome]`. */
export type ItemReport = readonly [position: number, outcome: ItemOutcome];

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
  /** The error was a `StopRetrying`: the item's retries end with it. */
  readonly final?: true;
}

/** One item's outcome. */
export type ItemOutcome = { readonly ok: true; readonly value: unknown } | SerializedFailure;

/** A failed item's outcome. */
export interface SerializedFailure {
  readonly ok: false;
  readonly error: SerializedError;
}

/**
 * The reply to a {@link TaskRequest}. Values travel as one plain array (fast
 * to clone for tiny results); failures apart. Both are empty when the
 * outcomes went to the `results` port.
 */
export interface TaskResponse {
  /** Each item's value by position (`undefined` where it failed or was cancelled; packed when all are numbers). */
  readonly values: Packed;
  /** The failed items: `[position, error]`. */
  readonly failures: readonly (readonly [position: number, error: SerializedError])[];
  /** Time the worker spent on the request, in ms. */
  readonly ms: number;
  /** For chunks that grew: the position of the first item this answer covers. */
  readonly base?: number;
  /** For chunks that grew: how many items this answer covers (values may be empty). */
  readonly count?: number;
}

/** A batch appended to a running chunk, posted on its `more` port. */
export interface MoreItems {
  /** Position of the first item in the chunk. */
  readonly base: number;
  readonly items: Packed;
  readonly indices: readonly number[] | number;
  readonly attempts: readonly number[] | number;
}

/** What the worker posts on a growing chunk's `more` port. */
export type MoreReport = BatchReport | typeof TAKEN;

/**
 * A finished batch of a growing chunk, posted when the worker
 * goes on with the next: the batch's outcomes, by position from `base`.
 */
export interface BatchReport {
  readonly base: number;
  /** Items in the batch. */
  readonly count: number;
  /** Values by position from `base` (empty when outcomes went to `results`; packed when all are numbers). */
  readonly values: Packed;
  /** Failed items: `[position from base, error]`. */
  readonly failures: readonly (readonly [position: number, error: SerializedError])[];
  /** Time the worker spent on the batch, in ms. */
  readonly ms: number;
}

/**
 * The reply to a single-item request without `clock` or `progress` (what
 * `pool.run` sends) whose item succeeded: its value alone, cheaper to clone
 * than a {@link TaskResponse}. A failed item is answered with a TaskResponse.
 */
export type SingleValue = readonly [value: unknown];

/** The comlink-exposed object that receives `ctx.progress` reports. */
export interface ProgressSink {
  report(index: number, value: unknown): void;
}
