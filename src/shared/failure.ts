/**
 * What both threads agree on about a failed attempt: the {@link StopRetrying}
 * mark (a `Symbol.for` key, so it is recognised whichever copy of poolcall
 * made the error, and re-set after an error crosses from a worker), and how a
 * thrown value that is not an Error becomes one. Imports nothing.
 */

/** The key marking an error that must not be retried. */
export const STOP_RETRYING: unique symbol = Symbol.for('poolcall.stopRetrying');

/**
 * Thrown by a task (main-thread function, worker task, or `retry`'s
 * function) to end its retries at once: the attempt counts as the item's
 * last. The call then fails with the wrapped error (`new StopRetrying(error)`)
 * or, given a message, with this error itself; with `retryDefault` the item
 * gets its default, with `returnExceptions` that error. No `onRetry` or
 * `onFailedAttempt` hears it. p-retry's `AbortError`, BullMQ's
 * `UnrecoverableError`.
 *
 * @example
 * ```ts
 * import { StopRetrying } from 'poolcall'; // or 'poolcall/worker' in a task module
 * if (response.status === 404) throw new StopRetrying(new Error('not found'));
 * ```
 */
export class StopRetrying extends Error {
  /** Marks the error (see {@link isStopRetrying}). */
  readonly [STOP_RETRYING] = true;

  /** @param reason the error to fail with, or a message for this error. */
  constructor(reason: Error | string) {
    super(
      typeof reason === 'string' ? reason : reason.message,
      typeof reason === 'string' ? undefined : { cause: reason },
    );
    this.name = 'StopRetrying';
  }
}

/** Whether `error` carries the {@link StopRetrying} mark (also after crossing from a worker). */
export function isStopRetrying(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [STOP_RETRYING]?: unknown })[STOP_RETRYING] === true
  );
}

/**
 * The Error a failed attempt stands for: an Error as is, the error a
 * {@link StopRetrying} wraps, and any other thrown value (a string,
 * `undefined`) as a `TypeError` naming it, the value kept as `cause`.
 */
export function attemptError(thrown: unknown): Error {
  if (isStopRetrying(thrown)) {
    const cause = (thrown as Error).cause;
    return cause instanceof Error ? cause : (thrown as Error);
  }
  if (thrown instanceof Error) return thrown;
  return new TypeError(nonErrorMessage(thrown), { cause: thrown });
}

/** The message of the TypeError standing for a thrown value that is not an Error. */
export function nonErrorMessage(value: unknown): string {
  return `A non-Error value was thrown: ${describe(value)}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
