/**
 * Bad input, tried systematically: every option of alcall, bcall, imap,
 * ALCallParams, BCallParams and createPool with wrong types, negatives, NaN,
 * Infinity where not allowed, non-integers and unknown names; items and
 * results that cannot be cloned; malformed worker modules.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ALCallParams,
  alcall,
  BCallParams,
  bcall,
  createPool,
  imap,
  isPoolcallError,
  WorkerCrashedError,
} from 'poolcall';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers.js';

type Bad = readonly [name: string, value: unknown, error: typeof TypeError | typeof RangeError];

const notBoolean = ['yes', 1, {}];
const booleans = [
  'sanitizeInput',
  'uniqueInput',
  'retryTiming',
  'flatten',
  'dropna',
  'uniqueOutput',
  'flattenTupleSet',
  'returnExceptions',
];
const durations = ['initialDelay', 'retryDelay', 'backoffFactor', 'retryTimeout', 'throttlePeriod'];

/** Every bad value of every alcall option, with the error it must raise. */
const alcallBad: Bad[] = [
  ...booleans.flatMap((n) => notBoolean.map((v) => [n, v, TypeError] as const)),
  ...durations.flatMap((n) => [
    [n, -1, RangeError] as const,
    [n, Number.NaN, RangeError] as const,
    [n, Number.POSITIVE_INFINITY, RangeError] as const,
    [n, Number.NEGATIVE_INFINITY, RangeError] as const,
    [n, '5', TypeError] as const,
    [n, 5n, TypeError] as const,
  ]),
  ['numRetries', -1, RangeError],
  ['numRetries', 1.5, RangeError],
  ['numRetries', Number.NaN, RangeError],
  ['numRetries', Number.NEGATIVE_INFINITY, RangeError],
  ['numRetries', '2', TypeError],
  ['maxRetryTime', -1, RangeError],
  ['maxRetryTime', Number.NaN, RangeError],
  ['maxRetryTime', '5', TypeError],
  ['onFailedAttempt', 'log', TypeError],
  ['maxConcurrent', 0, RangeError],
  ['maxConcurrent', -3, RangeError],
  ['maxConcurrent', 2.5, RangeError],
  ['maxConcurrent', Number.NaN, RangeError],
  ['maxConcurrent', '4', TypeError],
  ['chunkSize', 0, RangeError],
  ['chunkSize', -1, RangeError],
  ['chunkSize', 1.5, RangeError],
  ['chunkSize', Number.NaN, RangeError],
  ['chunkSize', Number.POSITIVE_INFINITY, RangeError],
  ['chunkSize', 'big', TypeError],
  ['signal', {}, TypeError],
  ['signal', 'abort', TypeError],
  ['kwargs', 5, TypeError],
  ['kwargs', 'k', TypeError],
  ['onProgress', 5, TypeError],
  ['onTaskProgress', 'f', TypeError],
  ['clock', 5, TypeError],
  ['maxConcurent', 2, TypeError],
  ['retries', 2, TypeError],
  ['timeout', 100, TypeError],
];

const bcallBad: Bad[] = [
  ['batchSize', 0, RangeError],
  ['batchSize', -2, RangeError],
  ['batchSize', 2.5, RangeError],
  ['batchSize', Number.NaN, RangeError],
  ['batchSize', Number.POSITIVE_INFINITY, RangeError],
  ['batchSize', '10', TypeError],
];

const poolBad: Bad[] = [
  ['maxThreads', 0, RangeError],
  ['maxThreads', -1, RangeError],
  ['maxThreads', 1.5, RangeError],
  ['maxThreads', Number.NaN, RangeError],
  ['maxThreads', Number.POSITIVE_INFINITY, RangeError],
  ['maxThreads', '2', TypeError],
  ['minThreads', -1, RangeError],
  ['minThreads', 0.5, RangeError],
  ['minThreads', Number.NaN, RangeError],
  ['idleTimeout', -1, RangeError],
  ['idleTimeout', Number.NaN, RangeError],
  ['idleTimeout', '1s', TypeError],
  ['maxQueue', -1, RangeError],
  ['maxQueue', 1.5, RangeError],
  ['maxQueue', Number.NaN, RangeError],
  ['concurrentTasksPerWorker', 0, RangeError],
  ['concurrentTasksPerWorker', 1.5, RangeError],
  ['resourceLimits', 5, TypeError],
  ['env', 'PATH=/', TypeError],
  ['spareThreads', -1, RangeError],
  ['spareThreads', 0.5, RangeError],
  ['terminateTimeout', -5, RangeError],
  ['terminateTimeout', Number.POSITIVE_INFINITY, RangeError],
  ['clock', 'now', TypeError],
  ['maxThread', 2, TypeError],
  ['threads', 2, TypeError],
];

