/**
 * The worker-side API: what a task module imports from `poolcall/worker`.
 *
 * @example
 * ```ts
 * // tasks.ts
 * import { defineTask } from 'poolcall/worker';
 * export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * export const resize = defineTask(async (img: Uint8Array, ctx) => {
 *   ctx.progress(0.5);
 *   return img;
 * });
 * ```
 */

/** What a `defineTask` task receives besides its item. */
export interface TaskContext<K = unknown> {
  /** The item's index in its call's input (0 for `pool.run`). */
  readonly index: number;
  /** The attempt number, from 1. */
  readonly attempt: number;
  /** The call's `kwargs` option (`undefined` when not given). */
  readonly kwargs: K;
  /** Reports progress of this item to the caller's `onTaskProgress(index, value)`. Never blocks. */
  progress(value: unknown): void;
}

const kDefinedTask = Symbol.for('poolcall.defineTask');

/** A task function marked by {@link defineTask}: it receives `(item, ctx)`. */
export type DefinedTask<I, R, K = unknown> = ((item: I, ctx: TaskContext<K>) => R) & {
  readonly [kDefinedTask]: true;
};

/**
 * Marks a worker task that wants the context (`index`, `attempt`, `kwargs`,
 * `progress`). A plain exported function receives the item alone.
 */
export function defineTask<I, R, K = unknown>(
  fn: (item: I, ctx: TaskContext<K>) => R,
): DefinedTask<I, R, K> {
  Object.defineProperty(fn, kDefinedTask, { value: true });
  return fn as DefinedTask<I, R, K>;
}

/** Tells whether `fn` was made by {@link defineTask}. */
export function isDefinedTask(fn: unknown): boolean {
  return (
    typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[kDefinedTask] === true
  );
}

/**
 * Thrown by a task to end its item's retries at once (see the main-thread
 * `StopRetrying`): the mark survives the trip to the main thread and BullMQ.
 */
export { isStopRetrying, StopRetrying } from '../shared/failure.js';
/**
 * Marks an ArrayBuffer or typed array returned by a task to be moved to the
 * main thread instead of copied (a top-level result, or a direct element or
 * property of one).
 */
export { transfer } from '../shared/transfer.js';
