/**
 * CancelScope, failAfter, moveOnAfter: anyio's cancel scopes over
 * AbortSignal. A running scope's signal is the current signal of the async
 * context, so everything poolcall starts inside it (pool.run, worker tasks,
 * alcall, bcall, imap) is cancelled with it; a running worker task is
 * terminated.
 */
import { DISARMED, follow, invoke, noop, untilAborted } from '../common/abort.js';
import { type Clock, realClock } from '../common/clock.js';
import { currentSignal, runWithSignal } from '../common/context.js';
import { TaskAbortedError, TaskTimeoutError } from '../common/errors.js';
import { checkOptions, show } from '../common/validate.js';

/** Options of {@link CancelScope}. Times in ms. */
export interface CancelScopeOptions {
  /** Cancel the scope this long after it is created, ms (>= 0, Infinity: never). */
  timeout?: number;
  /**
   * Cancel the scope at this absolute time on the clock (`performance.now()`
   * for the real clock). With `timeout` too, the earlier one wins.
   * @default Infinity
   */
  deadline?: number;
  /**
   * Not cancelled when the enclosing scope is: the scope's signal is not
   * linked to its parent.
   * @default false
   */
  shield?: boolean;
  /** @default realClock */
  clock?: Clock;
}

type State = 'new' | 'running' | 'done';

/**
 * A region of work that can be cancelled as a unit, by `cancel()` or by its
 * deadline. `run(fn)` calls `fn(signal)` with the scope's signal as the
 * current signal. When the scope is cancelled by itself (its deadline or
 * `cancel()`), `run` resolves `undefined` at once and `cancelledCaught` is
 * set (anyio's move-on semantics); whatever `fn` still does is told through
 * the signal and its late outcome is dropped. An error `fn` throws before
 * that propagates. When the enclosing scope is cancelled, `run` rejects with
 * the enclosing scope's reason, unless `shield` is set.
 *
 * @example
 * ```ts
 * const scope = new CancelScope({ timeout: 5000 });
 * const result = await scope.run((signal) => pool.run('fib', 40, { signal }));
 * if (scope.cancelledCaught) console.log('gave up after 5 s');
 * ```
 */
export class CancelScope {
  /** Whether the scope ignores the cancellation of the enclosing scope. */
  readonly shield: boolean;
  readonly #clock: Clock;
  readonly #createdAt: number;
  readonly #controller = new AbortController();
  #deadline: number;
  #state: State = 'new';
  #cancelCalled = false;
  #cancelledCaught = false;
  #byParent = false;
  #timer: AbortController | undefined;

  constructor(options: CancelScopeOptions = {}) {
    checkOptions('CancelScope', options, {
      timeout: 'any',
      deadline: 'any',
      shield: 'boolean',
      clock: 'object',
    });
    this.#clock = options.clock ?? realClock;
    this.#createdAt = this.#clock.now();
    this.shield = options.shield ?? false;
    const { timeout, deadline = Number.POSITIVE_INFINITY } = options;
    checkTime('CancelScope', 'deadline', deadline, false);
    if (timeout !== undefined) checkTime('CancelScope', 'timeout', timeout, true);
    this.#deadline = Math.min(deadline, this.#createdAt + (timeout ?? Number.POSITIVE_INFINITY));
  }

  /** Aborts when the scope is cancelled (by itself or, unless shielded, by its parent). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** When the scope cancels itself, on the clock (`performance.now()`); Infinity: never. */
  get deadline(): number {
    return this.#deadline;
  }

  set deadline(deadline: number) {
    this.reschedule(deadline);
  }

  /** Whether `cancel()` was called or the deadline passed. */
  get cancelCalled(): boolean {
    return this.#cancelCalled;
  }

  /** Whether the scope ended because it cancelled itself. */
  get cancelledCaught(): boolean {
    return this.#cancelledCaught;
  }

