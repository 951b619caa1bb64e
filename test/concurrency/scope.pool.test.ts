import {
  alcall,
  CancelScope,
  createPool,
  failAfter,
  ManualClock,
  moveOnAfter,
  TaskTimeoutError,
  taskGroup,
} from 'poolcall';
import { afterAll, describe, expect, it } from 'vitest';
import { handshake, tasksUrl, until } from '../helpers.js';

type Tasks = typeof import('../fixtures/tasks.js');

describe('scopes over a real pool', () => {
  const pool = createPool<Tasks>(tasksUrl, { maxThreads: 1 });
  afterAll(() => pool.close());

  it('moveOnAfter terminates a worker task spinning forever, and the next task runs', async () => {
    const clock = new ManualClock();
    const h = handshake();
    const before = pool.stats().terminated;
    const done = moveOnAfter(1000, () => pool.run('spin', { flag: h.flag }), { clock });
    await h.started();
    expect(pool.stats().busy).toBe(1);
    await clock.advance(1000);
    expect(await done).toBeUndefined();
    await until(() => pool.stats().terminated >= before + 1);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(await pool.run('inc', 1)).toBe(2);
    expect(pool.stats().busy).toBe(0);
  });

  it('failAfter terminates it too and rejects with TaskTimeoutError', async () => {
    const clock = new ManualClock();
    const h = handshake();
    const before = pool.stats().terminated;
    const spin = pool.task('spin');
    const caught = failAfter(500, () => spin({ flag: h.flag }), { clock }).catch((e: unknown) => e);
    await h.started();
    await clock.advance(500);
    expect(await caught).toBeInstanceOf(TaskTimeoutError);
    await until(() => pool.stats().terminated >= before + 1);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(await pool.run('fib', 10)).toBe(55);
  });

  it('cancel() stops a task started deep inside the scope, and tasks queued behind it', async () => {
    const h = handshake();
    const scope = new CancelScope();
    const before = pool.stats().terminated;
    let queued: Promise<unknown> | undefined;
    const done = scope.run(async () => {
      const running = pool.run('spin', { flag: h.flag });
      queued = pool.run('inc', 1).catch((e: unknown) => e);
      return running;
    });
    await h.started();
    expect(pool.stats().queued).toBe(1);
    scope.cancel();
    expect(await done).toBeUndefined();
    expect(scope.cancelledCaught).toBe(true);
    expect(await queued).toMatchObject({ code: 'ERR_TASK_ABORTED' });
    await until(() => pool.stats().terminated >= before + 1);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(pool.stats().queued).toBe(0);
    expect(await pool.run('inc', 2)).toBe(3);
  });

  it('an alcall inside a scope is cancelled with it: its worker task is terminated', async () => {
    const h = handshake();
    const scope = new CancelScope();
    const before = pool.stats().terminated;
    const done = scope.run(() => alcall([{ flag: h.flag }], pool.task('spin'), { numRetries: 2 }));
    await h.started();
    scope.cancel();
    expect(await done).toBeUndefined();
    await until(() => pool.stats().terminated >= before + 1);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(await pool.run('inc', 5)).toBe(6);
  });

  it('a shielded scope’s worker task survives its parent’s cancel', async () => {
    const h = handshake();
    const parent = new CancelScope();
    let shielded: Promise<unknown> | undefined;
    const done = parent.run(() => {
      shielded = new CancelScope({ shield: true }).run(() => pool.run('spin', { flag: h.flag }));
      return shielded;
    });
    await h.started();
    parent.cancel();
    expect(await done).toBeUndefined();
    expect(pool.stats().busy).toBe(1);
    h.release();
    expect(await shielded).toBe('released');
  });

  it('a failing child of a task group terminates its siblings’ worker tasks', async () => {
    const h = handshake();
    const before = pool.stats().terminated;
    const error = await taskGroup(async (tg) => {
      tg.startSoon(() => pool.run('spin', { flag: h.flag }));
      await h.started();
      tg.startSoon(async () => {
        throw new Error('sibling failed');
      });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'sibling failed',
    ]);
    expect(pool.stats().terminated).toBe(before + 1);
    expect(await pool.run('inc', 3)).toBe(4);
  });
});
