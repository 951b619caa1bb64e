/**
 * poolcall/bullmq's peers are optional: `poolcall` never loads them, and a
 * missing one fails with ERR_MISSING_PEER naming it and the install command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isPoolcallError, UnsupportedRuntimeError } from 'poolcall';
import { connectQueue, serve } from 'poolcall/bullmq';
import { describe, expect, it } from 'vitest';
import { loadBullmq, loadPeer } from '../../src/main/bullmq/peer.js';
import { servesBullmq } from '../../src/main/common/runtime.js';
import { runtime } from '../helpers.js';

/** Every module specifier `dist/main/index.js` reaches through relative imports. */
function importGraph(entry: URL): Set<string> {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = readFileSync(url, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      specifiers.add(specifier!);
      const next = new URL(specifier!, url);
      if (specifier!.startsWith('.') && existsSync(next)) visit(next);
    }
  };
  visit(entry);
  return specifiers;
}

describe('poolcall/bullmq peers', () => {
  it('importing poolcall never reaches bullmq or ioredis', () => {
    const specifiers = importGraph(new URL('../../dist/main/index.js', import.meta.url));
    expect(specifiers.size).toBeGreaterThan(5);
    expect([...specifiers].filter((s) => /bullmq|ioredis/.test(s))).toEqual([]);
  });

  it('a missing peer fails with ERR_MISSING_PEER naming the package and the install command', async () => {
    const error = await loadPeer('poolcall-no-such-peer').catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_MISSING_PEER')).toBe(true);
    expect((error as Error).message).toContain('"poolcall-no-such-peer"');
    expect((error as Error).message).toContain('npm install bullmq ioredis');

    const nested = await loadBullmq(() =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'ioredis' imported from /x/bullmq/index.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
      ),
    ).catch((e: unknown) => e);
    expect(isPoolcallError(nested, 'ERR_MISSING_PEER')).toBe(true);
    expect((nested as Error).message).toContain('"ioredis"');
  });

  it('other import failures are not reported as a missing peer', async () => {
    const boom = new SyntaxError('Unexpected token');
    await expect(loadPeer('x', () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('serve rejects bad options before connecting', async () => {
    const pool = { dispatcher: { slots: 2 }, attempt: async () => undefined };
    await expect(serve(pool, { queue: '', connection: {} })).rejects.toThrow(TypeError);
    await expect(serve(pool, { queue: 'q', connection: {}, concurrency: 0 })).rejects.toThrow(
      /concurrency.*0/,
    );
    await expect(serve(pool, { queue: 'q', connection: {}, lockDuration: -1 })).rejects.toThrow(
      RangeError,
    );
  });

  it('connectQueue checks its options at once, before the runtime', () => {
    // Bad options are reported as such on every runtime, even one that
    // refuses poolcall/bullmq: good ones then meet that refusal.
    expect(() => connectQueue({ queue: '', connection: {} })).toThrow(TypeError);
    expect(() => connectQueue({ queue: 'q', connection: {}, maxInFlight: 0 })).toThrow(
      /maxInFlight.*0/,
    );
    expect(() => connectQueue({ queue: 'q', connection: {}, lostJobRetries: 1.5 })).toThrow(
      new RangeError(
        'connectQueue: option "lostJobRetries" must be an integer >= 0 or Infinity, received 1.5',
      ),
    );
    const interval = (value: unknown) => () =>
      connectQueue({ queue: 'q', connection: {}, lostJobCheckInterval: value as number });
    expect(interval('1s')).toThrow(TypeError);
    expect(interval(0)).toThrow(/lostJobCheckInterval.*received 0/);
    expect(interval(Number.NaN)).toThrow(RangeError);
    if (servesBullmq(runtime)) expect(interval(Number.POSITIVE_INFINITY)).not.toThrow();
    else expect(interval(Number.POSITIVE_INFINITY)).toThrow(UnsupportedRuntimeError);
  });
});