  /** Moves the deadline (absolute, on the clock); a past one cancels at once. */
  reschedule(deadline: number): void {
    checkTime('CancelScope.reschedule', 'deadline', deadline, false);
    this.#deadline = deadline;
    if (this.#state === 'running') this.#arm();
  }

  /** Cancels the scope. The reason defaults to a TaskAbortedError. */
  cancel(reason?: unknown): void {
    if (this.#cancelCalled) return;
    this.#cancelCalled = true;
    this.#controller.abort(reason ?? new TaskAbortedError(undefined, 'The scope was cancelled'));
  }

  /**
   * Runs `fn(signal)` inside the scope. A scope runs once; a second `run`
   * rejects. A scope cancelled before it runs does not call `fn`.
   */
  async run<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<Awaited<T> | undefined> {
    if (this.#state !== 'new') throw new Error('CancelScope: a scope can run only once');
    this.#state = 'running';
    const signal = this.#controller.signal;
    const unlink = follow(this.shield ? undefined : currentSignal(), (reason) => {
      if (signal.aborted) return;
      this.#byParent = true;
      this.#controller.abort(reason);
    });
    try {
      this.#arm();
      if (signal.aborted) throw signal.reason;
      return await untilAborted(
        invoke(() => runWithSignal(signal, () => fn(signal))),
        signal,
      );
    } catch (error) {
      if (signal.aborted && !this.#byParent && error === signal.reason) {
        this.#cancelledCaught = true;
        return undefined;
      }
      throw error;
    } finally {
      this.#state = 'done';
      this.#timer?.abort(DISARMED);
      unlink();
    }
  }

  #arm(): void {
    this.#timer?.abort(DISARMED);
    this.#timer = undefined;
    if (this.#controller.signal.aborted || this.#deadline === Number.POSITIVE_INFINITY) return;
    const wait = this.#deadline - this.#clock.now();
    if (wait <= 0) {
      this.#expire();
      return;
    }
    const timer = new AbortController();
    this.#timer = timer;
    this.#clock.sleep(wait, timer.signal).then(() => this.#expire(), noop);
  }

  #expire(): void {
    if (this.#controller.signal.aborted) return;
    this.#cancelCalled = true;
    const after = Math.max(0, Math.round(this.#deadline - this.#createdAt));
    this.#controller.abort(new TaskTimeoutError(after, `The scope timed out after ${after} ms`));
  }
}

/** Options of {@link failAfter} and {@link moveOnAfter}. */
export type AfterOptions = Omit<CancelScopeOptions, 'timeout' | 'deadline'>;

/**
 * Runs `fn(signal)` with a time limit; past it, `fn`'s signal aborts and the
 * call rejects with a TaskTimeoutError (a worker task inside is terminated).
 *
 * @example
 * ```ts
 * const n = await failAfter(1000, () => pool.run('fib', 35));
 * ```
 */
export async function failAfter<T>(
  ms: number,
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options: AfterOptions = {},
): Promise<Awaited<T>> {
  const scope = new CancelScope({ ...checkAfter('failAfter', ms, options), timeout: ms });
  const value = await scope.run(fn);
  if (scope.cancelledCaught) throw scope.signal.reason;
  return value as Awaited<T>;
}

/**
 * Runs `fn(signal)` with a time limit; past it, `fn`'s signal aborts and the
 * call resolves `undefined` (a worker task inside is terminated).
 *
 * @example
 * ```ts
 * const n = await moveOnAfter(1000, () => pool.run('fib', 35)); // undefined if too slow
 * ```
 */
export async function moveOnAfter<T>(
  ms: number,
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options: AfterOptions = {},
): Promise<Awaited<T> | undefined> {
  return new CancelScope({ ...checkAfter('moveOnAfter', ms, options), timeout: ms }).run(fn);
}

function checkAfter(where: string, ms: number, options: AfterOptions): AfterOptions {
  checkOptions(where, options, { shield: 'boolean', clock: 'object' });
  checkTime(where, 'ms', ms, true);
  return options;
}

/** A time in ms: a number, not NaN; `nonNegative` for durations. Infinity is allowed. */
function checkTime(where: string, name: string, value: unknown, nonNegative: boolean): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: "${name}" must be a number (ms), received ${show(value)}`);
  }
  if (Number.isNaN(value) || (nonNegative && value < 0)) {
    throw new RangeError(
      `${where}: "${name}" must be a number${nonNegative ? ' >= 0' : ''} (ms), received ${show(value)}`,
    );
  }
}
