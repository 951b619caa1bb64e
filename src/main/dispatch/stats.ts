/** Bounded samples and their summary (mean and percentiles). */

/** A summary of durations in ms. */
export interface DurationSummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Keeps the most recent `capacity` samples in a ring, plus the overall max and mean. */
export class Samples {
  readonly #ring: Float64Array;
  #count = 0;
  #total = 0;
  #sum = 0;
  #max = 0;

  constructor(capacity = 4096) {
    this.#ring = new Float64Array(capacity);
  }

  /** Adds one sample. */
  add(value: number): void {
    this.#ring[this.#count++ % this.#ring.length] = value;
    this.#total++;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
  }

  /** How many samples were ever added. */
  get count(): number {
    return this.#total;
  }

  /** Mean over all samples; percentiles over the most recent ones. */
  summary(): DurationSummary {
    const n = Math.min(this.#count, this.#ring.length);
    if (n === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.#ring.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0;
    return {
      mean: this.#sum / this.#total,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: this.#max,
    };
  }
}
