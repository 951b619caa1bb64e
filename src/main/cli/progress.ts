/** The progress bar of `poolcall run`, drawn on a terminal (stderr), at most 10 times a second. */
import type { Writable } from 'node:stream';
import { bar, num } from './chart.js';

/** Counters the bar shows. */
export interface ProgressState {
  /** Lines finished (a result, a default or an error written), in line order. */
  done: number;
  /** Lines that failed for good. */
  failed: number;
  /** Lines read from the input so far (ahead of `done`: they are in flight). */
  read: number;
  /** Bytes read so far, and the input's size when known (a file). */
  bytes: number;
  totalBytes: number | undefined;
}

/**
 * The share of a file's lines that are done: `done` over the file's line
 * count, estimated from the bytes per line read so far (exact once the whole
 * file has been read). `undefined` when the size is unknown (stdin).
 */
export function doneShare(s: ProgressState): number | undefined {
  if (s.totalBytes === undefined || s.totalBytes === 0) return undefined;
  if (s.read === 0 || s.bytes === 0) return 0;
  const lines = (s.read * s.totalBytes) / s.bytes;
  return Math.min(1, s.done / lines);
}

/** A one-line bar redrawn in place; `clear()` before writing other lines to the same stream. */
export class ProgressBar {
  readonly #out: Writable & { readonly columns?: number };
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;
  readonly state: ProgressState;
  #shown = false;

  constructor(out: Writable & { readonly columns?: number }, totalBytes: number | undefined) {
    this.#out = out;
    this.state = { done: 0, failed: 0, read: 0, bytes: 0, totalBytes };
    this.#timer = setInterval(() => this.draw(), 100);
    this.#timer.unref();
  }

  /** The bar's text for the current state. */
  render(): string {
    const s = this.state;
    const secs = (performance.now() - this.#started) / 1000;
    const rate = secs > 0 ? s.done / secs : 0;
    const failed = s.failed > 0 ? `, ${s.failed.toLocaleString('en-US')} failed` : '';
    const lines = (n: number) => n.toLocaleString('en-US');
    const share = doneShare(s);
    const read = share === undefined ? '' : ` (${lines(s.read)} read)`;
    const counts = `${lines(s.done)} lines done${read}${failed}, ${num(rate)}/s, ${secs.toFixed(1)} s`;
    if (share === undefined) return `poolcall run: ${counts}`;
    const width = Math.max(10, Math.min(30, (this.#out.columns ?? 80) - counts.length - 12));
    return `${bar(share, 1, width).padEnd(width, '░')} ${(share * 100).toFixed(0).padStart(3)}% ${counts}`;
  }

  /** Redraws the bar. */
  draw(): void {
    this.#out.write(`\r\x1b[K${this.render()}`);
    this.#shown = true;
  }

  /** Erases the bar (it comes back on the next draw). */
  clear(): void {
    if (!this.#shown) return;
    this.#out.write('\r\x1b[K');
    this.#shown = false;
  }

  /** Stops redrawing and leaves a final summary line. */
  stop(): void {
    clearInterval(this.#timer);
    this.draw();
    this.#out.write('\n');
  }
}
