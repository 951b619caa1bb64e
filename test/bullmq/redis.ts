/**
 * Starts a private redis-server on a free port of 127.0.0.1 for one test
 * file, kills it (SIGKILL) and starts it again on the same port, and stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

/** A redis-server the test controls. */
export interface RedisServer {
  readonly port: number;
  readonly connection: { host: string; port: number };
  /** SIGKILLs the server (nothing is saved on the way out) and waits until it exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with the same arguments, once it was killed or stopped. */
  restart(): Promise<void>;
  /** SIGTERMs the server and waits until it exited. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Persistence arguments. @default ['--appendonly', 'no'] (and never RDB snapshots) */
  readonly persistence?: readonly string[];
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function spawnRedis(args: readonly string[]): Promise<ChildProcess> {
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // However the test process ends (a failed hook, an uncaught error), the
  // server ends with it; stop() is the orderly way.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('error', (error) =>
      reject(new Error(`redis-server could not start (is it installed?): ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)),
    );
  }).catch((error: unknown) => {
    process.off('exit', kill);
    kill();
    throw error;
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Starts `redis-server --port <free> --save ''` (no AOF unless asked) and waits until it accepts connections. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    ...(options.persistence ?? ['--appendonly', 'no']),
  ];
  let child = await spawnRedis(args);
  return {
    port,
    connection: { host: '127.0.0.1', port },
    kill: () => end(child, 'SIGKILL'),
    restart: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        throw new Error('redis-server is still running: kill or stop it first');
      }
      child = await spawnRedis(args);
    },
    stop: () => end(child, 'SIGTERM'),
  };
}
