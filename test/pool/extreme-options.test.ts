/**
 * createPool with extreme options on a real pool: thread counts past the cap
 * are refused before any thread starts; sizes that allocate nothing up front
 * take huge values and still work; what goes to piscina (workerData,
 * resourceLimits, env) is checked first; and durations past 2^31 - 1 ms
 * (per-attempt worker deadlines, idleTimeout, terminateTimeout) neither fire
 * early nor warn.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SHARE_ENV } from 'node:worker_threads';
import { alcall, bcall, createPool, imap, rateLimit } from 'poolcall';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handshake, heapLimits, runNode, tasksUrl } from '../helpers.js';

const capChild = fileURLToPath(new URL('cap-child.js', import.meta.url));

describe('thread counts above the cap', () => {
  for (const [name, value] of [
    ['maxThreads', 1e12],
    ['minThreads', 1025],
    ['spareThreads', 1e9],
  ] as const) {
    it(`${name}: ${value} is a RangeError naming it, and no thread starts`, async () => {
      // In a child: without the cap the process would try to start that many
      // threads and die of a fatal out-of-memory error (or hang).
      const options =
        name === 'minThreads' ? { minThreads: value, maxThreads: 2000 } : { [name]: value };
      // A script file beside the tests rather than `-e` or a temporary file:
      // every runtime takes a file, and Deno resolves the packages the script
      // imports from the project the file sits in.
      const run = await runNode([capChild, JSON.stringify(options)], 20_000);
      expect(run.hung).toBe(false);
      expect(run.code).toBe(0);
      const reported = JSON.parse(run.stdout.trim()) as { name: string; message: string };
      expect(reported.name).toBe('RangeError');
      const offending = name === 'minThreads' ? 'maxThreads' : name;
      expect(reported.message).toContain(`"${offending}"`);
      expect(reported.message).toContain('1024');
    });
  }

  it('a RangeError for each count, in process too', () => {
    expect(() => createPool(tasksUrl, { maxThreads: 1025 })).toThrow(
      /option "maxThreads" must be at most 1024 \(threads\), received 1025/,
    );
    expect(() => createPool(tasksUrl, { spareThreads: 4096 })).toThrow(RangeError);
    expect(() => createPool(tasksUrl, { minThreads: 2000, maxThreads: 1 })).toThrow(
      /"minThreads" must be at most 1024/,
    );
  });
});

describe('sizes that allocate nothing up front', () => {
  it('take huge finite values and still work', async () => {
    await using pool = createPool(tasksUrl, {
      maxThreads: 1,
      concurrentTasksPerWorker: 1e9,
      maxQueue: 1e15,
    });
    const inc = pool.task('inc');
    const heap = process.memoryUsage().heapUsed;
    expect(await alcall([1, 2, 3], inc, { chunkSize: 1e12, maxConcurrent: 1e12 })).toEqual([
      2, 3, 4,
    ]);
    const streamed: unknown[] = [];
    for await (const r of imap([1, 2, 3], inc, { chunkSize: 1e12, maxConcurrent: 1e12 })) {
      streamed.push(r);
    }
    expect(streamed).toEqual([2, 3, 4]);
    const batches: unknown[][] = [];
    for await (const b of bcall([1, 2, 3], inc, { batchSize: 1e12, maxConcurrent: 1e12 })) {
      batches.push(b);
    }
    expect(batches).toEqual([[2, 3, 4]]);
    const limited = rateLimit({ rateLimit: 1e300, maxBurst: 1e300 })(inc);
    expect(await limited(5)).toBe(6);
    // Nothing sized by those options was allocated (1e9 slots would be gigabytes).
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 2 ** 20);
  });

  it('maxConcurrent: Infinity stays valid (unbounded)', async () => {
    await using pool = createPool(tasksUrl, { maxThreads: 1 });
    expect(
      await alcall([1, 2], pool.task('inc'), { maxConcurrent: Number.POSITIVE_INFINITY }),
    ).toEqual([2, 3]);
  });
});

describe('options passed through to piscina', () => {
  it('workerData that cannot be cloned is a TypeError naming it, DataCloneError as cause', () => {
    let error: unknown;
    try {
      createPool(tasksUrl, { workerData: () => 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('option "workerData" must be structured-cloneable');
    expect((error as Error).message).toContain('received a function');
    expect(((error as Error).cause as Error).name).toBe('DataCloneError');
    expect(() => createPool(tasksUrl, { workerData: { s: Symbol('x') } })).toThrow(TypeError);
  });

  it('resourceLimits: known keys only, each a finite number > 0', () => {
    const bad: [unknown, typeof TypeError | typeof RangeError, string][] = [
      [{ maxOldGenerationSizeMb: '64' }, TypeError, '"maxOldGenerationSizeMb" must be a number'],
      [{ maxOldGenerationSizeMb: -1 }, RangeError, 'received -1'],
      [{ maxYoungGenerationSizeMb: 0 }, RangeError, '"maxYoungGenerationSizeMb"'],
      [{ stackSizeMb: Number.POSITIVE_INFINITY }, RangeError, '"stackSizeMb"'],
      [{ codeRangeSizeMb: Number.NaN }, RangeError, '"codeRangeSizeMb"'],
      [{ maxOldGenerationSizeMB: 64 }, TypeError, 'did you mean "maxOldGenerationSizeMb"'],
      [{ constructor: 1 }, TypeError, 'unknown option "constructor"'],
      ['64', TypeError, 'resourceLimits'],
    ];
    for (const [resourceLimits, Err, text] of bad) {
      expect(() => createPool(tasksUrl, { resourceLimits: resourceLimits as never })).toThrow(Err);
      expect(() => createPool(tasksUrl, { resourceLimits: resourceLimits as never })).toThrow(text);
    }
  });

  it('env: an object of strings or SHARE_ENV', async () => {
    expect(() => createPool(tasksUrl, { env: { A: 1 } as never })).toThrow(
      /option "env": "A" must be a string, received 1/,
    );
    expect(() => createPool(tasksUrl, { env: 'A=1' as never })).toThrow(TypeError);
    expect(() => createPool(tasksUrl, { env: [] as never })).toThrow(TypeError);
    await createPool(tasksUrl, { maxThreads: 1, env: SHARE_ENV }).close();
    await using pool = createPool(tasksUrl, {
      maxThreads: 1,
      env: { A: '1' },
      // Where heap limits do not hold, createPool refuses them (test/pool/pool.test.ts).
      ...(heapLimits ? { resourceLimits: { maxOldGenerationSizeMb: 256 } } : {}),
    });
    expect(await pool.run('inc', 1)).toBe(2);
  });
});

/** TimeoutOverflowWarnings emitted while a test runs. */
let overflows: Error[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'TimeoutOverflowWarning') overflows.push(warning);
};

