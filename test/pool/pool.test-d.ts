import { createPool, type TaskKwargs } from 'poolcall';
import { defineTask, type TaskContext } from 'poolcall/worker';
import { describe, expectTypeOf, it } from 'vitest';

type Tasks = typeof import('../fixtures/tasks.js');

describe('task handle types', () => {
  const pool = createPool<Tasks>(new URL('../fixtures/tasks.js', import.meta.url));

  it('infers plain exports', () => {
    const fib = pool.task('fib');
    expectTypeOf(fib).toEqualTypeOf<(item: number) => Promise<number>>();
    expectTypeOf(pool.run('upper', 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('infers defineTask exports', () => {
    const withCtx = pool.task('withCtx');
    expectTypeOf(withCtx).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(withCtx).returns.resolves.toEqualTypeOf<{
      x: number;
      index: number;
      attempt: number;
    }>();
  });

  it('rejects wrong arguments and names', () => {
    // @ts-expect-error: fib takes a number
    pool.task('fib')('30');
    // @ts-expect-error: no such export
    pool.task('nope');
    // @ts-expect-error: wrong item type by name
    pool.run('upper', 1);
  });
});

describe('defineTask context and kwargs', () => {
  it('types ctx without a hand annotation', () => {
    const task = defineTask((item: number, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<TaskContext<unknown>>();
      expectTypeOf(ctx.index).toEqualTypeOf<number>();
      ctx.progress(item);
      return item * 2;
    });
    expectTypeOf(task).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(task).returns.toEqualTypeOf<number>();
    const scaled = defineTask(
      (item: number, ctx: TaskContext<{ by: number }>) => item * ctx.kwargs.by,
    );
    expectTypeOf<TaskKwargs<typeof scaled>>().toEqualTypeOf<{ by: number }>();
  });

  it('types pool.run kwargs from the task context', () => {
    const pool = createPool<Tasks>(new URL('../fixtures/tasks.js', import.meta.url));
    void pool.run('withCtx', 1, { kwargs: { add: 2 } });
    // @ts-expect-error: add is a number
    void pool.run('withCtx', 1, { kwargs: { add: '2' } });
    // A plain export takes no context: any kwargs are accepted and ignored.
    void pool.run('fib', 1, { kwargs: { anything: true } });
  });
});
