/**
 * Finding the jobs Redis lost. A Redis restarted without persistence (or
 * flushed) forgets the jobs it held, and no event ever says so: their calls
 * would wait forever. So after every reconnection, and every `interval` ms,
 * the producer asks Redis which of the jobs it waits for it still has.
 *
 * A job that is missing may only have finished: a completed job is removed
 * at once (a failed one may be). BullMQ writes a job's `completed` or
 * `failed` event in the same step that removes the job, so a marker
 * published on the event stream after the question comes back after those
 * events. A missing job still waited for once the marker is back was lost.
 * When the marker does not come back (Redis went away again), nothing is
 * declared lost and the check is made again.
 */
import type { Clock } from '../common/clock.js';

/** What a {@link LostJobCheck} asks of the producer and of Redis. */
export interface LostJobCheckOptions {
  /** Ids of the jobs in the queue whose calls are not all settled. */
  readonly waited: () => readonly string[];
  /** Whether job `id` is still waited for: no event settled it, no call cancelled it. */
  readonly isWaited: (id: string) => boolean;
  /** Which of `ids` Redis has, in order. */
  readonly exists: (ids: readonly string[]) => Promise<readonly boolean[]>;
  /** Publishes a marker carrying `token` on the queue's event stream. */
  readonly publishMarker: (token: string) => Promise<unknown>;
  /** Receives the ids of the jobs found lost. */
  readonly onLost: (ids: readonly string[]) => void;
  /** Receives the error of a check that could not be made (it is made again later). */
  readonly onError: (error: Error) => void;
  /** Time between two checks, ms; `Infinity`: only after reconnections. */
  readonly interval: number;
  /** How long a marker may take to come back before its check is given up, ms. */
  readonly markerTimeout: number;
  /** Marker tokens start with this, so markers of other producers are told apart. */
  readonly tokenPrefix: string;
  readonly clock: Clock;
}

/** Checks that the jobs a producer waits for still exist in Redis; see the module comment. */
export class LostJobCheck {
  readonly #options: LostJobCheckOptions;
  readonly #markers = new Map<string, (seen: boolean) => void>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #again = false;
  #counter = 0;

  constructor(options: LostJobCheckOptions) {
    this.#options = options;
    if (Number.isFinite(options.interval)) void this.#every(options.interval);
  }

  /** Makes a check now; a check already under way is followed by one more. */
  request(): void {
    if (this.#stop.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#check()
      .catch((error: unknown) => {
        if (!this.#stop.signal.aborted) this.#options.onError(error as Error);
      })
      .finally(() => {
        this.#running = undefined;
        if (!this.#again) return;
        this.#again = false;
        this.request();
      });
  }

  /** A connection came back: markers published before may have gone with the old Redis. */
  reconnected(): void {
    this.#abandonMarkers();
    this.request();
  }

  /** A marker event arrived on the event stream. */
  marker(token: string): void {
    this.#markers.get(token)?.(true);
  }

  /** Stops checking; resolves once a check under way has ended. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#abandonMarkers();
    await this.#running;
  }

  async #every(interval: number): Promise<void> {
    const { clock } = this.#options;
    const signal = this.#stop.signal;
    try {
      for (;;) {
        await clock.sleep(interval, signal);
        this.request();
      }
    } catch {
      // Stopped by close().
    }
  }

  async #check(): Promise<void> {
    const { waited, exists, isWaited, onLost } = this.#options;
    const ids = waited();
    if (ids.length === 0) return;
    const present = await exists(ids);
    const missing = ids.filter((_, i) => present[i] !== true);
    if (missing.length === 0 || !(await this.#markerSeen())) return;
    const lost = missing.filter(isWaited);
    if (lost.length > 0 && !this.#stop.signal.aborted) onLost(lost);
  }

  /** Publishes a marker and resolves whether it came back on the event stream. */
  async #markerSeen(): Promise<boolean> {
    const { clock, markerTimeout, publishMarker, tokenPrefix } = this.#options;
    const token = `${tokenPrefix}${++this.#counter}`;
    const seen = new Promise<boolean>((resolve) => this.#markers.set(token, resolve));
    const timer = new AbortController();
    const timeout = clock.sleep(markerTimeout, timer.signal).then(
      () => false,
      () => false,
    );
    try {
      await publishMarker(token);
      return await Promise.race([seen, timeout]);
    } finally {
      this.#markers.delete(token);
      timer.abort();
    }
  }

  #abandonMarkers(): void {
    const waiting = [...this.#markers.values()];
    this.#markers.clear();
    for (const settle of waiting) settle(false);
  }
}
