/**
 * What the pool handed this thread, and what the thread does with it before
 * it loads anything: the user's `workerData` restored, the pool's
 * `niceIncrement` applied.
 */
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import { MAX_NICE, MODULE_ARG, NICE_ARG } from '../shared/wire.js';
import type { PoolWorkerData } from './protocol.js';

/**
 * What the pool handed this thread. Where the module's URL travels in argv,
 * `workerData` is already the user's own; otherwise it is poolcall's, and the
 * user's value takes its place for the task module to import.
 */
export function threadData(): PoolWorkerData {
  const arg = process.argv.findLast((a) => a.startsWith(MODULE_ARG));
  if (arg) {
    const nice = process.argv.findLast((a) => a.startsWith(NICE_ARG));
    return {
      module: arg.slice(MODULE_ARG.length),
      userData: workerThreads.workerData,
      ...(nice ? { nice: Number(nice.slice(NICE_ARG.length)) } : {}),
    };
  }
  const own = workerThreads.workerData as PoolWorkerData;
  (workerThreads as { workerData: unknown }).workerData = own.userData;
  syncBuiltinESMExports();
  return own;
}

/**
 * Lowers this thread's priority by `increment` (see the pool's
 * `niceIncrement`). Only on Linux, where a thread's priority is its own.
 */
export function lowerPriority(increment: number): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(Math.min(MAX_NICE, os.getPriority() + increment));
  } catch {
    // A runtime without thread priorities: the thread runs as it is.
  }
}
