/**
 * The alcall / bcall / parallelMap / ALCallParams / BCallParams examples of
 * the lionfuncs guide and API reference, in poolcall. Durations are ms (the
 * Python `0.1` s sleeps become 10 ms here so the examples run quickly).
 *
 * Run: `npm run build && node --import tsx examples/seeds-alcall.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ALCallParams, alcall, BCallParams, bcall, parallelMap } from 'poolcall';

const WORK_MS = 10;

async function processItem(item: number): Promise<number> {
  await sleep(WORK_MS); // simulate some async work
  return item * 2;
}

/** Guide, "Basic Usage": process all items concurrently. */
export async function basicUsage(): Promise<number[]> {
  return alcall([1, 2, 3, 4, 5], processItem); // [2, 4, 6, 8, 10]
}

/** Guide, "Controlling Concurrency": 100 items, at most 10 at once. */
export async function controllingConcurrency(): Promise<number[]> {
  const items = Array.from({ length: 100 }, (_, i) => i);
  return alcall(items, processItem, { maxConcurrent: 10 });
}

/** Guide, "Retries and Error Handling": a flaky operation, retried with backoff, 'FAILED' as default. */
export async function retriesAndErrors(random: () => number = Math.random) {
  const flakyOperation = async (item: number) => {
    if (random() < 0.3) throw new Error(`Failed to process ${item}`);
    return item * 2;
  };
  const items = Array.from({ length: 20 }, (_, i) => i);
  return alcall(items, flakyOperation, {
    numRetries: 3, // number of retry attempts
    retryDelay: 5, // initial delay between retries (Python: 0.5 s)
    backoffFactor: 2, // factor to increase the delay with each retry
    retryDefault: 'FAILED', // default value if all retries fail
  });
}

/** Guide, "Timing Information": each result is `[result, durationMs]`. */
export async function timingInformation() {
  const items = Array.from({ length: 10 }, (_, i) => i);
  const results = await alcall(items, processItem, { retryTiming: true });
  for (const [result, duration] of results) {
    console.log(`Result: ${result}, Duration: ${duration.toFixed(1)} ms`);
  }
  return results;
}

/** Guide, "Input and Output Processing": nested input, flattened and cleaned output. */
export async function inputAndOutputProcessing(): Promise<unknown[]> {
  const nestedInput = [
    [1, 2],
    [3, 4],
    [5, 6],
  ];
  return alcall(nestedInput, processItem, {
    sanitizeInput: true, // flatten and clean the input
    flatten: true, // flatten the output
    dropna: true, // drop null/undefined results
    uniqueOutput: true, // remove duplicates from the output
  }); // [2, 4, 6, 8, 10, 12]
}

/** Guide, bcall "Basic Usage": batches of 10. */
export async function bcallBasic(): Promise<number[][]> {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const batches: number[][] = [];
  for await (const batchResults of bcall(items, processItem, { batchSize: 10 })) {
    batches.push(batchResults);
    console.log(`Batch ${batches.length} results: ${batchResults.slice(0, 3)}...`);
  }
  return batches;
}

/** Guide, bcall "Combining with alcall Parameters". */
export async function bcallWithParams(): Promise<number[]> {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const allResults: number[] = [];
  for await (const batchResults of bcall(items, processItem, {
    batchSize: 20,
    maxConcurrent: 5, // limit concurrency within each batch
    numRetries: 2, // retry failed operations
    retryDelay: 5, // initial delay between retries
    backoffFactor: 2, // factor to increase the delay with each retry
  })) {
    allResults.push(...batchResults);
  }
  return allResults;
}

/** API reference, alcall: basic, limited, retries with timing, throttled. */
export async function alcallReference() {
  const items = [1, 2, 3, 4, 5];
  const basic = await alcall(items, processItem);
  const limited = await alcall(items, processItem, { maxConcurrent: 2 });
  const timed = await alcall(items, processItem, {
    numRetries: 3,
    retryDelay: 10,
    backoffFactor: 2,
    retryTiming: true,
  }); // [[2, ~10], [4, ~10], ...]
  const throttled = await alcall(items, processItem, { throttlePeriod: 20 });
  return { basic, limited, timed, throttled };
}

/** API reference, bcall: batches of 5, then with a concurrency limit. */
export async function bcallReference() {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const plain: number[][] = [];
  for await (const batchResults of bcall(items, processItem, { batchSize: 5 })) {
    plain.push(batchResults);
  }
  const limited: number[][] = [];
  for await (const batchResults of bcall(items, processItem, { batchSize: 5, maxConcurrent: 2 })) {
    limited.push(batchResults);
  }
  return { plain, limited };
}

/** API reference, parallel_map: at most 3 at once. */
export async function parallelMapReference(): Promise<number[]> {
  return parallelMap(processItem, [1, 2, 3, 4, 5], 3); // [2, 4, 6, 8, 10]
}

/** API reference, ALCallParams: one configuration, several inputs. */
export async function alcallParamsReference() {
  const params = new ALCallParams({
    maxConcurrent: 3,
    numRetries: 2,
    retryDelay: 10,
    backoffFactor: 2,
  });
  const results1 = await params.call([1, 2, 3, 4, 5], processItem);
  const results2 = await params.call([10, 20, 30], processItem);
  return { results1, results2 };
}

/** API reference, BCallParams: one batch configuration. */
export async function bcallParamsReference(): Promise<unknown[][]> {
  const params = new BCallParams({ batchSize: 5, maxConcurrent: 3, numRetries: 2 });
  const batches: unknown[][] = [];
  for await (const batchResults of params.call(
    Array.from({ length: 20 }, (_, i) => i),
    processItem,
  )) {
    batches.push(batchResults);
  }
  return batches;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (isMain) {
  console.log('basic', await basicUsage());
  console.log('concurrency', (await controllingConcurrency()).length);
  console.log('retries', await retriesAndErrors());
  await timingInformation();
  console.log('shaping', await inputAndOutputProcessing());
  await bcallBasic();
  console.log('bcall + params', (await bcallWithParams()).length);
  console.log('alcall reference', await alcallReference());
  console.log('bcall reference', await bcallReference());
  console.log('parallelMap', await parallelMapReference());
  console.log('ALCallParams', await alcallParamsReference());
  console.log('BCallParams', await bcallParamsReference());
}
