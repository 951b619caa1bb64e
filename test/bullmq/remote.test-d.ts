import { alcall } from 'poolcall';
import { connectQueue } from 'poolcall/bullmq';
import { describe, expectTypeOf, it } from 'vitest';

type Tasks = typeof import('../fixtures/tasks.js');

describe('remote task handle types', () => {
  const remote = connectQueue<Tasks>({ queue: 'jobs', connection: { port: 6379 } });

  it('infers handles from the task module, as pool.task does', () => {
    expectTypeOf(remote.task('fib')).toEqualTypeOf<(item: number) => Promise<number>>();
    expectTypeOf(remote.run('upper', 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(remote.task('withCtx')).returns.resolves.toEqualTypeOf<{
      x: number;
      index: number;
      attempt: number;
    }>();
    expectTypeOf(alcall([1, 2], remote.task('fib'))).resolves.toEqualTypeOf<number[]>();
  });

  it('rejects wrong arguments and names', () => {
    // @ts-expect-error: fib takes a number
    remote.task('fib')('30');
    // @ts-expect-error: no such export
    remote.task('nope');
  });
});
