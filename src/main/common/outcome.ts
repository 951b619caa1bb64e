/** Turning what comes back from piscina into values or poolcall errors. */
import { STOP_RETRYING } from '../../shared/failure.js';
import type { ItemOutcome, SerializedError } from '../../worker/protocol.js';
import { PoolcallError, WorkerCrashedError } from './errors.js';

/** Rebuilds a worker-side error: class name, message, stack, `code`, `cause` and the StopRetrying mark. */
export function rebuildError(e: SerializedError): Error {
  const error = new Error(e.message, e.cause ? { cause: rebuildError(e.cause) } : undefined);
  Object.defineProperty(error, 'name', { value: e.name, configurable: true, writable: true });
  if (e.stack !== undefined) error.stack = e.stack;
  if (e.code !== undefined) (error as Error & { code?: unknown }).code = e.code;
  if (e.final) Object.defineProperty(error, STOP_RETRYING, { value: true });
  return error;
}

/** The value of one item's outcome, or the error it stands for. */
export function settle(outcome: ItemOutcome, task: string, module: string): unknown {
  if (outcome.ok) return outcome.value;
  throw failureOf(outcome.error, task, module);
}

/** The error a serialized failure stands for. */
export function failureOf(e: SerializedError, task: string, module: string): Error {
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
      return new PoolcallError('ERR_DATA_CLONE', `Task "${task}": ${e.message}`, {
        cause: rebuildError(e),
      });
  }
}

/** Maps an error raised by piscina itself (not by the task) to a poolcall error. */
export function piscinaFailure(error: unknown, task: string): Error {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (e?.name === 'DataCloneError') {
    return new PoolcallError(
      'ERR_DATA_CLONE',
      `Task "${task}": the item could not be cloned to a worker (${String(e.message)})`,
      { cause: error },
    );
  }
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkerCrashedError(`The worker running task "${task}" ran out of memory`, {
      cause: error,
    });
  }
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (/worker exited|Terminating worker thread/i.test(message)) {
    return new WorkerCrashedError(`The worker running task "${task}" exited: ${message}`, {
      cause: error,
    });
  }
  return new WorkerCrashedError(`The worker running task "${task}" failed: ${message}`, {
    cause: error,
  });
}
