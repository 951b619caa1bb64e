/**
 * The output side of `poolcall run`: entries arrive keyed by line number, in
 * any order, and are written strictly in line order, each write awaited (so a
 * slow reader of stdout slows everything upstream).
 */

/** What one input line produced. */
export type LineOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/** Writes one line's outcome; called in line order, one at a time. */
export type LineWriter = (line: number, outcome: LineOutcome) => Promise<void>;

/** A reorder buffer that writes outcomes in line order, from line 1. */
export class OrderedWriter {
  readonly #write: LineWriter;
  readonly #held = new Map<number, LineOutcome>();
  #next = 1;
  #chain: Promise<void> = Promise.resolve();
  #waiters: (() => void)[] = [];

  constructor(write: LineWriter) {
    this.#write = write;
  }

  /** Outcomes held back, waiting for an earlier line. */
  get held(): number {
    return this.#held.size;
  }

  /** The next line to be written. */
  get next(): number {
    return this.#next;
  }

  /** Adds the outcome of `line`; resolves once every line it unblocked is written. */
  put(line: number, outcome: LineOutcome): Promise<void> {
    this.#held.set(line, outcome);
    this.#chain = this.#chain.then(() => this.#drain());
    return this.#chain;
  }

  /** Resolves once fewer than `limit` outcomes are held back. */
  async room(limit: number): Promise<void> {
    while (this.#held.size >= limit) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves when all writes so far are done. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const outcome = this.#held.get(this.#next);
      if (outcome === undefined) return;
      this.#held.delete(this.#next);
      await this.#write(this.#next, outcome);
      this.#next++;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }
}
