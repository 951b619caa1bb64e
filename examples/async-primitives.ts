/**
 * The lionfuncs / AsyncUtils examples, ported: maxConcurrent, throttle,
 * Throttle, rateLimit, retry, withTimeout, gatherWithConcurrency,
 * batchProcess, taskGroup and CancelScope, plus the asyncio timeout and task
 * group patterns. Times are a tenth of the originals' seconds (1.0 s there is
 * 100 ms here). Each example takes a clock, so tests run them on a
 * `ManualClock`; the last one stops a runaway worker task for real.
 *
 * Run it: `npx tsx examples/async-primitives.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url';
import {
  batchProcess,
  CancelScope,
  type Clock,
  createPool,
  gatherWithConcurrency,
  maxConcurrent,
  moveOnAfter,
  rateLimit,
  realClock,
  retry,
  Throttle,
  taskGroup,
  throttle,
  withTimeout,
} from 'poolcall';

/** `@max_concurrent(3)` over 10 items that each take 100 ms. */
export async function maxConcurrentExample(clock: Clock = realClock) {
  let running = 0;
  let peak = 0;
  const processItem = maxConcurrent(3)(async (item: number) => {
    peak = Math.max(peak, ++running);
    await clock.sleep(100);
    running--;
    return item * 2;
  });
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => processItem(i)));
  return { results, peak };
}

/** `@throttle(1.0)`: five calls, made one after another, start 100 ms apart. */
export async function throttleExample(clock: Clock = realClock) {
  const t0 = clock.now();
  const starts: number[] = [];
  const apiCall = throttle(100, { clock })(async (item: number) => {
    starts.push(clock.now() - t0);
    await clock.sleep(10);
    return item * 2;
  });
  const results: number[] = [];
  for (let i = 0; i < 5; i++) results.push(await apiCall(i));
  return { results, starts };
}

/** One `Throttle` shared by a sync and an async function, and `call()`. */
export async function throttleClassExample(clock: Clock = realClock) {
  const t0 = clock.now();
  const t = new Throttle(100, { clock });
  const log: string[] = [];
  const syncWork = () => log.push(`sync@${clock.now() - t0}`);
  const syncFunction = t.wrap(syncWork);
  const asyncFunction = t.wrap(async () => log.push(`async@${clock.now() - t0}`));
  await Promise.all([syncFunction(), asyncFunction(), t.call(syncWork)]);
  return log;
}

/** AsyncUtils `throttle(rate_limit=2)`: ten calls, a burst of two, then two per second. */
export async function rateLimitExample(clock: Clock = realClock) {
  const t0 = clock.now();
  const apiCall = rateLimit({ rateLimit: 2, maxBurst: 2, clock })(
    async (endpoint: string) => `${endpoint}@${clock.now() - t0}`,
  );
  return Promise.all(Array.from({ length: 10 }, (_, i) => apiCall(`/e${i}`)));
}

/** AsyncUtils `batch_process(items, process_item, batch_size=10, max_concurrent=5)`. */
export async function batchProcessExample() {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const completed: number[] = [];
  const results = await batchProcess(items, async (x: number) => x * 2, {
    batchSize: 10,
    maxConcurrent: 5,
    onBatchComplete: (_, batchIndex) => {
      completed.push(batchIndex);
    },
  });
  return { results, completed };
}

/** AsyncUtils `retry(flaky_operation, retries=3, delay=1.0, backoff_factor=2.0)`. */
export async function retryExample(clock: Clock = realClock) {
  const attempts: number[] = [];
  const t0 = clock.now();
  const value = await retry(
    ({ attempt }) => {
      attempts.push(clock.now() - t0);
      if (attempt < 3) throw new Error(`connection reset (attempt ${attempt})`);
      return 'payload';
    },
    { retries: 3, delay: 100, backoffFactor: 2, clock },
  );
  return { value, attempts };
}

/** AsyncUtils `timeout_context(5.0, cleanup=cleanup_func)` around a 10 s operation. */
export async function timeoutContextExample(clock: Clock = realClock) {
  const log: string[] = [];
  try {
    await withTimeout(500, (signal) => clock.sleep(1000, signal), {
      clock,
      cleanup: () => {
        log.push('cleanup ran');
      },
    });
  } catch (error) {
    log.push(`caught ${(error as Error).name}`);
  }
  return log;
}

/** AsyncUtils `gather_with_concurrency(10, *tasks)` over 100 tasks. */
export async function gatherExample(clock: Clock = realClock) {
  let running = 0;
  let peak = 0;
  const thunks = Array.from({ length: 100 }, (_, i) => async () => {
    peak = Math.max(peak, ++running);
    await clock.sleep(10);
    running--;
    return i;
  });
  const results = await gatherWithConcurrency(10, thunks);
  return { sum: results.reduce((a, b) => a + b, 0), peak };
}

