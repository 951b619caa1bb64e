import { createPool } from 'poolcall';
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
