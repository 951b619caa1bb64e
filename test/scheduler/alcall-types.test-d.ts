import { describe, expectTypeOf, it } from 'vitest';
import type { TaskHandle } from '../../src/main/pool/pool.js';
import { alcall } from '../../src/main/scheduler/alcall.js';
import { bcall } from '../../src/main/scheduler/bcall.js';

declare const fib: TaskHandle<number, number>;

describe('alcall result types', () => {
  it('infers the result from main-thread functions and task handles', () => {
    expectTypeOf(alcall([1, 2], async (x) => String(x))).resolves.toEqualTypeOf<string[]>();
    expectTypeOf(alcall([1, 2], (x) => x * 2)).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall([30], fib)).resolves.toEqualTypeOf<number[]>();
  });

  it('adds the default, Error, timing pairs and drops null with dropna', () => {
    expectTypeOf(alcall([1], fib, { retryDefault: null })).resolves.toEqualTypeOf<
      (number | null)[]
    >();
    expectTypeOf(alcall([1], fib, { retryDefault: 'FAILED' })).resolves.toEqualTypeOf<
      (number | 'FAILED')[]
    >();
    expectTypeOf(alcall([1], fib, { returnExceptions: true })).resolves.toEqualTypeOf<
      (number | Error)[]
    >();
    expectTypeOf(alcall([1], fib, { retryTiming: true })).resolves.toEqualTypeOf<
      [number, number][]
    >();
    expectTypeOf(
      alcall([1], (x: number) => (x > 0 ? x : null), { dropna: true }),
    ).resolves.toEqualTypeOf<number[]>();
    expectTypeOf(alcall([[1]], fib, { sanitizeInput: true, flatten: true })).resolves.toEqualTypeOf<
      number[]
    >();
  });

  it('types bcall batches the same way', () => {
    expectTypeOf(bcall([1, 2], fib, { batchSize: 1, retryDefault: 0 })).toEqualTypeOf<
      AsyncGenerator<number[], void, undefined>
    >();
  });
});
