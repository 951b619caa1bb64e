import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PORT, type RunningServer, startServer } from '../../examples/server.js';
import { until } from '../helpers.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A GET on its own connection (no keep-alive), so a stuck request never blocks another. */
async function get(url: string): Promise<Reply> {
  const req = http.get(url, { agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let text = '';
  for await (const chunk of res) text += chunk;
  return { status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) };
}

describe('examples/server', () => {
  it('documents the port default the code uses', async () => {
    const source = await readFile(new URL('../../examples/server.ts', import.meta.url), 'utf8');
    const header = source.slice(0, source.indexOf('*/'));
    expect(header.replace(/\n \* /g, ' ')).toContain(`\`PORT\` (default ${DEFAULT_PORT};`);
  });

  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /health and computes /fib on the pool', async () => {
    server = await startServer({ port: 0 });
    expect(server.port).toBeGreaterThan(0);
    expect(await get(`${server.url}/health`)).toMatchObject({ status: 200, body: { ok: true } });
    expect(await get(`${server.url}/fib?n=25`)).toMatchObject({
      status: 200,
      body: { n: 25, value: 75025 },
    });
    expect(server.pool?.stats().completed).toBe(1);
    expect((await get(`${server.url}/fib?n=abc`)).status).toBe(400);
    // A missing or empty n is a 400 too, not fib(0).
    expect((await get(`${server.url}/fib`)).status).toBe(400);
    expect((await get(`${server.url}/fib?n=`)).status).toBe(400);
    expect((await get(`${server.url}/fib?n=1.5`)).status).toBe(400);
    expect(await get(`${server.url}/fib?n=0`)).toMatchObject({ status: 200, body: { value: 0 } });
    expect((await get(`${server.url}/nope`)).status).toBe(404);
  });

  it('computes the same /fib inline on the main thread', async () => {
    server = await startServer({ port: 0, inline: true });
    expect(server.pool).toBeUndefined();
    expect((await get(`${server.url}/fib?n=20`)).body).toEqual({ n: 20, value: 6765 });
  });

  it('answers 504 when a request runs over its timeout, and the pool goes on', async () => {
    server = await startServer({ port: 0, threads: 1, timeout: 1000 });
    const reply = await get(`${server.url}/fib?n=50`);
    expect(reply.status).toBe(504);
    expect(reply.body.error).toBe('timeout');
    expect(server.pool?.stats().terminated).toBe(1);
    expect(await get(`${server.url}/fib?n=10`)).toMatchObject({ status: 200, body: { value: 55 } });
  });

  it('answers 503 with Retry-After when the queue bound is exceeded, while /health stays up', async () => {
    server = await startServer({ port: 0, threads: 1, maxQueue: 1, timeout: 10_000 });
    const pool = server.pool!;
    const running = get(`${server.url}/fib?n=50`);
    await until(() => pool.stats().busy === 1);
    const waiting = get(`${server.url}/fib?n=50`);
    await until(() => pool.stats().queued === 1);
    const rejected = await get(`${server.url}/fib?n=5`);
    expect(rejected.status).toBe(503);
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.body.error).toBe('busy');
    expect((await get(`${server.url}/health`)).status).toBe(200);
    // Closing fails the pending requests with 503 and ends the runaway thread.
    const closing = server.close();
    server = undefined;
    const [a, b] = await Promise.all([running, waiting]);
    expect([a.status, b.status]).toEqual([503, 503]);
    await closing;
  });

  it('shuts down cleanly: stops listening and closes the pool', async () => {
    const s = await startServer({ port: 0 });
    expect((await get(`${s.url}/fib?n=15`)).status).toBe(200);
    await s.close();
    await expect(s.pool!.run('fib', 1)).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
    await expect(get(`${s.url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
