/**
 * Turning what comes back from piscina into values or poolcall errors, and
 * telling a message that never reached a worker (an item that could not be
 * cloned) from a worker that failed.
 */
import type { MessagePort } from 'node:worker_threads';
import { STOP_RETRYING } from '../../shared/failure.js';
import { isDetached } from '../../shared/transfer.js';
import type { ItemOutcome, SerializedError } from '../../worker/protocol.js';
import { ItemCloneError, PoolcallError, WorkerCrashedError } from './errors.js';

/** Rebuilds a worker-side error: class name, message, stack, `code`, `cause` and the StopRetrying mark. */
export function rebuildError(e: SerializedError): Error {
  const error = new Error(e.message, e.cause ? { cause: rebuildError(e.cause) } : undefined);
  Object.defineProperty(error, 'name', { value: e.name, configurable: true, writable: true });
  if (e.stack !== undefined) error.stack = e.stack;
  if (e.code !== undefined) (error as Error & { code?: unknown }).code = e.code;
  if (e.final) Object.defineProperty(error, STOP_RETRYING, { value: true });
  return error;
}

/** The value of item `index`'s outcome, or the error it stands for. */
export function settle(outcome: ItemOutcome, task: string, module: string, index: number): unknown {
  if (outcome.ok) return outcome.value;
  throw failureOf(outcome.error, task, module, index);
}

/** The error a serialized failure of item `index` stands for. */
export function failureOf(e: SerializedError, task: string, module: string, index: number): Error {
  switch (e.kind) {
    case 'task':
      return rebuildError(e);
    case 'load':
      return new WorkerCrashedError(`The task module ${module} failed to load: ${e.message}`, {
        cause: rebuildError(e),
      });
    case 'unknown-task':
      return new PoolcallError('ERR_UNKNOWN_TASK', `${e.message} (module ${module})`);
    case 'clone':
      return cloneError(task, index, 'result', rebuildError(e));
  }
}

/**
 * The error of item `index` of task `task` whose item (or the call's
 * `kwargs`) could not be cloned to a worker, or whose result could not be
 * cloned back; `cause` is what the clone threw.
 */
export function cloneError(
  task: string,
  index: number,
  what: 'item' | 'kwargs' | 'result',
  cause: unknown,
): ItemCloneError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const subject =
    what === 'item'
      ? `item ${index} could not be cloned to a worker`
      : what === 'kwargs'
        ? `the kwargs of item ${index} could not be cloned to a worker`
        : `the result of item ${index} could not be cloned to the main thread`;
  return new ItemCloneError(`Task "${task}": ${subject}: ${message}`, index, { cause });
}

/** What a trial structured clone of `value` throws (`{ error }`), or undefined when it clones. */
export function cloneProblem(value: unknown): { error: unknown } | undefined {
  const type = typeof value;
  if (type !== 'object' && type !== 'function' && type !== 'symbol') return undefined;
  if (value === null) return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * Whether a message piscina rejected with `error` may never have been posted
 * (its clone failed) rather than have reached a worker that then failed: the
 * error is none of the failures piscina reports for a worker, and no buffer
 * the message was to move has moved. Only then is it worth a trial clone of
 * its items (see {@link cloneProblem}).
 */
export function mayBeUnsent(
  error: unknown,
  transfers: readonly (ArrayBuffer | MessagePort)[],
): boolean {
  const e = error as { code?: unknown; name?: unknown } | null | undefined;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY' || e?.name === 'AbortError') return false;
  if (WORKER_ENDED.test(messageOf(error))) return false;
  for (const t of transfers) if (isDetached(t)) return false;
  return true;
}

/** Whether `error` is the engine's failure to clone a value (`DataCloneError`). */
export function isDataCloneError(error: unknown): boolean {
  return (error as { name?: unknown } | null | undefined)?.name === 'DataCloneError';
}

/** What piscina says when a worker exited or was terminated under a task. */
const WORKER_ENDED = /worker exited|Terminating worker thread/i;

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Maps an error raised by piscina itself (not by the task) to a poolcall error. */
export function piscinaFailure(error: unknown, task: string): Error {
  if ((error as { code?: unknown } | null | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkerCrashedError(`The worker running task "${task}" ran out of memory`, {
      cause: error,
    });
  }
  const message = messageOf(error);
  if (WORKER_ENDED.test(message)) {
    return new WorkerCrashedError(`The worker running task "${task}" exited: ${message}`, {
      cause: error,
    });
  }
  return new WorkerCrashedError(`The worker running task "${task}" failed: ${message}`, {
    cause: error,
  });
}
