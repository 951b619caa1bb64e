/** Shared test helpers: fixture locations, a started-handshake for worker tasks, child node runs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { ItemCloneError, isPoolcallError } from 'poolcall';
import { afterAll, afterEach, beforeAll, expect, onTestFinished } from 'vitest';
import {
  currentRuntime,
  enforcesResourceLimits,
  runtimeLabel,
} from '../src/main/common/runtime.js';

/** The runtime the tests run on, e.g. `Bun 1.4.5`. */
export const runtime = currentRuntime();
/** Its label in error messages. */
export const runtimeName = runtimeLabel(runtime);
/** Whether `resourceLimits` (worker heap limits) work here: where they do not, createPool refuses them. */
export const heapLimits = enforcesResourceLimits(runtime);
/** Whether the runtime loads TypeScript modules itself (Node.js 22.18+, Bun, Deno). */
export const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
export const fixtures = new URL('./fixtures/', import.meta.url);
export const tasksUrl = new URL('tasks.js', fixtures);

/** A SharedArrayBuffer handshake: the `spin` task stores 1 at [0] when it starts; store 1 at [1] to release it. */
export function handshake() {
  const flag = new SharedArrayBuffer(8);
  const view = new Int32Array(flag);
  return {
    flag,
    /** Resolves once the task has signalled that it started. */
    started: async (): Promise<void> => {
      const r = Atomics.waitAsync(view, 0, 0);
      if (r.async) await r.value;
    },
    release: () => {
      Atomics.store(view, 1, 1);
    },
  };
}

/**
 * Resolves once `condition()` holds, looking again every few milliseconds.
 * It waits for a state (a worker terminated, a call queued), not for a time:
 * only the test's own timeout bounds it, so a slow machine makes it wait
 * longer instead of failing. Assert the state itself afterwards.
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setTimeout(resolve, 5));
}

/** Resolves once `pool.stats()` shows nothing busy or queued (see {@link until}). */
export function idle(pool: { stats(): { busy: number; queued: number } }): Promise<void> {
  return until(() => {
    const s = pool.stats();
    return s.busy === 0 && s.queued === 0;
  });
}

/**
 * Kills `child` (SIGKILL) when the running test ends, passed or failed or
 * timed out, unless it has ended by then: no child outlives its test.
 */
export function killAfterTest(child: ChildProcess): void {
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** A promise with its settle functions exposed. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How a child `node` process ended, with everything it printed. */
export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when it was still running after `hangMs` and was killed. */
  hung: boolean;
}

/** Runs `node ...args` to its end; with `hangMs`, kills it (SIGKILL) if still running by then. */
export function runNode(args: readonly string[], hangMs?: number): Promise<NodeRun> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killAfterTest(child);
  let stdout = '';
  let stderr = '';
  let hung = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer =
    hangMs === undefined
      ? undefined
      : setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, hangMs);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung });
    }),
  );
}

/** An item whose getter throws `error` when it is read, as structured clone does. */
export function throwingGetter(error: Error): { readonly g: never } {
  return {
    get g(): never {
      throw error;
    },
  };
}

/** A Proxy whose `ownKeys` trap throws `error` (when its keys are listed, as structured clone does). */
export function throwingProxy(error: Error): object {
  return new Proxy(
    {},
    {
      ownKeys() {
        throw error;
      },
    },
  );
}

/**
 * Records every `unhandledRejection` of this process while the suite runs
 * (installed before its tests, removed after them); the returned list
 * fills as they happen.
 */
export function recordUnhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const record = (reason: unknown) => {
    seen.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
  });
  return seen;
}

/**
 * After each test of the suite: nothing in `unhandled`, the pool idle
 * (a chunk's slot is given back once its last answer is in, just after its
 * items settle) and still running `check`.
 */
export function expectHealthyAfterEach(
  pool: { stats(): { busy: number; queued: number } },
  unhandled: readonly unknown[],
  check?: () => Promise<void>,
): void {
  afterEach(async () => {
    expect(unhandled).toEqual([]);
    await idle(pool);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    await check?.();
  });
}

/** Asserts that `error` is item `index`'s clone failure (ERR_DATA_CLONE naming it) and returns it. */
export function expectCloneError(error: unknown, index: number): ItemCloneError {
  expect(error, `item ${index}`).toBeInstanceOf(ItemCloneError);
  expect(isPoolcallError(error, 'ERR_DATA_CLONE')).toBe(true);
  const e = error as ItemCloneError;
  expect(e.index).toBe(index);
  expect(e.message).toContain(`item ${index}`);
  return e;
}
