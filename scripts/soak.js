// @ts-check
/**
 * The long reliability run behind `npm run soak`: a chaos run over many items
 * (throwing, exiting, spinning, out-of-memory and uncloneable ones) and many
 * cancellation storms on one pool, printing figures. Exits 1 when any
 * item ended otherwise than planned or any storm call misbehaved or hung.
 *
 * SOAK_ITEMS (default 100000), SOAK_STORMS (1000), SOAK_CALLS per storm (20).
 * On a runtime whose workers ignore heap limits (Bun, Deno), the pool has no
 * `resourceLimits` (createPool refuses them there) and the chaos run has no
 * out-of-memory items.
 */
import { alcall, bcall, createPool, imap } from 'poolcall';
import { currentRuntime, enforcesResourceLimits } from '../dist/main/common/runtime.js';
import { faultCounts, makeItems, mismatches } from '../test/reliability/plan.js';
import { storm } from '../test/reliability/storm.js';

const ITEMS = Number(process.env.SOAK_ITEMS ?? 100_000);
const STORMS = Number(process.env.SOAK_STORMS ?? 1000);
const CALLS = Number(process.env.SOAK_CALLS ?? 20);
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);
const mb = (/** @type {number} */ b) => Math.round(b / 2 ** 20);
const heapLimits = enforcesResourceLimits(currentRuntime());

/** @type {import('../test/reliability/storm.js').ChaosPool} */
const pool = createPool(new URL('../test/fixtures/chaos-tasks.js', import.meta.url), {
  maxThreads: 2,
  ...(heapLimits ? { resourceLimits: { maxOldGenerationSizeMb: 16 } } : {}),
});
const chaos = pool.task('chaos');
gc?.();
const heapStart = process.memoryUsage().heapUsed;
let failed = false;

/** @type {{ name: string, run: (items: import('../test/reliability/plan.js').ChaosItem[], o: import('poolcall').ALCallOptions) => Promise<unknown[]> }[]} */
const modes = [
  { name: 'alcall', run: (items, o) => alcall(items, chaos, o) },
  { name: 'alcall chunkSize 16', run: (items, o) => alcall(items, chaos, { ...o, chunkSize: 16 }) },
  {
    name: "imap chunkSize 'auto'",
    run: async (items, o) => {
      const out = [];
      for await (const v of imap(items, chaos, { ...o, chunkSize: 'auto' })) out.push(v);
      return out;
    },
  },
  {
    name: 'bcall batchSize 1000 chunkSize 8',
    run: async (items, o) => {
      const out = [];
      for await (const b of bcall(items, chaos, { ...o, batchSize: 1000, chunkSize: 8 })) {
        out.push(...b);
      }
      return out;
    },
  },
];
/** @type {import('../test/reliability/plan.js').Policy[]} */
const policies = [
  { numRetries: 1, returnExceptions: true },
  { numRetries: 2, retryDefault: 'D' },
];

console.log(`chaos: ${ITEMS} items on 2 threads`);
const per = Math.ceil(ITEMS / modes.length);
let total = 0;
let wrong = 0;
const chaosStart = performance.now();
for (const [m, mode] of modes.entries()) {
  const policy = /** @type {import('../test/reliability/plan.js').Policy} */ (
    policies[m % policies.length]
  );
  const mix = {
    throw: Math.ceil(per / 100),
    exit: Math.ceil(per / 2500),
    spin: 2,
    getter: Math.ceil(per / 5000),
    proxy: Math.ceil(per / 5000),
    ...(m === 0 && heapLimits ? { oom: 2 } : {}),
  };
  const items = makeItems(per, mix, { seed: 100 + m, maxFaults: 3 });
  const before = pool.stats().terminated;
  const t0 = performance.now();
  const out = await mode.run(items, { ...policy, retryTimeout: 1000 });
  const ms = performance.now() - t0;
  const bad = mismatches(items, out, policy);
  total += items.length;
  wrong += bad.length;
  const faults = faultCounts(items, policy);
  console.log(
    `  ${mode.name.padEnd(34)} ${items.length} items  ${Math.round((items.length / ms) * 1000)} items/s  ` +
      `faults hit ${JSON.stringify(faults)}  terminated ${pool.stats().terminated - before}  wrong ${bad.length}`,
  );
  for (const b of bad.slice(0, 5)) console.log(`    ${b}`);
}
console.log(
  `  total ${total} items in ${Math.round(performance.now() - chaosStart)} ms, ${wrong} not as planned`,
);
if (wrong > 0) failed = true;

console.log(`storms: ${STORMS} x ${CALLS} calls`);
const stormStart = performance.now();
let problems = 0;
let unsettled = 0;
/** @type {Record<string, number>} */
const outcomes = {};
for (let s = 0; s < STORMS; s++) {
  const report = await storm(pool, { seed: 1000 + s, calls: CALLS });
  problems += report.problems.length;
  unsettled += report.calls - report.settled;
  for (const [k, n] of Object.entries(report.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  for (const p of report.problems.slice(0, 3)) console.log(`    storm ${s}: ${p}`);
  if ((s + 1) % 100 === 0) {
    console.log(`  ${s + 1} storms, ${Math.round(performance.now() - stormStart)} ms`);
  }
}
// Calls that moved on leave their tasks running a little longer: the pool
// must be idle again within IDLE_MS of the last storm.
const IDLE_MS = 30_000;
const idleBy = performance.now() + IDLE_MS;
while ((pool.stats().busy > 0 || pool.stats().queued > 0) && performance.now() < idleBy) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const stats = pool.stats();
console.log(
  `  ${STORMS * CALLS} calls in ${Math.round(performance.now() - stormStart)} ms: ${problems} problems, ${unsettled} unsettled`,
);
console.log(`  outcomes ${JSON.stringify(outcomes)}`);
console.log(
  `pool: busy ${stats.busy}, queued ${stats.queued}, completed ${stats.completed}, failed ${stats.failed}, terminated ${stats.terminated}`,
);
if (problems > 0 || unsettled > 0 || stats.busy !== 0 || stats.queued !== 0) failed = true;
gc?.();
console.log(
  `heap: ${mb(heapStart)} MB at start, ${mb(process.memoryUsage().heapUsed)} MB at end${gc ? ' (after gc)' : ''}; rss ${mb(process.memoryUsage().rss)} MB`,
);
const closeStart = performance.now();
await pool.close();
console.log(`close: ${Math.round(performance.now() - closeStart)} ms`);
process.exitCode = failed ? 1 : 0;
