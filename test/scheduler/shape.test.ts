import { describe, expect, it } from 'vitest';
import { structuralKey, structurallyEqual } from '../../src/main/scheduler/equal.js';
import {
  asTuple,
  flattenDeep,
  inputItems,
  isFlattenable,
  shapeOutput,
  toItems,
} from '../../src/main/scheduler/shape.js';

async function all(items: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of items) out.push(v);
  return out;
}

describe('flattening rules', () => {
  it('flattens arrays and iterables, never strings, Buffers, typed arrays, Maps or objects', () => {
    const map = new Map([[1, 2]]);
    const buf = Buffer.from('hi');
    const bytes = new Uint8Array([1, 2]);
    const obj = { a: [1] };
    function* gen() {
      yield 5;
      yield [6];
    }
    expect([...flattenDeep([1, [2, [3, 'ab']], map, buf, bytes, obj, gen()])]).toEqual([
      1,
      2,
      3,
      'ab',
      map,
      buf,
      bytes,
      obj,
      5,
      6,
    ]);
  });

  it('flattens Sets and timing pairs only with flattenTupleSet', () => {
    const set = new Set([1, 2]);
    const pair = asTuple([3, 10]);
    expect([...flattenDeep([set, pair])]).toEqual([set, pair]);
    expect([...flattenDeep([set, pair], { flattenTupleSet: true })]).toEqual([1, 2, 3, 10]);
    expect(isFlattenable('abc')).toBe(false);
  });
});

describe('input', () => {
  it('wraps a single value or a string; iterates iterables', async () => {
    expect(await all(toItems('abc'))).toEqual(['abc']);
    expect(await all(toItems(7))).toEqual([7]);
    expect(await all(toItems(null))).toEqual([null]);
    expect(await all(toItems({ a: 1 }))).toEqual([{ a: 1 }]);
    expect(await all(toItems(new Set([1, 2])))).toEqual([1, 2]);
  });

  it('sanitizeInput flattens and drops null/undefined; uniqueInput works on its own', async () => {
    expect(
      await all(inputItems([[1, null], [[2]], undefined, 1], { sanitizeInput: true })),
    ).toEqual([1, 2, 1]);
    expect(
      await all(inputItems([{ a: 1 }, { a: 1 }, [1], [1], null, null], { uniqueInput: true })),
    ).toEqual([{ a: 1 }, [1], null]);
    async function* source() {
      yield [1, 2];
      yield [2, 3];
    }
    expect(await all(inputItems(source(), { sanitizeInput: true, uniqueInput: true }))).toEqual([
      1, 2, 3,
    ]);
  });
});

describe('output', () => {
  it('flatten, dropna and uniqueOutput, each on its own', () => {
    const results = [[1, [2]], null, [1, [2]], undefined, 3];
    expect(shapeOutput(results, { flatten: true })).toEqual([1, 2, null, 1, 2, undefined, 3]);
    expect(shapeOutput(results, { dropna: true })).toEqual([[1, [2]], [1, [2]], 3]);
    expect(shapeOutput(results, { uniqueOutput: true })).toEqual([[1, [2]], null, undefined, 3]);
    expect(shapeOutput(results, { flatten: true, dropna: true, uniqueOutput: true })).toEqual([
      1, 2, 3,
    ]);
  });

  it('does not collide values Python hashes collide (-1 and -2)', () => {
    expect(shapeOutput([-1, -2, -1], { uniqueOutput: true })).toEqual([-1, -2]);
  });
});

describe('structural equality', () => {
  it('compares by content, key order aside, and types apart', () => {
    expect(structurallyEqual({ a: 1, b: [2, 3] }, { b: [2, 3], a: 1 })).toBe(true);
    expect(structurallyEqual([1], ['1'])).toBe(false);
    expect(structurallyEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(structurallyEqual(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(structurallyEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]))).toBe(true);
    expect(structurallyEqual(new Date(5), new Date(5))).toBe(true);
    expect(structurallyEqual(new Uint8Array([1]), new Int8Array([1]))).toBe(false);
    expect(structurallyEqual(null, undefined)).toBe(false);
    class P {
      constructor(readonly x: number) {}
    }
    expect(structurallyEqual(new P(1), new P(1))).toBe(true);
    expect(structurallyEqual(new P(1), { x: 1 })).toBe(false);
  });

  it('keys a value that contains itself', () => {
    const a: unknown[] = [1];
    a.push(a);
    expect(typeof structuralKey(a)).toBe('string');
  });
});
