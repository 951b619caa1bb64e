/**
 * Small pieces shared by scopes, task groups and the helpers: racing a
 * promise against a signal, linking a child controller to a parent signal,
 * telling a cancellation apart from a real failure.
 */
import { isPoolcallError } from './errors.js';

/** Settles like `promise`, or rejects with `signal.reason` as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(noop);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Calls `onAbort(parent.reason)` when `parent` aborts (at once if it already
 * has). Returns the function that undoes the link.
 */
export function follow(
  parent: AbortSignal | undefined,
  onAbort: (reason: unknown) => void,
): () => void {
  if (!parent) return noop;
  if (parent.aborted) {
    onAbort(parent.reason);
    return noop;
  }
  const listener = () => onAbort(parent.reason);
  parent.addEventListener('abort', listener, { once: true });
  return () => parent.removeEventListener('abort', listener);
}

/** Calls `fn` and returns its outcome as a promise, a synchronous throw included. */
export function invoke<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  try {
    return Promise.resolve(fn()) as Promise<Awaited<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Whether `error` is what a cancellation with `reason` produces: the reason
 * itself, an abort error (`TaskAbortedError`, a DOM `AbortError`), an error
 * caused by the reason, or an AggregateError made only of those.
 */
export function isCancellation(error: unknown, reason: unknown, depth = 0): boolean {
  if (error === reason) return true;
  if (!(error instanceof Error) || depth > 8) return false;
  if (error.name === 'AbortError' || isPoolcallError(error, 'ERR_TASK_ABORTED')) return true;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.every((e: unknown) => isCancellation(e, reason, depth + 1));
  }
  return error.cause !== undefined && isCancellation(error.cause, reason, depth + 1);
}

/**
 * The reason given when poolcall stops one of its own timers: a constant, so
 * that disarming a timer does not build a DOMException and its stack.
 */
export const DISARMED: unique symbol = Symbol('poolcall.disarmed');

/** Does nothing; swallows a promise's late outcome. */
export function noop(): void {}