/** How an error message quotes a received value (when it can be quoted plainly). */
function quoted(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return undefined;
}

/** The error must be of the class, name the option, and quote the value (or, for an unknown name, suggest a known one). */
function expectNamed(error: unknown, [name, value, Err]: Bad, known: readonly string[]): void {
  const label = `${name}: ${String(value)}`;
  expect(error, label).toBeInstanceOf(Err);
  const message = (error as Error).message;
  expect(message, label).toContain(`"${name}"`);
  if (known.includes(name)) {
    const q = quoted(value);
    if (q !== undefined) expect(message, label).toContain(q);
  } else {
    expect(message, label).toMatch(/did you mean "\w+"/);
  }
}

const alcallKnown = [...booleans, ...durations, 'numRetries', 'maxConcurrent', 'chunkSize'].concat([
  'maxRetryTime',
  'onFailedAttempt',
  'signal',
  'kwargs',
  'onProgress',
  'onTaskProgress',
  'clock',
  'batchSize',
]);
const poolKnown = poolBad.map(([n]) => n).filter((n) => n !== 'maxThread' && n !== 'threads');

/** Calls `f`; a synchronous throw is a failure of the contract (promise-returning functions reject). */
async function rejection(f: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = f();
  } catch (error) {
    return { threwSynchronously: error };
  }
  return promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

const never = async () => {
  throw new Error('never called');
};

describe('bad options', () => {
  it('alcall rejects (never throws) with a TypeError / RangeError naming each bad option and its value', async () => {
    for (const bad of alcallBad) {
      expectNamed(
        await rejection(() => alcall([1], never, { [bad[0]]: bad[1] })),
        bad,
        alcallKnown,
      );
    }
  });

  it('bcall rejects its first next() for each bad option, batchSize included', async () => {
    for (const bad of [...alcallBad, ...bcallBad]) {
      const options = { batchSize: 2, [bad[0]]: bad[1] };
      expectNamed(
        await rejection(() => bcall([1], never, options as { batchSize: number }).next()),
        bad,
        alcallKnown,
      );
    }
    const missing = await rejection(() => bcall([1], never, {} as { batchSize: number }).next());
    expect(missing).toBeInstanceOf(TypeError);
    expect((missing as Error).message).toContain('"batchSize"');
  });

  it('imap rejects its first next() for each bad option, ordered included', async () => {
    const bad: Bad[] = [...alcallBad, ['ordered', 'yes', TypeError]];
    for (const b of bad) {
      expectNamed(
        await rejection(() => imap([1], never, { [b[0]]: b[1] }).next()),
        b,
        alcallKnown.concat('ordered'),
      );
    }
  });

  it('ALCallParams and BCallParams throw at construction', () => {
    for (const bad of alcallBad) {
      let thrown: unknown;
      try {
        new ALCallParams({ [bad[0]]: bad[1] });
      } catch (e) {
        thrown = e;
      }
      expectNamed(thrown, bad, alcallKnown);
    }
    for (const bad of [...alcallBad, ...bcallBad]) {
      let thrown: unknown;
      try {
        new BCallParams({ batchSize: 3, [bad[0]]: bad[1] } as { batchSize: number });
      } catch (e) {
        thrown = e;
      }
      expectNamed(thrown, bad, alcallKnown);
    }
  });

  it('ALCallParams.call and .with report bad overrides the same way', async () => {
    const params = new ALCallParams({ maxConcurrent: 2 });
    for (const bad of alcallBad) {
      expectNamed(
        await rejection(() => params.call([1], never, { [bad[0]]: bad[1] })),
        bad,
        alcallKnown,
      );
      expect(() => params.with({ [bad[0]]: bad[1] })).toThrow(bad[2]);
    }
  });

  it('createPool throws for each bad option, before starting any thread', () => {
    const module = new URL('chaos-tasks.js', fixtures);
    for (const bad of poolBad) {
      let thrown: unknown;
      try {
        createPool(module, { [bad[0]]: bad[1] });
      } catch (e) {
        thrown = e;
      }
      expectNamed(thrown, bad, poolKnown);
    }
    expect(() => createPool(module, { minThreads: 3, maxThreads: 2 })).toThrow(RangeError);
    expect(() => createPool(5 as unknown as string)).toThrow(TypeError);
    expect(() => createPool('')).toThrow(TypeError);
  });

  it('alcall rejects a non-function fn and non-object options', async () => {
    expect(await rejection(() => alcall([1], 5 as never))).toBeInstanceOf(TypeError);
    expect(await rejection(() => alcall([1], never, 5 as never))).toBeInstanceOf(TypeError);
    expect(await rejection(() => alcall([1], never, [] as never))).toBeInstanceOf(TypeError);
  });
});

