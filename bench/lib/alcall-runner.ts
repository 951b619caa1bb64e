/**
 * poolcall `alcall(items, pool.task(op), { chunkSize: 'auto' })` as a bench
 * runner. Looked up at run time, so the suites also run against a build that
 * lacks alcall or chunkSize (the runner is then left out or labelled so).
 */
import * as poolcall from 'poolcall';
import type * as ops from '../fixtures/ops.js';
import { type OpName, opsUrl, type Runner, THREADS } from './peers.js';

type TaskFn = (item: number) => Promise<unknown>;
type Alcall = (items: readonly number[], fn: TaskFn, options?: object) => Promise<unknown[]>;

/** The `alcall` export of the built poolcall, when there is one. */
export function findAlcall(): Alcall | undefined {
  const found = (poolcall as Record<string, unknown>).alcall;
  return typeof found === 'function' ? (found as Alcall) : undefined;
}

/** A runner over alcall with `chunkSize: 'auto'` (or without chunkSize when the option is unknown). */
export async function alcallRunner(): Promise<Runner | undefined> {
  const alcall = findAlcall();
  if (!alcall) return undefined;
  const pool = poolcall.createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  let options: object = { chunkSize: 'auto' };
  let name = "poolcall alcall chunkSize 'auto'";
  if (!(await works(alcall, pool.task('inc'), options))) {
    options = {};
    name = 'poolcall alcall';
    if (!(await works(alcall, pool.task('inc'), options))) {
      await pool.close();
      return undefined;
    }
  }
  const runMany = (op: OpName, items: readonly number[]) => alcall(items, pool.task(op), options);
  return {
    name,
    run: async (op, item) => (await runMany(op, [item]))[0],
    runMany,
    close: () => pool.close(),
  };
}

/** Yes when a short alcall with `options` gives the right answer within 5 s. */
async function works(alcall: Alcall, fn: TaskFn, options: object): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 5000);
  });
  try {
    const out = await Promise.race([alcall([1, 2, 3], fn, options), late]);
    return JSON.stringify(out) === '[2,3,4]';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
