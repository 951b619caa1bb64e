// @ts-check
/**
 * Runs many small alcalls in a row on one pool and prints heap and handle
 * figures as JSON. Needs `node --expose-gc`.
 * Usage: node --expose-gc leak-child.js [calls]
 */
import { alcall, createPool } from 'poolcall';

const calls = Number(process.argv[2] ?? 10_000);
const gc = /** @type {() => void} */ (globalThis.gc);
/** @type {import('poolcall').Pool<typeof import('../fixtures/chaos-tasks.js')>} */
const pool = createPool(new URL('../fixtures/chaos-tasks.js', import.meta.url), { maxThreads: 2 });
const double = pool.task('double');
const onMain = async (/** @type {number} */ x) => x * 2;

/** One call of a rotating kind: worker task plain, chunked, timed, failing-and-defaulted, main thread. */
async function call(/** @type {number} */ i) {
  const items = [i, i + 1];
  let out;
  switch (i % 5) {
    case 0:
      out = await alcall(items, double);
      break;
    case 1:
      out = await alcall(items, double, { chunkSize: 2 });
      break;
    case 2:
      out = await alcall(items, double, { retryTimeout: 5_000 });
      break;
    case 3:
      out = await alcall(items, pool.task('chaos'), {
        retryDefault: -1,
        chunkSize: 2,
      });
      break;
    default:
      out = await alcall(items, onMain, { maxConcurrent: 1, numRetries: 1 });
  }
  if (out.length !== 2) throw new Error(`call ${i}: ${JSON.stringify(out)}`);
}

async function settle() {
  for (let k = 0; k < 4; k++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

/** Counts of active resources by type. */
function resources() {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

for (let i = 0; i < 500; i++) await call(i);
await settle();
const heapBefore = process.memoryUsage().heapUsed;
const resourcesBefore = resources();
const t0 = performance.now();
let heapMid = 0;
for (let i = 0; i < calls; i++) {
  await call(i);
  if (i === Math.floor(calls / 2)) {
    await settle();
    heapMid = process.memoryUsage().heapUsed;
  }
}
const ms = performance.now() - t0;
await settle();
const heapAfter = process.memoryUsage().heapUsed;
const resourcesAfter = resources();
const stats = pool.stats();
await pool.close();
const mb = (/** @type {number} */ b) => Math.round((b / 2 ** 20) * 100) / 100;
console.log(
  JSON.stringify({
    calls,
    ms: Math.round(ms),
    heapBeforeMB: mb(heapBefore),
    heapMidMB: mb(heapMid),
    heapAfterMB: mb(heapAfter),
    growthMB: mb(heapAfter - heapBefore),
    resourcesBefore,
    resourcesAfter,
    busy: stats.busy,
    queued: stats.queued,
  }),
);
