/** A sample CPU-bound task module shipped with poolcall, used by `npm start` and `poolcall size`. */

/** Naive recursive Fibonacci: pure CPU work of tunable size. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Counts primes below `limit` by trial division. */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
