/**
 * p-limit's documented examples, written with poolcall's `maxConcurrent`.
 * `fetchSomething` is a local stand-in, so every example runs offline.
 *
 * Run it: `npx tsx examples/coming-from-p-limit.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import { isPoolcallError, maxConcurrent } from 'poolcall';

/** A stand-in for a network call: resolves after a tick; records how many run at once. */
function tracker() {
  let running = 0;
  let peak = 0;
  const fetchSomething = async (what: string): Promise<string> => {
    peak = Math.max(peak, ++running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    return `${what}!`;
  };
  return { fetchSomething, peak: () => peak };
}

/**
 * p-limit's usage: `const limit = pLimit(1); limit(() => fetchSomething('foo'))`.
 * `maxConcurrent(1)` wraps a function; a wrapper of `(fn) => fn()` is p-limit's
 * `limit` itself.
 */
export async function usage() {
  const { fetchSomething, peak } = tracker();
  const limit = maxConcurrent(1)(<T>(fn: () => Promise<T>) => fn());
  const input = [
    limit(() => fetchSomething('foo')),
    limit(() => fetchSomething('bar')),
    limit(() => fetchSomething('baz')),
  ];
  // Only one promise is run at once
  const result = await Promise.all(input);
  return { result, peak: peak() };
}

/** p-limit's `limitFunction(fn, { concurrency })`: `maxConcurrent(n)(fn)`. */
export async function limitFunction() {
  const { fetchSomething, peak } = tracker();
  const limited = maxConcurrent(2)(fetchSomething);
  const result = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => limited(x)));
  return { result, peak: peak() };
}

/** `limit.activeCount`, `limit.pendingCount`, `limit.concurrency = n` and `limit.clearQueue()`. */
export async function control() {
  const releases: (() => void)[] = [];
  const slow = maxConcurrent(1)(
    (x: number) =>
      new Promise<number>((resolve) => {
        releases.push(() => resolve(x));
      }),
  );
  const calls = [1, 2, 3, 4].map((x) => slow(x));
  const settled = calls.map((p) => p.catch((e: unknown) => e));
  const seen: string[] = [`active ${slow.activeCount}, pending ${slow.pendingCount}`];
  slow.concurrency = 2; // applies at once: a second call starts
  await new Promise((resolve) => setImmediate(resolve));
  seen.push(`active ${slow.activeCount}, pending ${slow.pendingCount}`);
  slow.clearQueue(); // the waiting calls reject (p-limit would leave them pending forever)
  seen.push(`active ${slow.activeCount}, pending ${slow.pendingCount}`);
  for (const release of releases) release();
  const outcomes = (await Promise.all(settled)).map((r) =>
    isPoolcallError(r, 'ERR_TASK_ABORTED') ? 'cleared' : r,
  );
  return { seen, outcomes };
}

const main = process.argv[1];
if (main && pathToFileURL(main).href === import.meta.url) {
  console.log('usage', await usage());
  console.log('limitFunction', await limitFunction());
  console.log('control', await control());
}
