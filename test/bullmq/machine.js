// @ts-check
/**
 * A machine for the BullMQ tests: a child process serving a pool of
 * ./tasks.js on one queue. It reports its worker's events, its server's
 * errors and its pool's statistics over IPC; on { type: 'close' } it closes the server and the
 * pool and lets the process end by itself.
 *
 * argv[2]: JSON { port, queue, threads?, lockDuration?, stalledInterval? }
 */
import { createPool } from 'poolcall';
import { serve } from 'poolcall/bullmq';

const config = JSON.parse(process.argv[2] ?? '{}');
const pool = createPool(new URL('./tasks.js', import.meta.url), {
  maxThreads: config.threads ?? 2,
  spareThreads: 0,
});
/** @param {Record<string, unknown>} message */
const send = (message) => {
  if (process.connected) process.send?.({ ...message, pid: process.pid, at: Date.now() });
};

const server = await serve(pool, {
  queue: config.queue,
  connection: { host: '127.0.0.1', port: config.port },
  ...(config.lockDuration ? { lockDuration: config.lockDuration } : {}),
  ...(config.stalledInterval ? { stalledInterval: config.stalledInterval } : {}),
  onError: (error) => send({ type: 'error', message: error.message }),
});

server.worker.on('active', (job) =>
  send({ type: 'active', jobId: job.id, name: job.name, attempt: job.attemptsMade + 1 }),
);
server.worker.on('completed', (job) => send({ type: 'completed', jobId: job.id }));
server.worker.on('lockRenewalFailed', (jobIds) => send({ type: 'lockRenewalFailed', jobIds }));
server.worker.on('failed', (job, error) =>
  send({
    type: 'failed',
    jobId: job?.id,
    attemptsMade: job?.attemptsMade,
    message: error.message,
    terminated: pool.stats().terminated,
  }),
);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  await pool.close();
  send({ type: 'closed' });
  if (process.connected) process.disconnect();
};
process.on('message', (/** @type {{ type: string }} */ message) => {
  if (message.type === 'stats') send({ type: 'stats', stats: pool.stats() });
  if (message.type === 'close') void close();
});
// The test process went away: end as well.
process.on('disconnect', () => void close());

send({ type: 'ready', concurrency: server.concurrency });
