import { describe, expect, it } from 'vitest';
import * as seeds from '../../examples/seeds-alcall.js';

const doubled = (n: number) => Array.from({ length: n }, (_, i) => i * 2);

describe('the lionfuncs alcall / bcall examples, ported', () => {
  it('alcall guide examples', async () => {
    expect(await seeds.basicUsage()).toEqual([2, 4, 6, 8, 10]);
    expect(await seeds.controllingConcurrency()).toEqual(doubled(100));
    let k = 0;
    const failsEvery3rd = () => (k++ % 3 === 0 ? 0 : 1);
    expect(await seeds.retriesAndErrors(failsEvery3rd)).toEqual(doubled(20));
    expect(await seeds.retriesAndErrors(() => 0)).toEqual(Array(20).fill('FAILED'));
    const timed = await seeds.timingInformation();
    expect(timed.map(([r]) => r)).toEqual(doubled(10));
    expect(await seeds.inputAndOutputProcessing()).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('bcall guide examples', async () => {
    const batches = await seeds.bcallBasic();
    expect(batches).toHaveLength(10);
    expect(batches.flat()).toEqual(doubled(100));
    expect(await seeds.bcallWithParams()).toEqual(doubled(100));
  });

  it('API reference examples', async () => {
    const a = await seeds.alcallReference();
    expect(a.basic).toEqual([2, 4, 6, 8, 10]);
    expect(a.limited).toEqual([2, 4, 6, 8, 10]);
    expect(a.timed.map(([r]) => r)).toEqual([2, 4, 6, 8, 10]);
    expect(a.throttled).toEqual([2, 4, 6, 8, 10]);
    const b = await seeds.bcallReference();
    expect(b.plain).toEqual([
      doubled(5),
      [10, 12, 14, 16, 18],
      [20, 22, 24, 26, 28],
      [30, 32, 34, 36, 38],
    ]);
    expect(b.limited).toEqual(b.plain);
    expect(await seeds.parallelMapReference()).toEqual([2, 4, 6, 8, 10]);
    expect(await seeds.alcallParamsReference()).toEqual({
      results1: [2, 4, 6, 8, 10],
      results2: [20, 40, 60],
    });
    expect((await seeds.bcallParamsReference()).flat()).toEqual(doubled(20));
  });
});
