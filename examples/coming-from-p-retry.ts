/**
 * p-retry's documented examples, written with poolcall's `retry` (and alcall
 * for many items). `fetch` is replaced by a local stand-in that answers from
 * a script of statuses, so every example runs offline. Each example takes a
 * clock, so tests run them on a `ManualClock`.
 *
 * Run it: `npx tsx examples/coming-from-p-retry.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { alcall, type Clock, realClock, retry, StopRetrying } from 'poolcall';

/** A response of the stand-in server. */
export interface FakeResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  json(): Promise<unknown>;
}

/** A stand-in for `fetch`: answers each call with the next status of `statuses` (the last one repeats). */
export function fakeFetch(statuses: readonly number[]): (url: string) => Promise<FakeResponse> {
  let call = 0;
  return async (url) => {
    const status = statuses[Math.min(call++, statuses.length - 1)] ?? 200;
    const text: Record<number, string> = {
      200: 'OK',
      404: 'Not Found',
      503: 'Service Unavailable',
    };
    return {
      ok: status < 400,
      status,
      statusText: text[status] ?? String(status),
      json: async () => ({ url, unicorn: true }),
    };
  };
}

/** p-retry's usage: `throw new AbortError(statusText)` on a 404 becomes `StopRetrying`. */
export async function usage(clock: Clock = realClock) {
  let attempts = 0;
  const fetch = fakeFetch([503, 404, 200]);
  const run = async () => {
    attempts++;
    const response = await fetch('https://sindresorhus.com/unicorn');
    // Abort retrying if the resource doesn't exist
    if (response.status === 404) throw new StopRetrying(response.statusText);
    if (!response.ok) throw new Error(response.statusText);
    return response.json();
  };
  const error = await retry(run, { retries: 5, clock }).catch((e: unknown) => e);
  return { attempts, error: (error as Error).message, stopped: error instanceof StopRetrying };
}

/** p-retry's `onFailedAttempt({ error, attemptNumber, retriesLeft })`: here `{ error, attempt, retriesLeft }`. */
export async function onFailedAttempt(clock: Clock = realClock) {
  const log: string[] = [];
  const fetch = fakeFetch([503, 503, 200]);
  const result = await retry(
    async () => {
      const response = await fetch('https://sindresorhus.com/unicorn');
      if (!response.ok) throw new Error(response.statusText);
      return response.json();
    },
    {
      retries: 5,
      clock,
      onFailedAttempt: ({ error, attempt, retriesLeft }) => {
        log.push(
          `Attempt ${attempt} failed (${error.message}). There are ${retriesLeft} retries left.`,
        );
      },
    },
  );
  return { result, log };
}

/** p-retry's `shouldRetry`: `retryIf(error)`; an error it refuses rejects at once. */
export async function shouldRetry(clock: Clock = realClock) {
  class CustomError extends Error {}
  let attempts = 0;
  const error = await retry(
    () => {
      attempts++;
      throw attempts < 2 ? new Error('transient') : new CustomError('permanent');
    },
    { retries: 5, clock, retryIf: (e) => !(e instanceof CustomError) },
  ).catch((e: unknown) => e);
  return { attempts, permanent: error instanceof CustomError };
}

/** p-retry's `signal`: aborting rejects with the signal's reason, also during a delay. */
export async function cancelling(clock: Clock = realClock) {
  const controller = new AbortController();
  const done = retry(
    () => {
      // The cancel button is clicked while the first attempt fails.
      queueMicrotask(() => controller.abort(new Error('User clicked cancel button')));
      throw new Error('down');
    },
    { signal: controller.signal, clock },
  );
  return (await done.catch((e: unknown) => e as Error)).message;
}

/**
 * `maxRetryTime` and `forever`: `retries: Infinity` bounded by a time
 * budget; no retry starts once the budget is spent.
 */
export async function budget(clock: Clock = realClock) {
  const starts: number[] = [];
  const began = clock.now();
  const error = await retry(
    () => {
      starts.push(clock.now() - began);
      throw new Error('still down');
    },
    { retries: Number.POSITIVE_INFINITY, delay: 100, backoffFactor: 2, maxRetryTime: 1000, clock },
  ).catch((e: unknown) => e as Error);
  return { starts, error: error.message };
}

/**
 * p-retry for many items: alcall's `numRetries`, `retryDelay`,
 * `backoffFactor` and `onFailedAttempt`, per item, at most two at a time.
 */
export async function manyItems(clock: Clock = realClock) {
  const failures: string[] = [];
  const flaky = new Map([
    ['a', 1],
    ['b', 0],
    ['c', 2],
  ]);
  const out = await alcall(
    ['a', 'b', 'c'],
    (id: string, { attempt }) => {
      if (attempt <= (flaky.get(id) ?? 0)) throw new Error(`${id} failed`);
      return `${id}@${attempt}`;
    },
    {
      maxConcurrent: 2,
      numRetries: 3,
      retryDelay: 100,
      backoffFactor: 2,
      clock,
      onFailedAttempt: ({ error, attempt }) => void failures.push(`${error.message} on ${attempt}`),
    },
  );
  return { out, failures };
}

const main = process.argv[1];
if (main && pathToFileURL(main).href === import.meta.url) {
  console.log('AbortError', await usage());
  console.log('onFailedAttempt', await onFailedAttempt());
  console.log('shouldRetry', await shouldRetry());
  console.log('signal', await cancelling());
  console.log('maxRetryTime', await budget());
  console.log('many items', await manyItems());
}
