/**
 * poolcall/bullmq end to end: a private redis-server, two child-process
 * machines each serving a pool of test/bullmq/tasks.js, and remote handles
 * driven through alcall from this process. The tests share the machines and
 * run in order; the last ones kill one machine and close the other.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import {
  alcall,
  bcall,
  CancelScope,
  imap,
  isPoolcallError,
  maxConcurrent,
  TaskTimeoutError,
} from 'poolcall';
import { connectQueue, type RemoteQueue } from 'poolcall/bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCloneError, killAfterTest, throwingGetter, throwingProxy } from '../helpers.js';
import {
  type Machine,
  type MachineMessage,
  messagesOf,
  startMachines,
  terminatedOf,
  untilMessages,
} from './machines.js';
import { type RedisServer, startRedis } from './redis.js';

type Tasks = typeof import('./tasks.js');

const QUEUE = 'poolcall-test';
let redis: RedisServer;
let machines: Machine[];
let remote: RemoteQueue<Tasks>;
let queue: Queue;

const messages = (match: (m: MachineMessage) => boolean) => messagesOf(machines, match);
const terminated = () => terminatedOf(machines);
/** Resolves once `count` messages across the machines match. */
const until = (count: number, match: (m: MachineMessage) => boolean) =>
  untilMessages(machines, count, match);
/** The ids of the jobs whose runs match, once there are `count` of them. */
async function untilJobs(count: number, match: (m: MachineMessage) => boolean) {
  const ids = () => new Set(messages(match).map((m) => m.jobId));
  while (ids().size < count) await Promise.race(machines.map((m) => once(m.child, 'message')));
  return ids();
}

beforeAll(async () => {
  redis = await startRedis();
  machines = [];
  await startMachines(redis.port, QUEUE, 2, machines);
  remote = connectQueue<Tasks>({ queue: QUEUE, connection: redis.connection });
  queue = new Queue(QUEUE, { connection: redis.connection });
  await remote.ready();
}, 60_000);

afterAll(async () => {
  await remote?.close({ force: true });
  await queue?.close();
  await Promise.all((machines ?? []).map((m) => m.kill()));
  await redis?.stop();
});

