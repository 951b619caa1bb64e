/**
 * A Node object-mode Transform over {@link imap}: items written in, results
 * read out, with imap's order, lookahead and cancellation, and the streams'
 * own backpressure on both sides.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { TaskAbortedError } from '../common/errors.js';
import { type IMapOptions, imap } from './imap.js';
import type { Callable } from './options.js';
import type { KnownKeys, NoOptions } from './types.js';

/** Options of `pool.transform(name, options)`: the imap options. */
export type TransformOptions = IMapOptions;

interface Written {
  readonly item: unknown;
  readonly done: TransformCallback;
}

/**
 * An object-mode Transform that runs `fn` on every written item and pushes
 * the results (input order by default; `ordered: false` for completion
 * order). A written item is acknowledged only when imap reads it, so a slow
 * reader slows the writer. An item that fails for good destroys the stream
 * with its error; destroying the stream cancels what is in flight.
 *
 * @example
 * ```ts
 * await pipeline(source, pool.transform('parse', { chunkSize: 'auto' }), sink);
 * ```
 */
/**
 * An object-mode Transform that runs `fn` on every written item and pushes
 * the results (input order by default; `ordered: false` for completion
 * order). A written item is acknowledged only when imap reads it, so a slow
 * reader slows the writer. An item that fails for good destroys the stream
 * with its error; destroying the stream cancels what is in flight.
 *
 * @example
 * ```ts
 * await pipeline(source, pool.transform('parse', { chunkSize: 'auto' }), sink);
 * ```
 */
// The typed view of the readable side: results of type `R`. The written
// side keeps Node's own untyped `write(chunk)`, so that the stream stays a
// `NodeJS.ReadWriteStream` for `pipeline`.
export interface TaskTransform<T = unknown, R = unknown> {
  /** Reads the results in order (`for await`). */
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<R>;
  /** The item type written to the stream (types only; never set). */
  readonly __item?: T;
}

/**
 * An object-mode Transform that runs `fn` on every written item and pushes
 * the results (input order by default; `ordered: false` for completion
 * order). A written item is acknowledged only when imap reads it, so a slow
 * reader slows the writer. An item that fails for good destroys the stream
 * with its error; destroying the stream cancels what is in flight.
 *
 * @example
 * ```ts
 * await pipeline(source, pool.transform('parse', { chunkSize: 'auto' }), sink);
 * ```
 */
// The typed view of the stream's two sides: items of type `T` are written,
// results of type `R` are read. The methods are Transform's own.
export interface TaskTransform<T = unknown, R = unknown> {
  /** Writes one item (the task's item type). */
  write(item: T, callback?: (error: Error | null | undefined) => void): boolean;
  /** Writes one item (the encoding is ignored in object mode). */
  write(
    item: T,
    encoding: BufferEncoding,
    callback?: (error: Error | null | undefined) => void,
  ): boolean;
  /** Ends the writable side. */
  end(callback?: () => void): this;
  /** Ends the writable side after one last item. */
  end(item: T, callback?: () => void): this;
  /** Ends the writable side after one last item (the encoding is ignored). */
  end(item: T, encoding: BufferEncoding, callback?: () => void): this;
  /** Reads the results in order. */
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<R>;
}

export class TaskTransform extends Transform {
  readonly #fn: Callable<never, unknown>;
  readonly #options: TransformOptions;
  readonly #written: Written[] = [];
  #ended = false;
  #takeWaiter: (() => void) | undefined;
  #readWaiter: (() => void) | undefined;
  readonly #controller = new AbortController();
  #loop: Promise<void> | undefined;
  #failure: Error | undefined;

  constructor(fn: Callable<never, unknown>, options: TransformOptions = {}) {
    super({ objectMode: true, highWaterMark: 16 });
    this.#fn = fn;
    const own = this.#controller.signal;
    this.#options = {
      ...options,
      signal: options.signal ? AbortSignal.any([options.signal, own]) : own,
    };
  }

  override _transform(item: unknown, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#written.push({ item, done });
    this.#start();
    this.#wakeTaker();
  }

  override _flush(done: TransformCallback): void {
    this.#ended = true;
    this.#wakeTaker();
    void this.#start().then(() => done(this.#failure));
  }

  override _read(size: number): void {
    const w = this.#readWaiter;
    this.#readWaiter = undefined;
    w?.();
    super._read(size);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#ended = true;
    this.#wakeTaker();
    this.#controller.abort(error ?? new TaskAbortedError(undefined, 'The stream was destroyed'));
    const w = this.#readWaiter;
    this.#readWaiter = undefined;
    w?.();
    done(error);
  }

  #wakeTaker(): void {
    const w = this.#takeWaiter;
    this.#takeWaiter = undefined;
    w?.();
  }

  #start(): Promise<void> {
    this.#loop ??= this.#pump();
    return this.#loop;
  }

  async *#source(): AsyncGenerator<unknown, void, undefined> {
    for (;;) {
      const w = this.#written.shift();
      if (w) {
        w.done();
        yield w.item;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#takeWaiter = resolve;
      });
    }
  }

  /** Moves results to the readable side; never rejects (a failure destroys the stream). */
  async #pump(): Promise<void> {
    try {
      for await (const result of imap(
        this.#source(),
        this.#fn as Callable<unknown, unknown>,
        this.#options,
      )) {
        if (this.destroyed) return;
        if (!this.push(result)) {
          await new Promise<void>((resolve) => {
            this.#readWaiter = resolve;
          });
        }
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      if (!this.destroyed) this.destroy(this.#failure);
    }
  }
}

/**
 * A {@link TaskTransform} running `fn` (a task handle or a main-thread
 * function). Written chunks are not type-checked: Node's stream types take
 * any chunk, and a narrower `write` would no longer fit `pipeline`.
 */
export function createTransform<T, R, const O extends TransformOptions = NoOptions>(
  fn: Callable<T, R>,
  options?: O & TransformOptions & KnownKeys<O, TransformOptions>,
): TaskTransform {
  return new TaskTransform(fn as Callable<never, unknown>, options);
}
