/**
 * What a task handle stands for. `pool.task(name)` and remote handles are plain
 * functions; the scheduler finds the target behind one here and runs attempts
 * through it, so it can honour slots, per-attempt timeouts and cancellation.
 */
import { TaskAbortedError } from './errors.js';

/** One attempt of one item, as the scheduler asks a target to run it. */
export interface AttemptRequest {
  readonly item: unknown;
  /** The item's index in its call's input. */
  readonly index: number;
  /** From 1. */
  readonly attempt: number;
  readonly kwargs?: unknown;
  /** Cancels the attempt (waiting or running); a running worker is terminated. */
  readonly signal?: AbortSignal | undefined;
  /** Per-attempt limit in ms, counted from when the attempt starts running. */
  readonly timeout?: number | undefined;
  /** Receives `ctx.progress(value)` reports from a `defineTask` task. */
  readonly onProgress?: ((index: number, value: unknown) => void) | undefined;
  /** Called once, when the attempt leaves the queue and starts running. */
  readonly onStart?: (() => void) | undefined;
  /** Items per worker message (1 = no chunking; 'auto' = measured). */
  readonly chunkSize?: number | 'auto' | undefined;
  /**
   * The item's whole retry policy, given only to targets with `ownsRetries`
   * (they run every attempt themselves, e.g. as BullMQ `attempts`/`backoff`).
   */
  readonly retry?: RetryPolicy | undefined;
}

/** A retry policy as data: `attempts` in all, delay before retry k = `delay * backoffFactor ** (k - 1)`. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly delay: number;
  readonly backoffFactor: number;
}

/**
 * First attempts of many items of one call, which share everything but the
 * item and its index (see {@link TaskTarget.runMany}).
 */
export interface BulkRequest {
  readonly kwargs?: unknown;
  /** Cancels every attempt of the batch (waiting or running). */
  readonly signal?: AbortSignal | undefined;
  /** Per-attempt limit in ms, counted for each item from when it starts running. */
  readonly timeout?: number | undefined;
  readonly onProgress?: ((index: number, value: unknown) => void) | undefined;
  /** Items per worker message: 1 (each item a call of its own), more, or 'auto'. */
  readonly chunkSize: number | 'auto';
  /**
   * How many of the call's items are still to be handed over in later
   * batches, when the call knows (an array input); `Infinity` when it does
   * not. Near the end of the input, automatic chunks shrink so that the
   * workers finish together.
   */
  readonly unread?: (() => number) | undefined;
}

/** Receives the outcomes of a {@link TaskTarget.runMany} batch, each item exactly once. */
export interface BulkSink {
  /** Item `index` succeeded on its first attempt. */
  succeed(index: number, value: unknown): void;
  /** The first attempt of item `index` failed with `error` (a timeout, a cancel, the task's own error, ...). */
  fail(index: number, item: unknown, error: unknown): void;
}

/**
 * Fails a whole bulk batch that cannot start, a microtask later (a sink
 * never hears of an outcome synchronously): each of the first `count`
 * items with `closed()` when given, else with a TaskAbortedError when
 * `signal` has aborted. Returns whether it did.
 */
export function refuseBatch(
  sink: BulkSink,
  items: readonly unknown[],
  count: number,
  firstIndex: number,
  signal: AbortSignal | undefined,
  closed: (() => unknown) | undefined,
): boolean {
  const failure =
    closed ?? (signal?.aborted ? () => new TaskAbortedError(signal.reason) : undefined);
  if (!failure) return false;
  const lost = items.slice(0, count);
  queueMicrotask(() => {
    for (let i = 0; i < count; i++) sink.fail(firstIndex + i, lost[i], failure());
  });
  return true;
}

/** The runner behind a task handle. */
export interface TaskTarget {
  /** The task's exported name. */
  readonly name: string;
  /**
   * How many attempts can usefully be in flight at once (slots x chunk). For
   * `'auto'` it grows as the chunk size is learnt: read it again before
   * starting more attempts rather than once per call.
   */
  capacity(chunkSize?: number | 'auto'): number;
  /**
   * When true, the scheduler calls `run` once per item with `retry` set and
   * does not retry on its own: the target enforces attempts and backoff.
   */
  readonly ownsRetries?: boolean;
  /** Runs one attempt; rejects with the attempt's error. */
  run(request: AttemptRequest): Promise<unknown>;
  /**
   * Runs the first attempt of `items[i]` (index `firstIndex + i`) for every
   * `i` below `count`, with no promise per item: each outcome goes to
   * `sink`, never synchronously from this call. The array is read before it
   * returns, so the caller may reuse it. Optional: only chunking targets
   * have it.
   */
  runMany?(
    request: BulkRequest,
    items: readonly unknown[],
    count: number,
    firstIndex: number,
    sink: BulkSink,
  ): void;
}

const targets = new WeakMap<object, TaskTarget>();

/** Makes `handle` stand for `target`. */
export function bindTarget<F extends object>(handle: F, target: TaskTarget): F {
  targets.set(handle, target);
  return handle;
}

/** The target behind a task handle, or `undefined` for a main-thread function. */
export function targetOf(fn: unknown): TaskTarget | undefined {
  return typeof fn === 'function' ? targets.get(fn) : undefined;
}
