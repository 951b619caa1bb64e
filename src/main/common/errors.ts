/**
 * Errors produced by poolcall itself. Each has a stable `code`; use
 * {@link isPoolcallError} to tell them apart instead of matching messages.
 */

/** Every stable error code poolcall produces. */
export type PoolcallErrorCode =
  | 'ERR_TASK_TIMEOUT'
  | 'ERR_TASK_ABORTED'
  | 'ERR_WORKER_CRASHED'
  | 'ERR_POOL_CLOSED'
  | 'ERR_QUEUE_FULL'
  | 'ERR_UNKNOWN_TASK'
  | 'ERR_DATA_CLONE'
  | 'ERR_MODULE_LOAD'
  | 'ERR_MISSING_PEER'
  | 'ERR_REMOTE_JOB_LOST'
  | 'ERR_UNSUPPORTED_RUNTIME';

const kPoolcallError = Symbol.for('poolcall.error');

/** Options accepted by every poolcall error constructor. */
export interface PoolcallErrorOptions {
  /** The underlying error, kept as `error.cause`. */
  cause?: unknown;
}

/**
 * Base class of every run-time failure poolcall produces.
 *
 * @example
 * ```ts
 * try { await pool.run('fib', 40, { timeout: 100 }); }
 * catch (e) { if (isPoolcallError(e, 'ERR_TASK_TIMEOUT')) console.log('too slow'); }
 * ```
 */
export class PoolcallError extends Error {
  /** The stable code of this failure. */
  readonly code: PoolcallErrorCode;

  constructor(code: PoolcallErrorCode, message: string, options: PoolcallErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    Object.defineProperty(this, kPoolcallError, { value: true });
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** An attempt ran longer than its timeout; a worker running it was terminated. */
export class TaskTimeoutError extends PoolcallError {
  /** The timeout that was exceeded, in milliseconds. */
  readonly timeout: number;
  constructor(timeout: number, message = `Task timed out after ${timeout} ms`) {
    super('ERR_TASK_TIMEOUT', message);
    this.timeout = timeout;
  }
}

/** A task was cancelled (a signal, a scope or a sibling's failure); `cause` is the reason. */
export class TaskAbortedError extends PoolcallError {
  constructor(reason?: unknown, message = 'Task was aborted') {
    super('ERR_TASK_ABORTED', message, { cause: reason });
  }
}

/** A worker exited, failed to load its module, or ran out of memory; `cause` says how. */
export class WorkerCrashedError extends PoolcallError {
  constructor(message: string, options: PoolcallErrorOptions = {}) {
    super('ERR_WORKER_CRASHED', message, options);
  }
}

/**
 * An item could not be cloned to a worker, or its result back to the main
 * thread (a function, a symbol, a Proxy, a getter or Proxy trap that throws,
 * a structure nested too deep, a buffer marked with `transfer()` that was
 * already moved). Only that item fails; `cause` is the engine's
 * `DataCloneError`, or whatever the getter or trap threw.
 *
 * @example
 * ```ts
 * const out = await alcall(items, pool.task('parse'), { returnExceptions: true });
 * for (const r of out) if (isPoolcallError(r, 'ERR_DATA_CLONE')) console.log((r as ItemCloneError).index);
 * ```
 */
export class ItemCloneError extends PoolcallError {
  /** The item's index in its call's input (0 for `pool.run` and a handle called directly). */
  readonly index: number;
  constructor(message: string, index: number, options: PoolcallErrorOptions = {}) {
    super('ERR_DATA_CLONE', message, options);
    this.index = index;
  }
}

/** The pool was closed before or while the call was waiting. */
export class PoolClosedError extends PoolcallError {
  constructor(message = 'The pool is closed') {
    super('ERR_POOL_CLOSED', message);
  }
}

/** The pool's queue already held `maxQueue` calls waiting for a slot. */
export class QueueFullError extends PoolcallError {
  /** The bound that was reached. */
  readonly maxQueue: number;
  constructor(maxQueue: number) {
    super('ERR_QUEUE_FULL', `The pool's queue is full (maxQueue: ${maxQueue})`);
    this.maxQueue = maxQueue;
  }
}

/**
 * The JavaScript runtime cannot do what was asked: it is older than poolcall
 * supports, or it lacks a piece one option needs (`feature` names it).
 */
export class UnsupportedRuntimeError extends PoolcallError {
  /** The runtime and its version, e.g. `Bun 1.4.5`. */
  readonly runtime: string;
  /** What is missing, e.g. `option "resourceLimits"`. */
  readonly feature: string;
  constructor(runtime: string, feature: string, message: string) {
    super('ERR_UNSUPPORTED_RUNTIME', message);
    this.runtime = runtime;
    this.feature = feature;
  }
}

/**
 * A BullMQ job that Redis lost (restarted without persistence, flushed)
 * while a producer waited for it, once more often than `lostJobRetries`
 * allows: each earlier loss added the job again under a new id.
 */
export class RemoteJobLostError extends PoolcallError {
  /** The id of the job Redis lost last. */
  readonly jobId: string;
  /** How many times Redis lost the job. */
  readonly losses: number;
  constructor(jobId: string, losses: number, message?: string) {
    super(
      'ERR_REMOTE_JOB_LOST',
      message ??
        `Job ${jobId} was lost from Redis ${losses === 1 ? 'once' : `${losses} times`} (restarted without persistence, or flushed)`,
    );
    this.jobId = jobId;
    this.losses = losses;
  }
}

/**
 * Tells whether `error` is a poolcall error, optionally of one `code`.
 * Works across copies of the package (the mark is a global symbol).
 */
export function isPoolcallError(error: unknown, code?: PoolcallErrorCode): error is PoolcallError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[kPoolcallError] !== true) return false;
  return code === undefined || (error as PoolcallError).code === code;
}

/** The reason carried by an aborted signal, or a TaskAbortedError when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new TaskAbortedError();
}
