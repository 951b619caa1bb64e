// @ts-check
/**
 * Runs the whole example on one computer: a redis-server on a free port
 * (unless REDIS_PORT names a running one), two machine processes and the
 * producer; then stops everything.
 *
 *   npm run build && node examples/cluster/run.js
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  server.close();
  return port;
}

let redis;
let port = process.env.REDIS_PORT;
if (!port) {
  port = String(await freePort());
  redis = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  for await (const chunk of /** @type {NodeJS.ReadableStream} */ (redis.stdout)) {
    out += chunk;
    if (out.includes('Ready to accept connections')) break;
  }
  redis.stdout?.resume();
}
const env = { ...process.env, REDIS_PORT: port };
const here = new URL('./', import.meta.url);
const machines = [0, 1].map(() => fork(new URL('machine.js', here), { env, execArgv: [] }));
await Promise.all(machines.map((m) => once(m, 'message')));

const producer = fork(new URL('producer.js', here), { env, execArgv: [] });
const [code] = await once(producer, 'exit');

for (const m of machines) m.disconnect();
await Promise.all(machines.map((m) => once(m, 'exit')));
if (redis) {
  redis.kill();
  await once(redis, 'exit');
}
process.exitCode = code ?? 1;
