/**
 * taskGroup / TaskGroup: anyio's task group over promises. Children run with
 * the group's signal as the current signal; the first failure cancels the
 * siblings; the group waits for every child and reports every real failure.
 */
import { follow, invoke, isCancellation } from '../common/abort.js';
import { currentSignal, runWithSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import { show } from '../common/validate.js';

/**
 * The handle `taskGroup` passes to its body: start children with
 * `startSoon`, watch `signal`, stop everything with `cancel()`.
 */
export class TaskGroup {
  readonly #controller = new AbortController();
  readonly #children = new Set<Promise<unknown>>();
  readonly #failures: unknown[] = [];
  #byParent = false;
  #ended = false;

  private constructor() {}

  /**
   * Runs `body(tg)` with a new group, waits for every child, and resolves
   * with the body's value. See {@link taskGroup}.
   */
  static async run<T>(
    body: (tg: TaskGroup) => T | PromiseLike<T>,
  ): Promise<Awaited<T> | undefined> {
    if (typeof body !== 'function') {
      throw new TypeError(`taskGroup: body must be a function, received ${show(body)}`);
    }
    const tg = new TaskGroup();
    const signal = tg.#controller.signal;
    const unlink = follow(currentSignal(), (reason) => {
      if (signal.aborted) return;
      tg.#byParent = true;
      tg.#controller.abort(reason);
    });
    try {
      let value: Awaited<T> | undefined;
      try {
        value = await invoke(() => runWithSignal(signal, () => body(tg)));
      } catch (error) {
        tg.#fail(error);
      }
      while (tg.#children.size > 0) await Promise.allSettled([...tg.#children]);
      if (tg.#failures.length > 0) {
        const n = tg.#failures.length;
        throw new AggregateError(tg.#failures, `taskGroup: ${n} task${n === 1 ? '' : 's'} failed`);
      }
      if (tg.#byParent) throw signal.reason;
      return value;
    } finally {
      tg.#ended = true;
      unlink();
    }
  }

  /** Aborts when the group is cancelled: a child failed, `cancel()`, or the enclosing scope. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Calls `fn(...args)` now, as a child of the group (with the group's signal
   * as the current signal), and returns the child's promise. The group
   * handles the child's failure, so leaving the promise unawaited is safe.
   * Throws once the group has ended.
   */
  startSoon<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<Awaited<R>> {
    if (this.#ended)
      throw new Error('TaskGroup: the group has ended; start children inside its body');
    if (typeof fn !== 'function') {
      throw new TypeError(`TaskGroup.startSoon: fn must be a function, received ${show(fn)}`);
    }
    const child = invoke(() => runWithSignal(this.signal, () => fn(...args)));
    this.#children.add(child);
    child.then(
      () => this.#children.delete(child),
      (error: unknown) => {
        this.#children.delete(child);
        this.#fail(error);
      },
    );
    return child;
  }

  /** Cancels every child; the group then ends normally once they have settled. */
  cancel(reason?: unknown): void {
    this.#controller.abort(
      reason ?? new TaskAbortedError(undefined, 'The task group was cancelled'),
    );
  }

  #fail(error: unknown): void {
    const signal = this.#controller.signal;
    if (signal.aborted && isCancellation(error, signal.reason)) return;
    this.#failures.push(error);
    if (!signal.aborted)
      this.#controller.abort(new TaskAbortedError(error, 'A sibling task failed'));
  }
}

/**
 * Runs `body(tg)`, in which children are started with `tg.startSoon(fn,
 * ...args)`, and waits for all of them. The first failure cancels the
 * siblings (their signal aborts; worker tasks are terminated) and the group
 * rejects with an AggregateError of every failure; the siblings' own
 * cancellation errors are not counted. Resolves with the body's value.
 *
 * @example
 * ```ts
 * await taskGroup(async (tg) => {
 *   tg.startSoon(fetchUrl, 'https://example.com/1');
 *   tg.startSoon((n) => pool.run('fib', n), 30);
 * });
 * ```
 */
export function taskGroup<T>(
  body: (tg: TaskGroup) => T | PromiseLike<T>,
): Promise<Awaited<T> | undefined> {
  return TaskGroup.run(body);
}
