import {
  createPool,
  isPoolcallError,
  PoolClosedError,
  QueueFullError,
  TaskAbortedError,
  TaskTimeoutError,
  transfer,
  UnsupportedRuntimeError,
  WorkerCrashedError,
} from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deferred,
  fixtures,
  handshake,
  heapLimits,
  runtimeName,
  stripsTypes,
  tasksUrl,
  until,
} from '../helpers.js';

type Tasks = typeof import('../fixtures/tasks.js');

describe('createPool', () => {
  const pool = createPool<Tasks>(tasksUrl, { maxThreads: 2, workerData: { hello: 'world' } });
  afterAll(() => pool.close());

  it('runs tasks by handle and by name', async () => {
    const fib = pool.task('fib');
    expect(await fib(20)).toBe(6765);
    expect(await pool.run('inc', 41)).toBe(42);
    expect(await pool.run('upper', 'abc')).toBe('ABC');
  });

  it('accepts a path and a file: string', async () => {
    const byPath = createPool<Tasks>(new URL(tasksUrl).pathname, { maxThreads: 1 });
    const byString = createPool<Tasks>(tasksUrl.href, { maxThreads: 1 });
    expect(await byPath.run('inc', 1)).toBe(2);
    expect(await byString.run('inc', 2)).toBe(3);
    await Promise.all([byPath.close(), byString.close()]);
  });

  it('passes ctx and progress to defineTask tasks', async () => {
    const reports: unknown[] = [];
    const reported = deferred();
    const out = await pool.run('withCtx', 5, {
      kwargs: { add: 1 },
      onProgress: (v) => {
        reports.push(v);
        reported.resolve();
      },
    });
    expect(out).toEqual({ x: 6, index: 0, attempt: 1 });
    // The report travels on its own port: it may land after the result.
    await reported.promise;
    expect(reports).toEqual([5]);
  });

  it("restores the user's workerData inside the worker", async () => {
    expect(await pool.run('getWorkerData', 0)).toEqual({ hello: 'world' });
  });

  it("keeps a task error's class name, message and code", async () => {
    const error = await pool.run('fail', 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ValidationError');
    expect((error as Error).message).toBe('nope');
    expect((error as { code?: string }).code).toBe('E_VALIDATION');
    expect(isPoolcallError(error)).toBe(false);
  });

  it('rejects an unknown task name with ERR_UNKNOWN_TASK naming it', async () => {
    const handle = (pool as unknown as { task(n: string): (x: unknown) => Promise<unknown> }).task(
      'missing',
    );
    const error = await handle(1).catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_UNKNOWN_TASK')).toBe(true);
    expect((error as Error).message).toContain('"missing"');
  });

  it('fails uncloneable items and results with DataCloneError as cause, and goes on', async () => {
    const handle = pool.task('inc') as unknown as (x: unknown) => Promise<unknown>;
    const error = await handle(() => 1).catch((e: unknown) => e);
    expect(isPoolcallError(error, 'ERR_DATA_CLONE')).toBe(true);
    expect(((error as Error).cause as Error).name).toBe('DataCloneError');
    const result = await pool.run('returnsFunction', 0).catch((e: unknown) => e);
    expect(((result as Error).cause as Error).name).toBe('DataCloneError');
    expect(await pool.run('inc', 1)).toBe(2);
  });

  it('times out a runaway task from when it starts, terminating its worker', async () => {
    const before = pool.stats().terminated;
    const error = await pool.run('forever', 0, { timeout: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(await pool.run('inc', 1)).toBe(2);
  });

  it('aborts a running task by signal (handshake), terminating its worker', async () => {
    const h = handshake();
    const ac = new AbortController();
    const running = pool.run('spin', { flag: h.flag }, { signal: ac.signal });
    await h.started();
    ac.abort(new Error('user stop'));
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(((error as Error).cause as Error).message).toBe('user stop');
    expect(await pool.run('inc', 1)).toBe(2);
  });

  it('transfers marked buffers instead of copying them', async () => {
    const bytes = new Uint8Array(1024);
    expect(await pool.run('byteLength', transfer(bytes))).toBe(1024);
    expect(bytes.byteLength).toBe(0);
  });

  it('survives process.exit in a task with WorkerCrashedError', async () => {
    const error = await pool.run('exit', 7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(await pool.run('inc', 1)).toBe(2);
  });
});

describe('pool faults and lifecycle', () => {
  it('reports a module that fails to load as WorkerCrashedError with the load error as cause', async () => {
    const pool = createPool(new URL('throws-on-load.js', fixtures), { maxThreads: 1 });
    const errors = await Promise.all(
      [pool.run('a', 1), pool.run('b', 2)].map((p) => p.catch((e: unknown) => e)),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(((error as Error).cause as Error).message).toBe('broken module');
    }
    await pool.close();
  });

  it(`out of memory under resourceLimits on ${runtimeName}: ${heapLimits ? 'WorkerCrashedError, and the pool goes on' : 'refused at createPool'}`, async () => {
    const resourceLimits = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 };
    if (!heapLimits) {
      const refused = (() => {
        try {
          return createPool<Tasks>(tasksUrl, { maxThreads: 1, resourceLimits });
        } catch (e) {
          return e;
        }
      })();
      expect(refused).toBeInstanceOf(UnsupportedRuntimeError);
      expect(refused).toMatchObject({
        code: 'ERR_UNSUPPORTED_RUNTIME',
        runtime: runtimeName,
        feature: 'option "resourceLimits"',
      });
      expect((refused as Error).message).toContain(`not supported on ${runtimeName}`);
      return;
    }
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1, resourceLimits });
    const error = await pool.run('oom', 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(await pool.run('inc', 1)).toBe(2);
    await pool.close();
  });

  it('queues FIFO beyond its slots, bounded by maxQueue, and measures waits', async () => {
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1, maxQueue: 1 });
    const h = handshake();
    const first = pool.run('spin', { flag: h.flag });
    await h.started();
    const second = pool.run('inc', 1);
    await expect(pool.run('inc', 2)).rejects.toBeInstanceOf(QueueFullError);
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    h.release();
    expect(await first).toBe('released');
    expect(await second).toBe(2);
    const stats = pool.stats();
    expect(stats).toMatchObject({ busy: 0, queued: 0, completed: 2, threads: 1 });
    expect(stats.waitTime.max).toBeGreaterThan(0);
    expect(Object.keys(stats.runTime).sort()).toEqual(['max', 'mean', 'p50', 'p90', 'p99']);
    await pool.close();
  });

  it('bounds timed calls by maxQueue too', async () => {
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1, maxQueue: 1 });
    const h = handshake();
    const first = pool.run('spin', { flag: h.flag }, { timeout: 60_000 });
    await h.started();
    const second = pool.run('inc', 1, { timeout: 60_000 });
    await expect(pool.run('inc', 2, { timeout: 60_000 })).rejects.toBeInstanceOf(QueueFullError);
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    h.release();
    expect(await first).toBe('released');
    expect(await second).toBe(2);
    await until(() => pool.stats().busy === 0 && pool.stats().queued === 0);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    await pool.close();
  });

  it('close() lets queued work finish; later calls reject with PoolClosedError', async () => {
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1 });
    const calls = [pool.run('inc', 1), pool.run('inc', 2), pool.run('inc', 3)];
    const closed = pool.close();
    await expect(pool.run('inc', 4)).rejects.toBeInstanceOf(PoolClosedError);
    expect(await Promise.all(calls)).toEqual([2, 3, 4]);
    await closed;
  });

  it('close({ force: true }) rejects running and queued work at once', async () => {
    const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1 });
    const h = handshake();
    const running = pool.run('spin', { flag: h.flag }).catch((e: unknown) => e);
    const queued = pool.run('inc', 1).catch((e: unknown) => e);
    await h.started();
    await pool.close({ force: true });
    expect(await running).toBeInstanceOf(PoolClosedError);
    expect(await queued).toBeInstanceOf(PoolClosedError);
  });

  it('supports await using', async () => {
    let ran = 0;
    {
      await using pool = createPool<Tasks>(tasksUrl, { maxThreads: 1 });
      ran = await pool.run('inc', 1);
    }
    expect(ran).toBe(2);
  });

  it(`loads a TypeScript task module on ${runtimeName}, ${stripsTypes ? 'natively' : 'through tsx'}`, async () => {
    const pool = createPool<typeof import('../fixtures/tasks-ts.js')>(
      new URL('tasks-ts.ts', fixtures),
      { maxThreads: 1 },
    );
    expect(await pool.run('double', 21)).toBe(42);
    // tsx marks the modules it loads with a namespace query; the runtime's own loader does not.
    const url = await pool.run('loadedAs', 0);
    expect(url.startsWith(new URL('tasks-ts.ts', fixtures).href)).toBe(true);
    expect(url.includes('tsx-namespace')).toBe(!stripsTypes);
    await pool.close();
  });

  it('throws at once on bad options, naming the option and value', () => {
    expect(() => createPool(tasksUrl, { maxThreads: 0 })).toThrow(/maxThreads.*0/);
    expect(() => createPool(tasksUrl, { maxThreads: 1.5 })).toThrow(RangeError);
    expect(() => createPool(tasksUrl, { minThreads: 3, maxThreads: 2 })).toThrow(/minThreads/);
    expect(() => createPool(tasksUrl, { maxThread: 2 } as never)).toThrow(
      /did you mean "maxThreads"/,
    );
    expect(() => createPool(tasksUrl, { idleTimeout: -1 })).toThrow(RangeError);
  });
});
