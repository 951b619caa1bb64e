/**
 * `chunkSize: 'auto'`: sizes chunks from measured per-item run time so that
 * the fixed cost of one worker message stays a small share of a chunk's run.
 */

/** The fixed cost of one worker message (post, clone, wake-up, reply), in ms. */
export const MESSAGE_OVERHEAD_MS = 0.04;
/** The largest share of a chunk's run time the message overhead may take. */
export const OVERHEAD_SHARE = 0.05;
/** Bounds of an automatic chunk size. */
export const AUTO_MIN = 1;
/** @see AUTO_MIN */
export const AUTO_MAX = 1024;

/**
 * The learnt chunk size of one task. Starts at {@link AUTO_MIN}; each finished
 * chunk refines a decaying average of per-item run time.
 *
 * @example
 * ```ts
 * const s = new AutoSize();
 * s.observe(0.2, 100);   // 100 items took 0.2 ms in the worker
 * s.size;                // 400: 0.8 ms of work per message
 * ```
 */
export class AutoSize {
  #ms = 0;
  #items = 0;
  #size = AUTO_MIN;

  /** Items per message now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Attempts worth keeping in flight per slot: one chunk running and one
   * ready. At the largest size the items are so small that the main thread,
   * not the workers, sets the pace: one chunk per slot then, as a second one
   * would only add live objects for the garbage collector to copy.
   */
  get window(): number {
    return this.#size >= AUTO_MAX ? AUTO_MAX : Math.max(2, 2 * this.#size);
  }

  /** Records that a chunk of `items` items ran for `ms` in the worker. */
  observe(ms: number, items: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    this.#ms = this.#ms / 2 + ms;
    this.#items = this.#items / 2 + items;
    const perItem = this.#ms / this.#items;
    const wanted = MESSAGE_OVERHEAD_MS / OVERHEAD_SHARE / Math.max(perItem, 1e-6);
    this.#size = Math.min(AUTO_MAX, Math.max(AUTO_MIN, Math.ceil(wanted)));
  }
}
