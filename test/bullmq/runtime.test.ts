/**
 * poolcall/bullmq on the runtime the suite runs on: refused with
 * UnsupportedRuntimeError where the runtime cannot serve BullMQ (Deno),
 * accepted everywhere else.
 */
import { createPool, UnsupportedRuntimeError } from 'poolcall';
import { connectQueue, serve } from 'poolcall/bullmq';
import { describe, expect, it } from 'vitest';
import { servesBullmq } from '../../src/main/common/runtime.js';
import { runtime, runtimeName } from '../helpers.js';

const QUEUE = 'poolcall-runtime-check';

describe(`poolcall/bullmq on ${runtimeName}`, () => {
  if (!servesBullmq(runtime)) {
    it('serve and connectQueue throw UnsupportedRuntimeError naming the runtime', async () => {
      const expected = {
        code: 'ERR_UNSUPPORTED_RUNTIME',
        runtime: runtimeName,
        feature: 'poolcall/bullmq',
      };
      let refused: unknown;
      try {
        connectQueue({ queue: QUEUE, connection: { port: 1 } });
      } catch (e) {
        refused = e;
      }
      expect(refused).toBeInstanceOf(UnsupportedRuntimeError);
      expect(refused).toMatchObject(expected);
      expect((refused as Error).message).toContain(
        `connectQueue: poolcall/bullmq is not supported on ${runtimeName}`,
      );
      const pool = createPool(new URL('./tasks.js', import.meta.url), { maxThreads: 1 });
      try {
        const served = await serve(pool, { queue: QUEUE, connection: { port: 1 } }).catch(
          (e: unknown) => e,
        );
        expect(served).toBeInstanceOf(UnsupportedRuntimeError);
        expect(served).toMatchObject(expected);
      } finally {
        await pool.close();
      }
    });
  } else {
    it('connectQueue is accepted (the end-to-end suites run here)', async () => {
      const remote = connectQueue({
        queue: QUEUE,
        connection: { host: '127.0.0.1', port: 1, maxRetriesPerRequest: 0 },
      });
      expect(typeof remote.task('inc')).toBe('function');
      await remote.close({ force: true });
    });
  }
});
