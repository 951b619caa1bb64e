import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPool, imap, isPoolcallError, type Progress } from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, handshake } from '../helpers.js';

type Tasks = typeof import('../fixtures/chunk-tasks.js');
const chunkTasks = new URL('chunk-tasks.js', fixtures);

/** Lets queued callbacks run without moving any clock. */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

function counting(n: number) {
  const counter = { read: 0 };
  function* source() {
    for (let i = 0; i < n; i++) {
      counter.read++;
      yield i;
    }
  }
  return { counter, source: source() };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('imap', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 2 });
  afterAll(() => pool.close());

  it('yields worker results in input order from an array, an iterable and an async iterable', async () => {
    const inc = pool.task('inc');
    const items = Array.from({ length: 500 }, (_, i) => i);
    const expected = items.map((i) => i + 1);
    expect(await collect(imap(items, inc, { chunkSize: 'auto' }))).toEqual(expected);
    expect(await collect(imap(new Set(items), inc, { chunkSize: 8 }))).toEqual(expected);
    async function* slow() {
      for (const i of items) yield i;
    }
    expect(await collect(imap(slow(), inc))).toEqual(expected);
  });

  it('yields in completion order with ordered: false', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const out: number[] = [];
    const done = (async () => {
      for await (const v of imap(
        [0, 1, 2],
        async (i: number) => {
          await gates[i]!.promise;
          return i;
        },
        { ordered: false },
      )) {
        out.push(v);
      }
    })();
    gates[2]!.resolve();
    await settle();
    gates[0]!.resolve();
    await settle();
    gates[1]!.resolve();
    await done;
    expect(out).toEqual([2, 0, 1]);
  });

  it('reads at most about 2 × concurrency + chunkSize ahead of the consumer', async () => {
    const { counter, source } = counting(10_000);
    const it = imap(source, (x: number) => x, { maxConcurrent: 3 });
    expect((await it.next()).value).toBe(0);
    await settle();
    expect(counter.read).toBeGreaterThan(1);
    expect(counter.read).toBeLessThanOrEqual(1 + 2 * 3 + 1);
    await it.return(undefined);

    const inc = pool.task('inc');
    const worker = counting(10_000);
    const wit = imap(worker.source, inc, { chunkSize: 4, maxConcurrent: 2 });
    expect((await wit.next()).value).toBe(1);
    await settle(50);
    expect(worker.counter.read).toBeLessThanOrEqual(1 + 2 * 2 + 4 + 1);
    await wit.return(undefined);
  });

  it('leaving the loop early terminates worker tasks in flight', async () => {
    const h = handshake();
    const terminated = pool.stats().terminated;
    const gate = pool.task('gate');
    const seen: unknown[] = [];
    for await (const v of imap([{ flag: h.flag }, 'a', 'b'], gate, { ordered: false })) {
      seen.push(v);
      await h.started();
      break;
    }
    expect(seen).toEqual(['a']);
    expect(pool.stats().terminated - terminated).toBeGreaterThanOrEqual(1);
    expect(pool.stats().busy).toBe(0);
  });

  it('ends with the error of an item that fails for good, after the results before it', async () => {
    const out: number[] = [];
    const error = await (async () => {
      for await (const v of imap(
        [0, 1, 2, 3, 4],
        (i: number) => {
          if (i === 3) throw new Error('three');
          return i;
        },
        { maxConcurrent: 1 },
      )) {
        out.push(v);
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('three');
    expect(out).toEqual([0, 1, 2]);

    const fail = pool.task('probe');
    const yielded = await collect(
      imap([0, 1], fail, { returnExceptions: true, retryTimeout: 200, kwargs: { hang: 1 } }),
    );
    expect(yielded[0]).toMatchObject({ x: 0 });
    expect(isPoolcallError(yielded[1], 'ERR_TASK_TIMEOUT')).toBe(true);
  });

  it('applies output shaping per result and reports progress', async () => {
    const reports: Progress[] = [];
    const out = await collect(
      imap([1, 2, 2, 3], (x: number) => (x === 3 ? null : [x, x]), {
        flatten: true,
        dropna: true,
        uniqueOutput: true,
        onProgress: (p) => reports.push(p),
      }),
    );
    expect(out).toEqual([1, 2]);
    const last = reports.at(-1)!;
    expect(last.done + last.failed).toBe(4);
    expect(last.total).toBe(4);
  });

  it('rejects bad options on the first next()', async () => {
    await expect(imap([1], (x: number) => x, { ordred: true } as never).next()).rejects.toThrow(
      /ordered/,
    );
    await expect(imap([1], (x: number) => x, { ordered: 1 } as never).next()).rejects.toThrow(
      TypeError,
    );
  });
});

describe('pool.transform', () => {
  const pool = createPool<Tasks>(chunkTasks, { maxThreads: 2 });
  afterAll(() => pool.close());

  it('runs a task inside stream/promises.pipeline, in order', async () => {
    const out: number[] = [];
    await pipeline(
      Readable.from(Array.from({ length: 1000 }, (_, i) => i)),
      pool.transform('inc', { chunkSize: 'auto' }),
      new Writable({
        objectMode: true,
        write(v: number, _e, cb) {
          out.push(v);
          cb();
        },
      }),
    );
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('applies backpressure: a stalled reader stalls the source', async () => {
    const { counter, source } = counting(1000);
    const release = deferred<void>();
    let written = 0;
    const done = pipeline(
      Readable.from(source),
      pool.transform('inc', { chunkSize: 4, maxConcurrent: 2 }),
      new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(_v: number, _e, cb) {
          written++;
          if (written === 1) release.promise.then(() => cb());
          else cb();
        },
      }),
    );
    await settle(100);
    expect(counter.read).toBeGreaterThan(1);
    expect(counter.read).toBeLessThan(120);
    release.resolve();
    await done;
    expect(written).toBe(1000);
  });

  it('fails the pipeline with the error of an item that fails for good', async () => {
    const error = await pipeline(
      Readable.from([0, 1, 2]),
      pool.transform('probe', { retryTimeout: 200, kwargs: { hang: 1 } }),
      new Writable({ objectMode: true, write: (_v, _e, cb) => cb() }),
    ).catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_TASK_TIMEOUT')).toBe(true);
  });
});
