/**
 * The cancellation signal that travels with the async context. A scope or a
 * task group stores its signal here; everything poolcall starts inside it
 * (pool.run, alcall, bcall, imap) reads it and is cancelled with the scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<AbortSignal | undefined>();

/** The signal of the innermost enclosing scope, if any. */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore();
}

/** Runs `fn` with `signal` as the current scope signal (`undefined` clears it: a shield). */
export function runWithSignal<T>(signal: AbortSignal | undefined, fn: () => T): T {
  return storage.run(signal, fn);
}

/**
 * Combines the caller's signal with the current scope's. Returns `undefined`
 * when there is neither.
 */
export function effectiveSignal(signal?: AbortSignal): AbortSignal | undefined {
  const scoped = currentSignal();
  if (!scoped) return signal;
  if (!signal || signal === scoped) return scoped;
  return AbortSignal.any([signal, scoped]);
}

let lastCaller: AbortSignal | undefined;
let lastScoped: AbortSignal | undefined;
let lastCombined: AbortSignal | undefined;

/** The caller's signal combined with the current scope's, remembering the last pair. */
export function combinedSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  const scoped = currentSignal();
  if (!scoped) return signal;
  if (!signal || signal === scoped) return scoped;
  if (signal !== lastCaller || scoped !== lastScoped) {
    lastCaller = signal;
    lastScoped = scoped;
    lastCombined = AbortSignal.any([signal, scoped]);
  }
  return lastCombined;
}
