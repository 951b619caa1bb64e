/**
 * An HTTP server that stays responsive under CPU load: `/fib?n=` runs on a
 * poolcall pool with a per-request timeout (HTTP 504, and the runaway worker
 * is terminated) and a bounded queue (HTTP 503 with Retry-After when full),
 * while `/health` answers from the main thread at once.
 *
 * Run it: `node dist-bench/examples/server.js` (after `npm run bench` built it)
 * or `npx tsx examples/server.ts`. The environment configures it: `PORT`
 * (default 3000; `startServer()` itself picks a free port unless given one),
 * `THREADS` (2), `TIMEOUT_MS` (1000), `MAX_QUEUE` (32) and `INLINE=1` (the
 * same work on the main thread, for comparison).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createPool, isPoolcallError, type Pool } from 'poolcall';
import * as tasks from './server-tasks.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Run `/fib` inline on the main thread instead of on the pool (no timeout, no bound). @default false */
  inline?: boolean;
  /** Worker threads of the pool. @default 2 */
  threads?: number;
  /** Per-request limit for `/fib`, ms; past it the worker is terminated and the answer is 504. @default 1000 */
  timeout?: number;
  /** Requests that may wait for a worker; beyond that `/fib` answers 503. @default 32 */
  maxQueue?: number;
  /** Largest `n` accepted by `/fib`. @default 50 */
  maxN?: number;
}

/** A started server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** The pool behind `/fib` (undefined when inline). */
  readonly pool: Pool<typeof tasks> | undefined;
  /** Stops listening, fails pending `/fib` requests with 503, ends the threads. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function send(res: http.ServerResponse, status: number, body: Json, headers: Json = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Maps a failed `/fib` call to an HTTP answer. */
function failure(res: http.ServerResponse, error: unknown): void {
  if (isPoolcallError(error, 'ERR_TASK_TIMEOUT')) {
    send(res, 504, { error: 'timeout', message: (error as Error).message });
  } else if (isPoolcallError(error, 'ERR_QUEUE_FULL')) {
    send(res, 503, { error: 'busy', message: (error as Error).message }, { 'retry-after': '1' });
  } else if (isPoolcallError(error, 'ERR_POOL_CLOSED')) {
    send(res, 503, { error: 'shutting down' }, { connection: 'close' });
  } else {
    send(res, 500, { error: 'internal', message: String(error) });
  }
}

/**
 * Starts the server.
 *
 * @example
 * ```ts
 * const server = await startServer({ port: 0 });
 * const r = await fetch(`${server.url}/fib?n=30`); // { n: 30, value: 832040 }
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const { inline = false, timeout = 1000, maxN = 50 } = options;
  const pool = inline
    ? undefined
    : createPool<typeof tasks>(new URL('./server-tasks.js', import.meta.url), {
        maxThreads: options.threads ?? 2,
        maxQueue: options.maxQueue ?? 32,
      });
  const fib = (n: number): Promise<number> =>
    pool ? pool.run('fib', n, { timeout }) : Promise.resolve(tasks.fib(n));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    if (url.pathname !== '/fib') return send(res, 404, { error: 'not found' });
    // `n` must be given as digits: a missing or empty `n` is a 400, not fib(0).
    const text = url.searchParams.get('n');
    const n = text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > maxN) {
      return send(res, 400, { error: `n must be an integer from 0 to ${maxN}` });
    }
    fib(n).then(
      (value) => send(res, 200, { n, value }),
      (error: unknown) => failure(res, error),
    );
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    port,
    pool,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await pool?.close({ force: true });
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The port the server listens on when run as a program and `PORT` is unset. */
export const DEFAULT_PORT = 3000;

const main = process.argv[1];
if (main && pathToFileURL(main).href === import.meta.url) {
  const env = process.env;
  const server = await startServer({
    port: Number(env.PORT ?? DEFAULT_PORT),
    inline: env.INLINE === '1',
    ...(env.THREADS ? { threads: Number(env.THREADS) } : {}),
    ...(env.TIMEOUT_MS ? { timeout: Number(env.TIMEOUT_MS) } : {}),
    ...(env.MAX_QUEUE ? { maxQueue: Number(env.MAX_QUEUE) } : {}),
  });
  console.log(JSON.stringify({ url: server.url, port: server.port }));
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
