/**
 * Warm spare threads, sized to what a kill takes away. A pool starts with
 * `spareThreads` idle threads beyond its slots, so a worker terminated by a
 * timeout or a cancel is replaced by a thread that has already booted and
 * loaded the task module. When more workers are terminated together than
 * there are spares (every slot's item timing out at once, a cancelled call
 * that held every slot), the pool keeps as many spares from then on as were
 * lost together (at most one per slot): piscina then starts that many
 * replacements at once, and the next such kill finds them warm.
 */
import type { Piscina } from 'piscina';

/** Terminations less than this far apart (ms) count as one kill. */
export const BURST_MS = 1000;

/** The spare count of one pool. */
export class Spares {
  readonly #piscina: Piscina;
  readonly #threads: number;
  readonly #minThreads: number;
  #spares: number;
  #burst = 0;
  #last = Number.NEGATIVE_INFINITY;

  /**
   * @param threads the pool's slots' threads (`maxThreads`)
   * @param minThreads threads kept without work (`minThreads`)
   * @param spares the `spareThreads` option
   */
  constructor(piscina: Piscina, threads: number, minThreads: number, spares: number) {
    this.#piscina = piscina;
    this.#threads = threads;
    this.#minThreads = minThreads;
    this.#spares = spares;
  }

  /** Spare threads kept now. */
  get count(): number {
    return this.#spares;
  }

  /**
   * A worker is about to be terminated (call it before aborting its task:
   * piscina starts replacements as the abort happens, up to its minimum).
   */
  terminating(now = performance.now()): void {
    this.#burst = now - this.#last > BURST_MS ? 1 : this.#burst + 1;
    this.#last = now;
    const wanted = Math.min(this.#threads, this.#burst);
    if (wanted <= this.#spares) return;
    this.#spares = wanted;
    const options = this.#piscina.options;
    options.maxThreads = this.#threads + wanted;
    options.minThreads = this.#minThreads + wanted;
  }
}