/** Real time that any timer clamped to 1 ms and armed before it would have fired in. */
async function window(): Promise<void> {
  for (let i = 0; i < 3; i++) await delay(10);
}

describe('durations past 2^31 - 1 ms on a real pool', () => {
  beforeEach(() => {
    overflows = [];
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  for (const chunkSize of [1, 2]) {
    it(`a worker deadline of 2^31 + 5 ms (chunkSize ${chunkSize}) neither fires nor re-arms with warnings`, async () => {
      await using pool = createPool(tasksUrl, { maxThreads: 1 });
      const h = handshake();
      const done = alcall([{ flag: h.flag }], pool.task('spin'), {
        retryTimeout: 2 ** 31 + 5,
        chunkSize,
      });
      await h.started();
      await window();
      h.release();
      expect(await done).toEqual(['released']);
      expect(pool.stats().terminated).toBe(0);
      expect(overflows).toEqual([]);
    });
  }

  it('idleTimeout: 2^31 ms keeps an idle thread instead of ending it after 1 ms', async () => {
    await using pool = createPool(tasksUrl, {
      minThreads: 0,
      maxThreads: 1,
      spareThreads: 0,
      idleTimeout: 2 ** 31,
    });
    expect(await pool.run('inc', 1)).toBe(2);
    await window();
    expect(pool.stats().threads).toBe(1);
    expect(overflows).toEqual([]);
  });

  it('terminateTimeout: 2^31 + 5 ms is not given up on at once when closing', async () => {
    const pool = createPool(tasksUrl, { maxThreads: 1, terminateTimeout: 2 ** 31 + 5 });
    expect(await pool.run('inc', 1)).toBe(2);
    await pool.close();
    expect(pool.stats().abandonedTerminations).toBe(0);
    await delay(1);
    expect(overflows).toEqual([]);
  });
});