describe('items and results that cannot be cloned', () => {
  const pool = createPool<typeof import('../fixtures/chaos-tasks.js')>(
    new URL('chaos-tasks.js', fixtures),
    { maxThreads: 2 },
  );
  afterAll(() => pool.close());

  const items: unknown[] = [1, () => 1, 'x', Symbol('s'), { f() {} }, [2, Symbol('t')], 5];
  const bad = new Set([1, 3, 4, 5]);

  for (const chunkSize of [1, 4]) {
    it(`fail their own item with ERR_DATA_CLONE, the rest go on (chunkSize ${chunkSize})`, async () => {
      const out: unknown[] = await alcall(items, pool.task('echo'), {
        returnExceptions: true,
        chunkSize,
      });
      expect(out).toHaveLength(items.length);
      out.forEach((v, i) => {
        if (bad.has(i)) {
          expect(isPoolcallError(v, 'ERR_DATA_CLONE'), `item ${i}`).toBe(true);
          expect(((v as Error).cause as Error).name, `item ${i}`).toBe('DataCloneError');
        } else {
          expect(v).toEqual(items[i]);
        }
      });
      const results: unknown[] = await alcall(['fn', 1, 'sym', 2], pool.task('uncloneable'), {
        returnExceptions: true,
        chunkSize,
      });
      expect(isPoolcallError(results[0], 'ERR_DATA_CLONE')).toBe(true);
      expect(((results[0] as Error).cause as Error).name).toBe('DataCloneError');
      expect(results[1]).toBe(1);
      expect(isPoolcallError(results[2], 'ERR_DATA_CLONE')).toBe(true);
      expect(results[3]).toBe(2);
      expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    });
  }

  it('without returnExceptions, an uncloneable item rejects the call with ERR_DATA_CLONE', async () => {
    const error = await alcall([1, () => 1], pool.task('echo')).catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_DATA_CLONE')).toBe(true);
  });
});

describe('malformed worker modules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'poolcall-bad-modules-'));
    await writeFile(path.join(dir, 'syntax.js'), 'export function broken( {\n');
    await writeFile(path.join(dir, 'throws.js'), "throw new TypeError('boom on load');\n");
    await writeFile(path.join(dir, 'empty.js'), '// nothing exported\n');
    await writeFile(
      path.join(dir, 'values.js'),
      'export const answer = 42;\nexport function ok(x) { return x; }\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const open = (file: string) =>
    createPool(pathToFileURL(path.join(dir, file)), { maxThreads: 1, spareThreads: 0 });

  it('a syntax error fails every call with WorkerCrashedError, cause SyntaxError, through retries and chunks', async () => {
    const pool = open('syntax.js');
    try {
      const e = await pool.run('broken', 1).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WorkerCrashedError);
      expect(((e as Error).cause as Error).name).toBe('SyntaxError');
      const out: unknown[] = await alcall([1, 2, 3], pool.task('broken'), {
        numRetries: 1,
        chunkSize: 2,
        returnExceptions: true,
      });
      expect(out.every((v) => v instanceof WorkerCrashedError)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('a module that throws on load: WorkerCrashedError with the load error as cause', async () => {
    const pool = open('throws.js');
    try {
      const e = await alcall([1], pool.task('anything'), { retryTimeout: 5000 }).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(WorkerCrashedError);
      expect(((e as Error).cause as Error).message).toBe('boom on load');
    } finally {
      await pool.close();
    }
  });

  it('a module that does not exist fails its calls with WorkerCrashedError', async () => {
    const pool = open('missing.js');
    try {
      const e = await pool.run('anything', 1).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WorkerCrashedError);
    } finally {
      await pool.close();
    }
  });

  it('no exports, or an export that is not a function: ERR_UNKNOWN_TASK naming it', async () => {
    for (const [file, name] of [
      ['empty.js', 'work'],
      ['values.js', 'answer'],
    ] as const) {
      const pool = open(file);
      try {
        for (const chunkSize of [1, 3]) {
          const out: unknown[] = await alcall([1, 2], pool.task(name), {
            chunkSize,
            returnExceptions: true,
          });
          for (const e of out) {
            expect(isPoolcallError(e, 'ERR_UNKNOWN_TASK')).toBe(true);
            expect((e as Error).message).toContain(`"${name}"`);
          }
        }
        if (file === 'values.js') expect(await pool.run('ok', 7)).toBe(7);
      } finally {
        await pool.close();
      }
    }
  });
});
