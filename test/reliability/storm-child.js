// @ts-check
/**
 * Runs cancellation storms on one pool, closes it, and prints a JSON report.
 * It never calls process.exit: the parent checks that it ends by itself.
 * Usage: node storm-child.js [storms] [calls per storm] [seed]
 */
import { createPool } from 'poolcall';
import { storm } from './storm.js';

const storms = Number(process.argv[2] ?? 2);
const calls = Number(process.argv[3] ?? 30);
const seed = Number(process.argv[4] ?? 1);
/** @type {import('./storm.js').ChaosPool} */
const pool = createPool(new URL('../fixtures/chaos-tasks.js', import.meta.url), { maxThreads: 2 });
let problems = 0;
let unsettled = 0;
for (let s = 0; s < storms; s++) {
  const report = await storm(pool, { seed: seed + s, calls });
  problems += report.problems.length;
  unsettled += report.calls - report.settled;
  for (const p of report.problems.slice(0, 5)) console.error(p);
}
await pool.close();
console.log(JSON.stringify({ storms, calls, problems, unsettled }));
