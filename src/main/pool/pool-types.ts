/** The public types of a pool: task handles, `pool.run` options, statistics. */
import type { TaskContext } from '../../worker/index.js';
import type { DurationSummary } from '../dispatch/stats.js';

/** The names of a module's exported functions. */
export type TaskName<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;

/** The item type a task function takes. */
export type TaskItem<F> = F extends (item: infer I, ...rest: never[]) => unknown ? I : never;

/** The resolved result type of a task function. */
export type TaskResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * The `kwargs` type a task function reads from its context (`ctx.kwargs` of a
 * `defineTask` task); `unknown` for a plain export, which receives none.
 */
export type TaskKwargs<F> = F extends (item: never, ctx: TaskContext<infer K>) => unknown
  ? K
  : unknown;

/**
 * A callable handle to a worker task: runs the task in a pool worker. It
 * takes the item alone; per-call `kwargs`, `signal` and `timeout` go through
 * `pool.run(name, item, options)`, and alcall / bcall / imap hand their
 * `kwargs` option to every item.
 */
export type TaskHandle<I, R> = (item: I) => Promise<R>;

/** The handle type of task `N` of module `M`. */
export type HandleOf<M, N extends TaskName<M>> = TaskHandle<TaskItem<M[N]>, TaskResult<M[N]>>;

/** Options of one `pool.run` call; `K` is the task's `kwargs` type. */
export interface RunOptions<K = unknown> {
  /** Cancels the call; a running task's worker is terminated. Rejects with TaskAbortedError. */
  signal?: AbortSignal;
  /** Limit in ms, counted from when a worker takes the task. Rejects with TaskTimeoutError. */
  timeout?: number;
  /** Handed to `defineTask` tasks as `ctx.kwargs` (typed from the task's context). */
  kwargs?: K;
  /** Receives `ctx.progress(value)` reports. */
  onProgress?: (value: unknown) => void;
}

/** Pool statistics, as returned by `pool.stats()`. */
export interface PoolStats {
  /** Worker threads that take tasks (spare threads not counted). */
  readonly threads: number;
  /** Slots busy now (calls travelling together in one chunk hold one). */
  readonly busy: number;
  /** Tasks waiting for a slot in poolcall's queue. */
  readonly queued: number;
  /** Tasks that ended with a value. */
  readonly completed: number;
  /** Tasks that ended with an error, a timeout or a cancel. */
  readonly failed: number;
  /** Share of slot time spent running tasks since the pool started, 0..1. */
  readonly utilization: number;
  /** Time from a worker taking a message to its end, ms (a chunk counts once). */
  readonly runTime: DurationSummary;
  /** Time spent waiting for a slot in poolcall's queue, ms. */
  readonly waitTime: DurationSummary;
  /** Workers terminated by a timeout or a cancel. */
  readonly terminated: number;
  /** Terminations given up on because they did not finish within `terminateTimeout`. */
  readonly abandonedTerminations: number;
}

/** Options of `pool.close()`. */
export interface CloseOptions {
  /** Reject everything pending with PoolClosedError and terminate at once. @default false */
  force?: boolean;
}
