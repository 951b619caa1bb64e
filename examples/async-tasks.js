// @ts-check
/** Worker tasks of examples/async-primitives.ts. */

/** Naive Fibonacci: exponential CPU work. @param {number} n @returns {number} */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** CPU-bound work that never ends on its own. @param {unknown} _ @returns {never} */
export function runaway(_) {
  for (;;) {}
}
