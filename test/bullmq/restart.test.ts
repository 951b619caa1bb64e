/**
 * poolcall/bullmq when Redis restarts without persistence and forgets every
 * job it held: a private redis-server (no AOF, no RDB) is SIGKILLed and
 * started again on the same port while jobs are in flight. The producer finds
 * the jobs Redis lost and adds them again; the machines stop the runs Redis
 * lost and go on serving. The tests share the server and two child-process
 * machines, and run in order; the last one closes everything. Then the same
 * restart with AOF on (fsync always): nothing is lost, nothing is added again,
 * nothing runs twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { alcall, isPoolcallError } from 'poolcall';
import { connectQueue, type RemoteQueue } from 'poolcall/bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const QUEUE = 'poolcall-restart';
/** A restart costs ioredis reconnection delays (1 s and more) on top of the work: room for a loaded machine. */
const RESTART_TEST_TIMEOUT = 90_000;
let redis: RedisServer;
let machines: Machine[];
let remote: RemoteQueue<Tasks>;
/** What the producer's `onError` received, and who waits for what. */
const notices: Error[] = [];
let noticeWaiters: (() => void)[] = [];

const messages = (match: (m: MachineMessage) => boolean) => messagesOf(machines, match);
const until = (count: number, match: (m: MachineMessage) => boolean) =>
  untilMessages(machines, count, match);
const isLostNotice = (e: Error) => isPoolcallError(e, 'ERR_REMOTE_JOB_LOST');

/** Resolves once the producer's `onError` received `count` notices that match. */
async function untilNotices(count: number, match: (e: Error) => boolean): Promise<void> {
  while (notices.filter(match).length < count) {
    await new Promise<void>((resolve) => noticeWaiters.push(resolve));
  }
}

/** SIGKILLs redis-server and starts it again, empty, on the same port. */
async function restartRedis(): Promise<void> {
  await redis.kill();
  await redis.restart();
}

beforeAll(async () => {
  redis = await startRedis();
  machines = await startMachines(redis.port, QUEUE);
  remote = connectQueue<Tasks>({
    queue: QUEUE,
    connection: redis.connection,
    maxInFlight: 300,
    onError: (error) => {
      notices.push(error);
      const waiting = noticeWaiters;
      noticeWaiters = [];
      for (const resolve of waiting) resolve();
    },
  });
  await remote.ready();
}, 60_000);

afterAll(async () => {
  await remote?.close({ force: true });
  await Promise.all((machines ?? []).map((m) => m.kill()));
  await redis?.stop();
});

