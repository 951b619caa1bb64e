/**
 * `chunkSize: 'auto'`: sizes chunks from measured per-item run time so that
 * the fixed cost of one worker message stays a small share of a chunk's run,
 * and a busy worker always holds work while the main thread waits for a core.
 */

/** The fixed cost of one worker message (post, clone, wake-up, reply), in ms. */
export const MESSAGE_OVERHEAD_MS = 0.04;
/**
 * The share of a batch's run time the message overhead may take: 0.25%, so a
 * batch runs for about 16 ms. Shorter batches would meet the SPEC's 5% too,
 * but with as many busy workers as cores every batch report wakes the main
 * thread, which then takes a core from a worker for the report and the next
 * batch: fewer, longer batches leave the workers more of the machine. Idle
 * slots at the end of a run take unstarted batches back (`ChunkRun.steal`),
 * so longer batches do not leave one worker alone with the tail.
 */
export const OVERHEAD_SHARE = 0.0025;
/**
 * The share for calls that wait behind a busy slot and travel together
 * (`pool.run`): 1%, about 4 ms per message, as such calls may each be a
 * request someone waits for.
 */
export const PACK_OVERHEAD_SHARE = 0.01;
/** Batches a worker holds beyond the one it runs (see `ChunkGrowth.ahead`). */
export const READY_BATCHES = 2;
/**
 * The least work (ms) a slot with nothing left to do takes back from a busy
 * worker (`ChunkRun.steal`): less would cost another message and clone for
 * less than it saves, and the two slots would pass ever smaller tails back
 * and forth.
 */
export const STEAL_MIN_MS = 1;
/**
 * About how much work (ms) the first batch of a growing chunk carries; each
 * batch after it may be twice the one before, up to the chunk size. A
 * worker then starts once a short batch is cloned rather than a whole one,
 * and the main thread clones the next while it runs: with ~30 µs items in
 * plain arrays of 300 numbers (~5 µs to clone each), a whole first batch
 * kept the second worker waiting for two batches' clones, several ms.
 */
export const FIRST_BATCH_MS = 4;
/**
 * Batches per slot that what is left of a known input is cut into, at
 * least (see {@link AutoSize.forRest}).
 */
export const TAIL_SHARE = 2;
/** Bounds of an automatic chunk size. */
export const AUTO_MIN = 1;
/** @see AUTO_MIN */
export const AUTO_MAX = 4096;

/**
 * The learnt chunk size of one task. Starts at {@link AUTO_MIN}; each finished
 * batch refines a decaying average of per-item run time.
 *
 * @example
 * ```ts
 * const s = new AutoSize();
 * s.observe(0.2, 100);   // 100 items took 0.2 ms in the worker
 * s.size;                // 4096: as many as a message may carry
 * s.observe(10, 100);    // 0.1 ms per item now
 * s.size;                // about 160: 16 ms of work per message
 * ```
 */
export class AutoSize {
  readonly #share: number;
  #ms = 0;
  #items = 0;
  #size = AUTO_MIN;

  /** @param share the share of a batch's run the message overhead may take */
  constructor(share = OVERHEAD_SHARE) {
    this.#share = share;
  }

  /** Items per message now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Attempts worth keeping in flight per slot: one batch running and
   * {@link READY_BATCHES} ready in the worker. At the largest size the items
   * are so small that the main thread, not the workers, sets the pace: two
   * batches per slot then, so that the main thread reads and sends the next
   * while a worker runs one, and no more, as more would only add live
   * objects for the garbage collector to copy.
   */
  get window(): number {
    return this.#size >= AUTO_MAX ? 2 * AUTO_MAX : Math.max(2, (1 + READY_BATCHES) * this.#size);
  }

  /** Items of the first batch of a growing chunk: {@link FIRST_BATCH_MS} of work, within 1..size. */
  get firstBatch(): number {
    const perItem = this.#items > 0 ? this.#ms / this.#items : 0;
    if (!(perItem > 0)) return this.#size;
    return Math.min(this.#size, Math.max(AUTO_MIN, Math.ceil(FIRST_BATCH_MS / perItem)));
  }

  /** Items worth taking back from a busy worker: {@link STEAL_MIN_MS} of work, at least 1. */
  get stealMin(): number {
    const perItem = this.#items > 0 ? this.#ms / this.#items : 0;
    return perItem > 0 ? Math.max(1, Math.ceil(STEAL_MIN_MS / perItem)) : 1;
  }

  /**
   * Items whose learnt run time fits within what one message may carry
   * (rounded down, where {@link size} rounds up; at least 1): how many
   * waiting calls may share a message.
   */
  get fits(): number {
    const perItem = this.#items > 0 ? this.#ms / this.#items : 0;
    if (!(perItem > 0)) return this.#size;
    const fit = Math.floor(MESSAGE_OVERHEAD_MS / this.#share / perItem);
    return Math.min(AUTO_MAX, Math.max(AUTO_MIN, fit));
  }

  /**
   * `size`, or less when only `rest` items are left to send over `slots`
   * slots: at most 1/{@link TAIL_SHARE} of each slot's share of them, and at
   * least {@link stealMin}. So batches shrink as a known input runs out and
   * the workers finish together, rather than one running a whole batch
   * alone at the end. An unknown rest (`Infinity`) leaves `size` as it is.
   */
  forRest(size: number, rest: number, slots: number): number {
    if (rest === Number.POSITIVE_INFINITY) return size;
    const share = Math.ceil(rest / (TAIL_SHARE * slots));
    return Math.min(size, Math.max(this.stealMin, share));
  }

  /** Records that a batch of `items` items ran for `ms` in the worker. */
  observe(ms: number, items: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    this.#ms = this.#ms / 2 + ms;
    this.#items = this.#items / 2 + items;
    const perItem = this.#ms / this.#items;
    const wanted = MESSAGE_OVERHEAD_MS / this.#share / Math.max(perItem, 1e-6);
    this.#size = Math.min(AUTO_MAX, Math.max(AUTO_MIN, Math.ceil(wanted)));
  }
}
