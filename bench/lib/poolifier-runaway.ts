/**
 * Child process for the timeout suite: a poolifier runaway task aborted by
 * `AbortSignal.timeout(deadline)`. Prints the deadline → rejection time, or
 * that no rejection came within a second; then exits, which also ends the
 * worker thread that poolifier cannot stop.
 */
import { FixedThreadPool } from 'poolifier';
import { THREADS } from './peers.js';

const deadline = Number(process.argv[2] ?? 50);
const pool = new FixedThreadPool(
  THREADS,
  new URL('../fixtures/poolifier-worker.js', import.meta.url).pathname,
  { errorHandler: () => {} },
);
await pool.execute(1, 'inc');
const t0 = performance.now();
const settled = pool.execute(0, 'forever', AbortSignal.timeout(deadline)).then(
  () => 'resolved',
  () => `${(performance.now() - t0 - deadline).toFixed(1)} ms`,
);
const cap = new Promise<string>((resolve) =>
  setTimeout(
    () => resolve('never (the abort cannot reach a blocked worker; the thread keeps spinning)'),
    1000,
  ),
);
console.log(await Promise.race([settled, cap]));
process.exit(0);
