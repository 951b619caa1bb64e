// @ts-check
/**
 * The producer: the same alcall over the machines of the cluster, then the
 * same work on a local pool of the same size, for comparison.
 *
 *   REDIS_PORT=6379 node examples/cluster/producer.js
 */
import { alcall, createPool } from 'poolcall';
import { connectQueue } from 'poolcall/bullmq';

const connection = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};
const count = Number(process.env.COUNT ?? 2000);
const ms = Number(process.env.TASK_MS ?? 2);
const items = Array.from({ length: count }, () => ms);

/** @type {import('poolcall/bullmq').RemoteQueue<typeof import('./tasks.js')>} */
const remote = connectQueue({ queue: 'cluster-example', connection });
await remote.ready();
console.log(
  'fib over the cluster:',
  await alcall([25, 26, 27], remote.task('fib'), { numRetries: 2 }),
);

for (const chunk of /** @type {const} */ ([1, 16, 'auto'])) {
  const start = performance.now();
  await alcall(items, remote.task('spin'), { chunkSize: chunk, numRetries: 1, retryTimeout: 1000 });
  const s = (performance.now() - start) / 1000;
  console.log(
    `cluster, chunkSize ${chunk}: ${count} tasks of ${ms} ms in ${s.toFixed(2)} s = ${Math.round(count / s)} tasks/s`,
  );
}
await remote.close();

const pool = createPool(new URL('./tasks.js', import.meta.url), {
  maxThreads: Number(process.env.THREADS ?? 2),
});
for (const chunk of /** @type {const} */ ([1, 16, 'auto'])) {
  const start = performance.now();
  await alcall(items, pool.task('spin'), { chunkSize: chunk, numRetries: 1, retryTimeout: 1000 });
  const s = (performance.now() - start) / 1000;
  console.log(
    `local pool, chunkSize ${chunk}: ${count} tasks of ${ms} ms in ${s.toFixed(2)} s = ${Math.round(count / s)} tasks/s`,
  );
}
await pool.close();