/** lionfuncs TaskGroup: tasks A (1.0 s), B (0.5 s), C (2.0 s); all awaited on exit. */
export async function taskGroupExample(clock: Clock = realClock) {
  const finished: string[] = [];
  const task = async (name: string, delay: number) => {
    await clock.sleep(delay);
    finished.push(name);
    return name;
  };
  await taskGroup((tg) => {
    tg.startSoon(task, 'A', 100);
    tg.startSoon(task, 'B', 50);
    tg.startSoon(task, 'C', 200);
  });
  return finished;
}

/** asyncio TaskGroup `fetch_all` / `fetch_with_error_handling`. */
export async function fetchAllExample(urls: string[], clock: Clock = realClock) {
  const fetchUrl = async (url: string) => {
    await clock.sleep(10);
    if (url.includes('error')) throw new Error(`Failed to fetch ${url}`);
    return { url, status: 200, contentLength: 1024 };
  };
  const results: ({ url: string; status: number } | null)[] = urls.map(() => null);
  try {
    await taskGroup((tg) => {
      urls.forEach((url, i) => {
        tg.startSoon(async () => {
          results[i] = await fetchUrl(url);
        });
      });
    });
    return { results, errors: [] as string[] };
  } catch (group) {
    const errors = (group as AggregateError).errors.map((e: Error) => e.message);
    return { results, errors };
  }
}

/** CancelScope with a deadline around a 10 s task, then a scope cancelled by hand after 1 s. */
export async function cancelScopeExample(clock: Clock = realClock) {
  const log: string[] = [];
  const longRunningTask = async (signal: AbortSignal) => {
    log.push('Starting long task');
    try {
      await clock.sleep(1000, signal);
      log.push('Long task completed');
    } catch (error) {
      log.push('Long task cancelled');
      throw error;
    }
  };
  const withDeadline = new CancelScope({ deadline: clock.now() + 200, clock });
  await withDeadline.run(longRunningTask);
  if (withDeadline.cancelledCaught) log.push('Caught deadline cancellation');

  const manual = new CancelScope({ clock });
  const done = manual.run(longRunningTask);
  await clock.sleep(100);
  manual.cancel();
  await done;
  if (manual.cancelledCaught) log.push('Task was cancelled');
  return log;
}

/** asyncio `timeout()` patterns: a timeout, a deadline, per-task timeouts, reschedule. */
export async function timeoutPatternsExample(clock: Clock = realClock) {
  const slowOperation = async (ms: number, signal?: AbortSignal) => {
    await clock.sleep(ms, signal);
    return `Completed after ${ms} ms`;
  };
  const withTimeoutResult =
    (await moveOnAfter(100, (s) => slowOperation(200, s), { clock })) ?? null;
  const deadline = new CancelScope({ deadline: clock.now() + 100, clock });
  const withDeadlineResult = (await deadline.run((s) => slowOperation(200, s))) ?? null;
  const fetchOne = async (url: string, timeout: number) => {
    const fetched = async (signal: AbortSignal) => {
      await slowOperation(50, signal);
      return `Fetched ${url}`;
    };
    return (await moveOnAfter(timeout, fetched, { clock })) ?? null;
  };
  const individual = await Promise.all([
    fetchOne('url1', 100),
    fetchOne('url2', 30),
    fetchOne('url3', 100),
  ]);
  const extended = new CancelScope({ timeout: 100, clock });
  const rescheduled = await extended.run(async (s) => {
    await clock.sleep(50, s);
    extended.reschedule(clock.now() + 200);
    await clock.sleep(100, s);
    return 'Completed with extended timeout';
  });
  return { withTimeoutResult, withDeadlineResult, individual, rescheduled };
}

/** What asyncio cannot do: a runaway CPU-bound task is stopped by moveOnAfter. */
export async function runawayExample(limitMs = 200) {
  const pool = createPool<typeof import('./async-tasks.js')>(
    new URL('./async-tasks.js', import.meta.url),
    { maxThreads: 1 },
  );
  try {
    await pool.run('fib', 1); // the thread is up: the limit below is run time only
    const stopped = await moveOnAfter(limitMs, () => pool.run('runaway', 0));
    const next = await pool.run('fib', 20);
    return { stopped, next, terminated: pool.stats().terminated };
  } finally {
    await pool.close();
  }
}

const main = process.argv[1];
if (main && pathToFileURL(main).href === import.meta.url) {
  console.log('maxConcurrent', await maxConcurrentExample());
  console.log('throttle', await throttleExample());
  console.log('Throttle', await throttleClassExample());
  console.log('rateLimit', await rateLimitExample());
  console.log('batchProcess', (await batchProcessExample()).results.slice(0, 5), '...');
  console.log('retry', await retryExample());
  console.log('withTimeout', await timeoutContextExample());
  console.log('gatherWithConcurrency', await gatherExample());
  console.log('taskGroup', await taskGroupExample());
  console.log('fetchAll', await fetchAllExample(['https://a/1', 'https://a/error']));
  console.log('CancelScope', await cancelScopeExample());
  console.log('timeouts', await timeoutPatternsExample());
  console.log('runaway', await runawayExample());
}
