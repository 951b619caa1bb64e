// @ts-check
/** Worker tasks of examples/server.ts. */

/** Naive Fibonacci: exponential CPU work, a runaway for large `n`. @param {number} n @returns {number} */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
