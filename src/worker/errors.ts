/** Turning worker-side errors into cloneable data. */
import { isStopRetrying, nonErrorMessage } from '../shared/failure.js';
import type { FailureKind, SerializedError } from './protocol.js';

/**
 * Makes any thrown value cloneable, keeping class name, message, stack,
 * `code` and the StopRetrying mark; a value that is not an Error becomes a
 * TypeError naming it (as on the main thread).
 */
export function serializeError(error: unknown, kind: FailureKind, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { kind, name: 'TypeError', message: nonErrorMessage(error) };
  }
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    kind,
    name:
      error.constructor?.name && error.constructor.name !== 'Error'
        ? error.constructor.name
        : error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(cause !== undefined && depth < 4 ? { cause: serializeError(cause, kind, depth + 1) } : {}),
    ...(isStopRetrying(error) ? { final: true } : {}),
  };
}