describe('poolcall/bullmq across a Redis restart without persistence', () => {
  it(
    'adds the jobs Redis lost again, so every one of 300 calls in flight settles with its result',
    async () => {
      const items = Array.from({ length: 300 }, (_, i) => i);
      const isDone = (m: MachineMessage) => m.type === 'completed';
      const call = alcall(items, remote.task('slowInc'));
      await until(messages(isDone).length + 30, isDone); // the restart comes mid-way
      await restartRedis();

      expect(await call).toEqual(items.map((i) => i + 1));
      expect(notices.filter(isLostNotice).length).toBeGreaterThan(0);
      // Added again under the next generation of their ids, so a lost run still going never meets them.
      const again = messages((m) => m.type === 'active' && /-r1$/.test(m.jobId ?? ''));
      expect(again.length).toBeGreaterThan(0);
      for (const m of machines) expect(m.child.exitCode).toBeNull();
    },
    RESTART_TEST_TIMEOUT,
  );

  it(
    'machines stop the runs Redis lost, free their threads and run the jobs added again',
    async () => {
      const before = await terminatedOf(machines);
      const isForever = (m: MachineMessage) => m.type === 'active' && m.name === 'forever';
      const seen = messages(isForever).length;
      const controller = new AbortController();
      const call = alcall([1, 2, 3, 4], remote.task('forever'), { signal: controller.signal });
      call.catch(() => {});
      await until(seen + 4, isForever); // every slot of both machines runs one
      const lostIds = messages(isForever)
        .slice(seen)
        .map((m) => m.jobId!);
      await restartRedis();

      // The jobs added again can only start once the lost runs gave their slots back.
      const againIds = lostIds.map((id) => `${id}-r1`);
      await until(4, (m) => isForever(m) && againIds.includes(m.jobId!));
      const renewalFailed = messages((m) => m.type === 'lockRenewalFailed').flatMap(
        (m) => m.jobIds ?? [],
      );
      expect(lostIds.every((id) => renewalFailed.includes(id))).toBe(true);

      controller.abort(new Error('stop'));
      await expect(call).rejects.toThrow('stop');
      await until(4, (m) => m.type === 'failed' && againIds.includes(m.jobId!));
      expect(await terminatedOf(machines)).toBe(before + 8);
      for (const m of machines) {
        expect(m.child.exitCode).toBeNull();
        expect((await m.stats()).threads).toBeLessThanOrEqual(2);
      }
    },
    RESTART_TEST_TIMEOUT,
  );

  it(
    'a producer whose Redis is down for a while completes every item once it is back',
    async () => {
      const isDone = (m: MachineMessage) => m.type === 'completed';
      const items = Array.from({ length: 100 }, (_, i) => i);
      const inFlight = alcall(items, remote.task('slowInc'), { returnExceptions: true });
      await until(messages(isDone).length + 10, isDone);

      const errorsBefore = notices.length;
      await redis.kill();
      const downAt = Date.now();
      // Redis stays down until the producer and both machines have felt it.
      await untilNotices(1, (e) => notices.indexOf(e) >= errorsBefore && !isLostNotice(e));
      await Promise.all(machines.map((m) => m.next((x) => x.type === 'error' && x.at >= downAt)));
      const whileDown = alcall(items, remote.task('slowInc'), { returnExceptions: true });
      await redis.restart();

      for (const out of await Promise.all([inFlight, whileDown])) {
        const results = out.filter((value, i) => value === i + 1).length;
        const errors = out.filter((value) => value instanceof Error).length;
        expect(results + errors).toBe(items.length); // every item ends as its result or its error
        expect(results).toBe(items.length);
      }
    },
    RESTART_TEST_TIMEOUT,
  );

  it(
    'a flush, which no reconnection reveals, is found by the periodic check',
    async () => {
      const checking = connectQueue<Tasks>({
        queue: QUEUE,
        connection: redis.connection,
        lostJobCheckInterval: 200,
        onError: (error) => found.push(error),
      });
      const found: Error[] = [];
      const isDone = (m: MachineMessage) => m.type === 'completed';
      const items = Array.from({ length: 100 }, (_, i) => i);
      const call = alcall(items, checking.task('slowInc'));
      await until(messages(isDone).length + 5, isDone);
      const client = new Redis(redis.port, '127.0.0.1');
      await client.flushall();
      client.disconnect();
      expect(await call).toEqual(items.map((i) => i + 1));
      expect(found.filter(isLostNotice).length).toBeGreaterThan(0);
      await checking.close();
    },
    RESTART_TEST_TIMEOUT,
  );

  it('closes promptly right after a restart: the producer, then the machines, which exit with code 0', async () => {
    expect(await alcall([1, 2, 3], remote.task('slowInc'))).toEqual([2, 3, 4]);
    await restartRedis();
    await remote.close();
    expect(await Promise.all(machines.map((m) => m.close()))).toEqual([0, 0]);
  });
});

describe('poolcall/bullmq across a Redis restart with AOF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poolcall-aof-'));
  let aof: RedisServer;
  let machine: Machine[];
  let producer: RemoteQueue<Tasks>;
  const seen: Error[] = [];

  beforeAll(async () => {
    aof = await startRedis({
      persistence: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
    });
    machine = await startMachines(aof.port, 'poolcall-aof', 1);
    producer = connectQueue<Tasks>({
      queue: 'poolcall-aof',
      connection: aof.connection,
      maxInFlight: 200,
      onError: (error) => seen.push(error),
    });
    await producer.ready();
  }, 60_000);

  afterAll(async () => {
    await producer?.close({ force: true });
    await Promise.all((machine ?? []).map((m) => m.kill()));
    await aof?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'loses nothing: no job is added again and each one completes once',
    async () => {
      const items = Array.from({ length: 200 }, (_, i) => i);
      const isDone = (m: MachineMessage) => m.type === 'completed';
      const call = alcall(items, producer.task('slowInc'));
      await untilMessages(machine, 20, isDone);
      await aof.kill();
      await aof.restart();

      expect(await call).toEqual(items.map((i) => i + 1));
      expect(seen.filter(isLostNotice)).toEqual([]);
      // (A completion whose reply the kill cut off is resent and refused as 'Missing key': no message.)
      const completed = messagesOf(machine, isDone).map((m) => m.jobId!);
      expect(new Set(completed).size).toBe(completed.length);
      const started = messagesOf(machine, (m) => m.type === 'active').map((m) => m.jobId!);
      expect(started.filter((id) => /-r\d+$/.test(id))).toEqual([]);
    },
    RESTART_TEST_TIMEOUT,
  );
});
