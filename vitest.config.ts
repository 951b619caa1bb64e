import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files run in child processes ('forks'), not worker threads: the pool
// tests start piscina workers of their own, terminate them, exhaust their heap
// and call process.exit in them, which must not reach the runner.
//
// Most pool test files keep two worker threads of CPU-bound work busy beside
// their main thread, so one file per two cores runs at a time (one on a 2-core
// CI machine). More would only make CPU-bound files starve each other; no test
// depends on how fast it runs (they wait on handshakes, events or a ManualClock),
// so this choice is about total time, not about correctness.
const maxWorkers = Math.max(1, Math.floor(availableParallelism() / 2));

// poolcall/bullmq refuses Deno (UnsupportedRuntimeError, asserted there by
// test/bullmq/runtime.test.ts), so its end-to-end files do not run on Deno.
const bullmqFiles = [
  'test/bullmq/bullmq.test.ts',
  'test/bullmq/restart.test.ts',
  'test/bullmq/lost-jobs.test.ts',
];
const onDeno = 'Deno' in globalThis;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(onDeno ? bullmqFiles : [])],
    // Bounds for a hung test, not for a slow one: nothing is expected to come
    // near them, even on a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
