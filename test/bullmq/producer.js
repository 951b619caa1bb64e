// @ts-check
/**
 * A producer for the BullMQ tests: runs one remote call, prints its result
 * as JSON, closes the connection and lets the process end by itself.
 *
 * argv[2]: JSON { port, queue, task, item }
 */
import { connectQueue } from 'poolcall/bullmq';

const config = JSON.parse(process.argv[2] ?? '{}');
const remote = connectQueue({
  queue: config.queue,
  connection: { host: '127.0.0.1', port: config.port },
});
const result = await remote.task(config.task)(config.item);
process.stdout.write(`${JSON.stringify(result)}\n`);
await remote.close();
