// @ts-check
/**
 * One machine: serves a pool of ./tasks.js on the queue until SIGTERM/SIGINT
 * (or until its parent process disconnects), then closes and exits by itself.
 *
 *   REDIS_PORT=6379 THREADS=2 node examples/cluster/machine.js
 */
import { createPool } from 'poolcall';
import { serve } from 'poolcall/bullmq';

const connection = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};
const pool = createPool(new URL('./tasks.js', import.meta.url), {
  maxThreads: Number(process.env.THREADS ?? 2),
});
const server = await serve(pool, { queue: 'cluster-example', connection });
console.error(`machine ${process.pid}: serving with concurrency ${server.concurrency}`);

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  await pool.close();
  if (process.connected) process.disconnect();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
process.send?.('ready');
