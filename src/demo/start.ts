/** `npm start`: a CPU-bound task through the pool, serial vs pooled, with the pool's stats. */
import os from 'node:os';
import { createPool } from '../main/index.js';
import { fib } from './tasks.js';

const items = Array.from({ length: 64 }, () => 27);
const threads = os.availableParallelism();

let t = performance.now();
for (const n of items) fib(n);
const serialMs = performance.now() - t;

await using pool = createPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), {
  maxThreads: threads,
});
await Promise.all(Array.from({ length: threads }, () => pool.run('fib', 10)));
t = performance.now();
await Promise.all(items.map((n) => pool.run('fib', n)));
const pooledMs = performance.now() - t;

console.log(`fib(27) x ${items.length}: serial ${serialMs.toFixed(0)} ms, pool of ${threads} ${pooledMs.toFixed(0)} ms`);
console.log(`speedup ${(serialMs / pooledMs).toFixed(2)}x (limit ${threads}.0x)`);
console.log(pool.stats());
