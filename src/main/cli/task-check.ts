/**
 * Loading the task module before any work, and checking the task name once:
 * a name the module does not export is a usage error (exit 2) with one
 * message, not one ERR_UNKNOWN_TASK per input line.
 */
import { exportedNames } from '../../shared/task-names.js';
import { isPoolcallError } from '../common/errors.js';
import { createPool, type Pool } from '../pool/pool.js';
import { UsageError } from './args.js';

/** A task name no module exports (warm-up calls load the module, then fail). */
const WARM_UP = '\u0000poolcall warm-up';

/**
 * Starts `threads` threads and loads the task module in each (a call that
 * names no task fails with ERR_UNKNOWN_TASK once the module is loaded), then
 * throws a UsageError when `task` is not among the module's exported
 * functions. A module that fails to load rejects here, once. On any failure
 * the pool is closed.
 */
export async function loadAndCheck(
  pool: Pool,
  threads: number,
  task: string,
  command: string,
): Promise<void> {
  const calls = Array.from({ length: threads }, () => pool.run(WARM_UP, undefined));
  let names: string[] | undefined;
  for (const outcome of await Promise.allSettled(calls)) {
    if (outcome.status === 'fulfilled') continue;
    if (isPoolcallError(outcome.reason, 'ERR_UNKNOWN_TASK')) {
      names ??= exportedNames(outcome.reason.message);
      continue;
    }
    await pool.close({ force: true });
    throw outcome.reason;
  }
  if (names && !names.includes(task)) {
    await pool.close({ force: true });
    const list = names.length > 0 ? names.map((n) => JSON.stringify(n)).join(', ') : 'none';
    throw new UsageError(
      `the module does not export a task named ${JSON.stringify(task)} (its functions: ${list})`,
      command,
    );
  }
}

/** Checks `task` against `module`'s exports in a one-thread pool of its own. */
export async function checkTask(module: string, task: string, command: string): Promise<void> {
  const pool = createPool(module, { maxThreads: 1, spareThreads: 0 });
  await loadAndCheck(pool, 1, task, command);
  await pool.close();
}
