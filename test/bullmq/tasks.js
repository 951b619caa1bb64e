// @ts-check
/** Task module served by the test machines: the integration fixtures, plus tasks that behave by attempt. */
import { defineTask } from 'poolcall/worker';
import { busy } from '../fixtures/tasks.js';

export * from '../fixtures/tasks.js';

/** Spins for 5 ms, then returns `x + 1`: a job that takes a little while, with a result to check. */
export function slowInc(/** @type {number} */ x) {
  busy(5);
  return x + 1;
}

/** Spins forever on its first attempt, returns `x * 2` on later ones. */
export const slowFirst = defineTask(
  /** @param {number} x @param {import('poolcall/worker').TaskContext} ctx */
  (x, ctx) => {
    if (ctx.attempt === 1) for (;;) {}
    return x * 2;
  },
);

/** Odd items fail on their first attempt; every item reports the attempt it succeeded on. */
export const oddFailsOnce = defineTask(
  /** @param {number} x @param {import('poolcall/worker').TaskContext} ctx */
  (x, ctx) => {
    if (x % 2 === 1 && ctx.attempt === 1) throw new RangeError(`odd ${x}`);
    return { x, attempt: ctx.attempt, index: ctx.index };
  },
);
