// @ts-check
/** The task module every machine serves. */

/** Spins for about `ms` milliseconds of CPU time. @param {number} ms */
export function spin(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

/** @param {number} n @returns {number} */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