describe('poolcall/bullmq', () => {
  it('runs every item as a job on the machines and returns the results in input order', async () => {
    const items = Array.from({ length: 24 }, (_, i) => i);
    expect(await alcall(items, remote.task('inc'))).toEqual(items.map((i) => i + 1));
    expect(await alcall([10, 15, 20], remote.task('fib'), { maxConcurrent: 2 })).toEqual([
      55, 610, 6765,
    ]);
    await until(27, (m) => m.type === 'completed');
    expect(messages((m) => m.type === 'completed').length).toBe(27);
  });

  it('works with imap, bcall and maxConcurrent, and carries kwargs and progress', async () => {
    const streamed: number[] = [];
    for await (const r of imap([1, 2, 3, 4], remote.task('inc'), { maxConcurrent: 2 })) {
      streamed.push(r as number);
    }
    expect(streamed).toEqual([2, 3, 4, 5]);

    const batches: unknown[][] = [];
    for await (const batch of bcall([1, 2, 3], remote.task('inc'), { batchSize: 2 })) {
      batches.push(batch);
    }
    expect(batches).toEqual([[2, 3], [4]]);

    const one = maxConcurrent(1)(remote.task('inc'));
    expect(await alcall([5, 6], one)).toEqual([6, 7]);

    const progress: [number, unknown][] = [];
    const out = await alcall([1, 2], remote.task('withCtx'), {
      kwargs: { add: 10 },
      onTaskProgress: (index, value) => progress.push([index, value]),
    });
    expect(out).toEqual([
      { x: 11, index: 0, attempt: 1 },
      { x: 12, index: 1, attempt: 1 },
    ]);
    expect(progress.sort()).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('retries as BullMQ attempts with backoff kept in Redis, and rebuilds the task error', async () => {
    const error = (await alcall(['bad'], remote.task('fail'), {
      numRetries: 2,
      retryDelay: 100,
      backoffFactor: 3,
    }).catch((e: unknown) => e)) as Error & { code?: unknown };
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('bad');
    expect(error.code).toBe('E_VALIDATION');

    // A machine reports each run on its own channel, which may deliver after
    // the outcome came back through Redis: wait for the three.
    const isRun = (m: MachineMessage) => m.type === 'active' && m.name === 'fail';
    await until(3, isRun);
    const runs = messages(isRun);
    expect(runs.map((m) => m.attempt)).toEqual([1, 2, 3]);
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(100);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(300);
    const job = await queue.getJob(runs[0]!.jobId!);
    expect(job?.opts.attempts).toBe(3);
    expect(job?.opts.backoff).toEqual({ type: 'poolcall', delay: 100 });
    expect(await job?.getState()).toBe('failed');
  });

  it('kills a runaway attempt on its machine (retryTimeout) and retries it', async () => {
    const before = await terminated();
    expect(
      await alcall([1, 2], remote.task('slowFirst'), { numRetries: 1, retryTimeout: 300 }),
    ).toEqual([2, 4]);
    const [gaveUp] = await alcall([0], remote.task('forever'), {
      numRetries: 1,
      retryTimeout: 200,
      returnExceptions: true,
    });
    expect(gaveUp).toBeInstanceOf(TaskTimeoutError);
    expect(isPoolcallError(gaveUp, 'ERR_TASK_TIMEOUT')).toBe(true);
    expect(await terminated()).toBe(before + 4);
  });

  it('sends chunks of items as one job, retrying only the items that failed', async () => {
    const out = await alcall([0, 1, 2, 3, 4, 5, 6], remote.task('oddFailsOnce'), {
      chunkSize: 3,
      numRetries: 1,
    });
    expect(out).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((x) => ({ x, attempt: x % 2 === 1 ? 2 : 1, index: x })),
    );
    const jobs = await untilJobs(3, (m) => m.type === 'active' && m.name === 'oddFailsOnce');
    expect(jobs.size).toBe(3);

    const errors = await alcall(['a', 'b'], remote.task('fail'), {
      chunkSize: 2,
      returnExceptions: true,
    });
    expect(errors.map((e) => (e as Error).message)).toEqual(['a', 'b']);

    // 'auto' sends one item per job until a machine reported item run times, then packs tiny tasks.
    // (a large jobOverhead makes the packing independent of how fast this machine is)
    const packer = connectQueue<Tasks>({
      queue: QUEUE,
      connection: redis.connection,
      jobOverhead: 1000,
    });
    const isInc = (m: MachineMessage) => m.type === 'active' && m.name === 'inc';
    expect(await alcall([0], packer.task('inc'), { chunkSize: 'auto' })).toEqual([1]);
    const before = messages(isInc).length;
    const items = Array.from({ length: 40 }, (_, i) => i);
    expect(await alcall(items, packer.task('inc'), { chunkSize: 'auto' })).toEqual(
      items.map((i) => i + 1),
    );
    await packer.close();
    expect(messages(isInc).length - before).toBeLessThan(10); // 40 jobs without packing
  });

  it('a StopRetrying thrown in a task fails its job at once (UnrecoverableError), alone or in a chunk', async () => {
    const describe = (r: unknown) => (r instanceof Error ? `${r.name}: ${r.message}` : r);
    const out = await alcall([1, 2], remote.task('stopOnOdd'), {
      numRetries: 3,
      returnExceptions: true,
    });
    expect(out.map(describe)).toEqual(['RangeError: stop 1 at 1', 2]);
    // Runs are reported on the machines' own channels: wait for the three.
    const isRun = (m: MachineMessage) => m.type === 'active' && m.name === 'stopOnOdd';
    await until(3, isRun);
    const runs = messages(isRun);
    const byJob = new Map<string | undefined, number[]>();
    for (const m of runs) byJob.set(m.jobId, [...(byJob.get(m.jobId) ?? []), m.attempt!]);
    // The odd item's job ran once although 4 attempts were allowed; the even one's twice.
    expect([...byJob.values()].sort()).toEqual([[1], [1, 2]]);
    const stopped = [...byJob].find(([, attempts]) => attempts.length === 1)![0];
    expect(await (await queue.getJob(stopped!))?.getState()).toBe('failed');

    // In one chunk: the stopped item is not run again when the job retries for its chunk-mate.
    const chunked = await alcall([3, 4], remote.task('stopOnOdd'), {
      numRetries: 3,
      chunkSize: 2,
      returnExceptions: true,
    });
    expect(chunked.map(describe)).toEqual(['RangeError: stop 3 at 1', 2]);
  });

  it('fails only an item that cannot be written as JSON, with and without chunkSize; its job-mates run', async () => {
    const boom = new RangeError('getter in a job');
    const items: unknown[] = [0, 1, throwingGetter(boom), 3, 10n, throwingProxy(boom), 6];
    const inc = remote.task('inc') as unknown as (x: unknown) => Promise<number>;
    for (const chunkSize of [1, 3, 'auto'] as const) {
      const out = await alcall(items, inc, { chunkSize, returnExceptions: true });
      expect([out[0], out[1], out[3], out[6]]).toEqual([1, 2, 4, 7]);
      expect(expectCloneError(out[2], 2).cause).toBe(boom);
      expect(expectCloneError(out[4], 4).cause).toBeInstanceOf(TypeError);
      expect(expectCloneError(out[5], 5).cause).toBe(boom);
    }
    const error = await alcall([throwingGetter(boom)], inc).catch((e: unknown) => e);
    expect(expectCloneError(error, 0).cause).toBe(boom);
  });

  it('cancelling a call removes its waiting jobs and stops its running ones, which are not retried', async () => {
    const before = await terminated();
    const isForever = (m: MachineMessage) => m.type === 'active' && m.name === 'forever';
    const seen = messages(isForever).length;
    const controller = new AbortController();
    const call = alcall([1, 2, 3, 4, 5, 6], remote.task('forever'), {
      signal: controller.signal,
      numRetries: 3,
    });
    await until(seen + 4, isForever); // both machines' slots are busy; two jobs wait
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');

    const running = messages(isForever).slice(seen);
    const ids = running.map((m) => m.jobId!);
    await until(4, (m) => m.type === 'failed' && ids.includes(m.jobId!));
    expect(await terminated()).toBe(before + 4);
    for (const id of ids) {
      const job = await queue.getJob(id);
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(1);
      expect(job?.opts.attempts).toBe(4);
      expect(job?.failedReason).toMatch(/cancelled/);
    }
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
    });

    const scope = new CancelScope();
    const scoped = scope.run(() => remote.task('forever')(0));
    await until(seen + 5, isForever);
    scope.cancel();
    expect(await scoped).toBeUndefined();
    const last = messages(isForever).at(-1)!;
    await until(1, (m) => m.type === 'failed' && m.jobId === last.jobId);
    expect(await terminated()).toBe(before + 5);
  });

  it('a closed producer lets its process exit by itself', async () => {
    const child = fork(
      new URL('./producer.js', import.meta.url),
      [JSON.stringify({ port: redis.port, queue: QUEUE, task: 'inc', item: 41 })],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: [] },
    );
    killAfterTest(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(out.trim()).toBe('42');
  });

  it('a machine killed mid-job loses nothing: another machine finishes it', async () => {
    const isBusy = (m: MachineMessage) => m.type === 'active' && m.name === 'busy';
    const call = remote.task('busy')(1000);
    await until(1, isBusy);
    const first = messages(isBusy)[0]!;
    const victim = machines.find((m) => m.child.pid === first.pid)!;
    const survivor = machines.find((m) => m !== victim)!;
    await victim.kill();
    const killedAt = Date.now();
    expect(await call).toBeGreaterThan(0);
    const recovered = survivor.all((m) => isBusy(m) && m.jobId === first.jobId);
    expect(recovered.length).toBe(1);
    expect(recovered[0]!.at).toBeGreaterThanOrEqual(killedAt);
    machines = [survivor];
  });

  it('a closed server lets its machine exit by itself with code 0', async () => {
    expect(await machines[0]!.close()).toBe(0);
  });
});
