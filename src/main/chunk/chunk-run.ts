/**
 * Running one chunk: the message to the worker, per-item deadlines and
 * cancels through the shared clock buffer, and what each item's outcome is
 * once the worker answered, was terminated or crashed.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import {
  clockBytes,
  ItemState,
  MORE_CLOSED,
  MORE_OFFSET,
  MoreField,
  STATES_OFFSET,
  TAKEN,
} from '../../shared/wire.js';
import type {
  BatchReport,
  ItemOutcome,
  ItemReport,
  MoreReport,
  SerializedError,
  TaskRequest,
  TaskResponse,
} from '../../worker/protocol.js';
import { setTimer } from '../common/clock.js';
import { TaskAbortedError, TaskTimeoutError } from '../common/errors.js';
import { failureOf } from '../common/outcome.js';
import { afterFailedPost, refuse, unsentAgain } from './chunk-clone.js';
import {
  batchOf,
  type ChunkEntry,
  type ChunkGrowth,
  type ChunkHost,
  type ChunkOutcome,
  type ChunkSettler,
  type ChunkTask,
  minTimeout,
} from './chunk-entry.js';
import { conclude, type Stop } from './chunk-outcome.js';

/**
 * One chunk on its way to a worker and back. A chunk created with a
 * {@link ChunkGrowth} can take more entries while it runs ({@link extend}):
 * the worker goes on with them without giving its slot back, so a busy
 * worker never waits for the main thread between batches.
 */
export class ChunkRun {
  readonly #host: ChunkHost;
  readonly #settle: ChunkSettler;
  readonly #group: ChunkTask;
  readonly #growth: ChunkGrowth | undefined;
  /**
   * Every entry sent, by position: the first batch's array, grown by
   * {@link extend}. A growing chunk lets go of the entries of each reported
   * batch (their places become holes), so it holds no finished items.
   */
  #entries: (ChunkEntry | undefined)[] = [];
  #states: Int32Array | undefined;
  #stop: Stop | undefined;
  #halt: (why: Stop) => void = () => {};
  /** The main thread's end of the `more` channel, while the chunk can grow. */
  #more: MessagePort | undefined;
  /** The chunk's `more` fields in its clock buffer (see `MORE_OFFSET`). */
  #moreFields: Int32Array | undefined;
  /** The main thread's end of the per-item `results` channel. */
  #results: MessagePort | undefined;
  /** Start positions of the batches sent so far; `#reported` of them were answered. */
  readonly #bases: number[] = [];
  #reported = 0;
  readonly #listeners = new Map<AbortSignal, () => void>();
  #strict = false;
  /** Looks at per-item deadlines within `delay` ms at the latest (strict chunks). */
  #schedule: ((delay: number) => void) | undefined;

  constructor(host: ChunkHost, task: ChunkTask, settle: ChunkSettler, growth?: ChunkGrowth) {
    this.#host = host;
    this.#group = task;
    this.#settle = settle;
    this.#growth = growth;
  }

  /**
   * Whether {@link extend} would take entries now: the chunk runs, has room,
   * and the worker has no batch waiting beyond the one it runs.
   */
  get extendable(): boolean {
    return (
      this.#more !== undefined &&
      this.#stop === undefined &&
      this.held <= (this.#growth?.ahead ?? 0) &&
      this.#entries.length < (this.#growth?.capacity ?? 0) &&
      // The worker has not ended the chunk.
      Atomics.load(this.#moreFields!, MoreField.announced) !== MORE_CLOSED &&
      // Not before the worker has taken the chunk: a message that never
      // reached a worker must not have sent batches after it.
      Atomics.load(this.#states!, 0) !== ItemState.pending
    );
  }

  /** Every entry sent and not yet let go, settled or not. */
  get entries(): ChunkEntry[] {
    return this.#entries.filter((e): e is ChunkEntry => e !== undefined);
  }

  /** Batches sent and not yet reported: the one the worker runs and those it holds. */
  get held(): number {
    return this.#bases.length - this.#reported;
  }

  /** Items of the last batch sent. */
  get lastBatch(): number {
    return this.#entries.length - (this.#bases[this.#bases.length - 1] ?? 0);
  }

  /** Positions left for {@link extend}. */
  get room(): number {
    return (this.#growth?.capacity ?? 0) - this.#entries.length;
  }

  /**
   * Appends entries to the running chunk. Returns those it could not send:
   * all of them when the chunk no longer grows, or the batch when it could
   * not be cloned (each entry then travels alone, or fails when it was alone).
   */
  extend(entries: ChunkEntry[]): ChunkEntry[] {
    const port = this.#more;
    if (!port || !this.extendable || entries.length > this.room) return entries;
    // Only a chunk timed from its start times items (and has a results port).
    if (!this.#strict && entries.some((e) => e.timeout !== undefined)) return entries;
    const base = this.#entries.length;
    const { message, transferList, sent, refused } = batchOf(entries, base);
    refuse(this.#group, this.#settle, refused);
    if (sent.length === 0) return [];
    // A batch the worker might never read must not take buffers with it.
    if (transferList.length > 0) return sent;
    // Counted before it is posted, so the worker waits for it rather than
    // end the chunk; not posted at all when the worker has ended it.
    const fields = this.#moreFields!;
    const count = Atomics.load(fields, MoreField.announced);
    if (
      count === MORE_CLOSED ||
      Atomics.compareExchange(fields, MoreField.announced, count, count + 1) !== count
    ) {
      return sent;
    }
    try {
      port.postMessage(message, transferList);
    } catch (error) {
      Atomics.sub(fields, MoreField.announced, 1);
      Atomics.notify(fields, MoreField.posted);
      return afterFailedPost(this.#group, this.#settle, sent, error);
    }
    Atomics.add(fields, MoreField.posted, 1);
    Atomics.notify(fields, MoreField.posted);
    this.#bases.push(base);
    for (const e of sent) this.#entries.push(e);
    this.#adopt(sent);
    this.#schedule?.(minTimeout(sent));
    return [];
  }

  /**
   * Takes back about half of the items sent to this chunk's worker that it
   * has not started, the last ones first (for a slot that has nothing left to
   * do while this worker still holds work). Each is claimed through its
   * state, so the worker, which claims the same way, skips exactly those
   * taken. Returns them in order; none when fewer than two wait, or when
   * half of them is less than `min`.
   */
  steal(min = 1): ChunkEntry[] {
    const states = this.#states;
    if (!states || this.#stop || this.#more === undefined) return [];
    const entries = this.#entries;
    // Unstarted entries from the end back to the first started position
    // (holes: entries already settled, or taken before).
    const waiting: number[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (!e || e.done) continue;
      if (Atomics.load(states, i) !== ItemState.pending) break;
      waiting.push(i);
    }
    if (waiting.length < 2 || waiting.length >> 1 < min) return [];
    const taken: ChunkEntry[] = [];
    // From the end, away from where the worker claims.
    for (const i of waiting.slice(0, waiting.length >> 1)) {
      const was = Atomics.compareExchange(states, i, ItemState.pending, ItemState.cancelled);
      if (was !== ItemState.pending) break;
      taken.push(entries[i]!);
      entries[i] = undefined;
    }
    return taken.reverse();
  }

  /** Runs the chunk (taking `first` as its own): settles what it can, returns what must run again. */
  async run(entries: ChunkEntry[]): Promise<ChunkOutcome> {
    const host = this.#host;
    const group = this.#group;
    const { message: batch, transferList, sent: first, refused } = batchOf(entries, 0);
    refuse(group, this.#settle, refused);
    if (first.length === 0) return { answered: false, again: [] };
    const n = first.length;
    const capacity = Math.max(n, this.#growth?.capacity ?? 0);
    const buffer = new SharedArrayBuffer(clockBytes(capacity));
    const clock = new Float64Array(buffer, 0, 2);
    clock[0] = -1;
    const states = new Int32Array(buffer, STATES_OFFSET, capacity);
    this.#states = states;
    this.#moreFields = new Int32Array(buffer, MORE_OFFSET, 2);
    const strict = first.some((e) => e.timeout !== undefined);
    this.#strict = strict;
    // A lone item needs no results port: its outcome is the response, or its
    // own timeout or cancel when the worker is terminated.
    const growing = this.#growth !== undefined && capacity > n;
    const channel = strict && (n > 1 || growing) ? new MessageChannel() : undefined;
    const more = growing ? new MessageChannel() : undefined;
    const progress = group.onProgress ? host.progressPort(group.onProgress) : undefined;
    const controller = new AbortController();
    this.#halt = (why: Stop) => {
      if (this.#stop) return;
      this.#stop = why;
      if (why.kind !== 'closed') host.onTerminating?.();
      controller.abort(why.kind === 'closed' ? why.error : new TaskAbortedError());
    };
    if (progress) transferList.push(progress.remote);
    if (channel) transferList.push(channel.port2);
    if (more) transferList.push(more.port2);
    const message: TaskRequest = {
      name: group.name,
      items: batch.items,
      indices: batch.indices,
      attempts: batch.attempts,
      clock: buffer,
      ...(group.kwargs === undefined ? {} : { kwargs: group.kwargs }),
      ...(progress ? { progress: progress.remote } : {}),
      ...(strict ? { timed: true } : {}),
      ...(channel ? { results: channel.port2 } : {}),
      ...(more ? { more: more.port2 } : {}),
    };
    this.#bases.push(0);
    this.#entries = first;
    this.#adopt(first);
    this.#results = channel?.port1;
    if (more) {
      this.#more = more.port1;
      more.port1.on('message', (report: MoreReport) => {
        if (report === TAKEN) this.#growth?.onTaken();
        else this.#onReport(report);
      });
    }
    const running = { abort: (error: unknown) => this.#halt({ kind: 'closed', error }) };
    host.running.add(running);
    let cancelTimer: (() => void) | undefined;
    let due = Number.POSITIVE_INFINITY;
    if (strict) {
      const check = () => {
        cancelTimer = undefined;
        due = Number.POSITIVE_INFINITY;
        const delay = this.#overdue(this.#entries, clock, states, () =>
          this.#halt({ kind: 'timeout' }),
        );
        if (delay !== undefined && !this.#stop) schedule(delay);
      };
      const schedule = (delay: number) => {
        const at = performance.now() + delay;
        if (cancelTimer && at >= due) return;
        cancelTimer?.();
        due = at;
        cancelTimer = setTimer(check, delay);
      };
      schedule(minTimeout(first));
      this.#schedule = schedule;
    }
    let response: TaskResponse | undefined;
    let failure: unknown;
    try {
      host.beforeRun?.();
      response = (await host.piscina.run(message, {
        signal: controller.signal,
        transferList: transferList as never,
      })) as TaskResponse;
    } catch (error) {
      failure = error;
    } finally {
      cancelTimer?.();
      this.#schedule = undefined;
      for (const [signal, onAbort] of this.#listeners) signal.removeEventListener('abort', onAbort);
      host.running.delete(running);
    }
    // A message that failed to clone never reached a worker.
    const unsent =
      failure !== undefined && !this.#stop
        ? unsentAgain(group, this.#settle, this.#entries, failure, transferList)
        : undefined;
    progress?.done(unsent === undefined);
    if (more) {
      // Reports the worker posted before its answer may not have been read yet.
      for (let m = receiveMessageOnPort(more.port1); m; m = receiveMessageOnPort(more.port1)) {
        const report = m.message as MoreReport;
        if (report !== TAKEN) this.#onReport(report);
      }
      this.#more = undefined;
      more.port1.close();
    }
    const outcomes = this.#drainResults();
    this.#results?.close();
    if (unsent) return { answered: false, again: unsent };
    // The answer covers the batches from the last one reported on: positions
    // from `base` on; batches sent after the worker's last look never started.
    const base = response ? (response.base ?? 0) : 0;
    if (response) {
      for (const [i, error] of response.failures) outcomes[base + i] = { ok: false, error };
    }
    const again = conclude(
      {
        task: this.#group,
        module: host.module,
        settle: this.#settle,
        stop: this.#stop,
        onTerminated: () => host.onTerminated(),
      },
      { entries: this.#entries, response, base, outcomes, states, failure },
    );
    if (response && more) this.#growth?.onBatch(response.ms, response.count ?? 0);
    return response ? { answered: true, ms: response.ms, again } : { answered: false, again };
  }

  /** Marks entries started and cancels them with their signals. */
  #adopt(entries: readonly ChunkEntry[]): void {
    let last: AbortSignal | undefined;
    for (const e of entries) {
      if (!e.started) {
        e.started = true;
        e.onStart?.();
      }
      const signal = e.signal;
      if (!signal || signal === last) continue;
      last = signal;
      if (!this.#listeners.has(signal)) this.#listen(signal);
    }
  }

  /**
   * Cancels this chunk's entries of `signal` when it aborts. (A method of
   * its own: a closure made in {@link adopt}'s loop would cost every
   * iteration a context object.)
   */
  #listen(signal: AbortSignal): void {
    const onAbort = () => this.#cancel(signal);
    this.#listeners.set(signal, onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
  }

  /** Fails the entries of `signal`; a running one stops the worker. */
  #cancel(signal: AbortSignal): void {
    const entries = this.#entries;
    const states = this.#states!;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (!e || e.done || e.signal !== signal) continue;
      const was = Atomics.compareExchange(states, i, ItemState.pending, ItemState.cancelled);
      this.#settle.fail(e, new TaskAbortedError(signal.reason));
      if (was === ItemState.running) this.#halt({ kind: 'cancel' });
    }
  }

  /** Outcomes posted item by item on the `results` port, by position. */
  #drainResults(): (ItemOutcome | undefined)[] {
    const outcomes: (ItemOutcome | undefined)[] = [];
    const port = this.#results;
    if (!port) return outcomes;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const [i, outcome] = m.message as ItemReport;
      outcomes[i] = outcome;
    }
    return outcomes;
  }

  /** A batch finished while the worker went on: settles its entries. */
  #onReport(report: BatchReport): void {
    this.#reported++;
    const entries = this.#entries;
    const { base, values, failures } = report;
    if (this.#strict) {
      const outcomes = this.#drainResults();
      outcomes.forEach((outcome, i) => {
        const e = entries[i];
        if (!outcome || !e) return;
        if (outcome.ok) this.#settle.succeed(e, outcome.value);
        else this.#fail(e, outcome.error);
        entries[i] = undefined;
      });
    } else {
      for (const [i, error] of failures) {
        const e = entries[base + i];
        if (e) this.#fail(e, error);
      }
      for (let i = 0; i < values.length; i++) {
        const e = entries[base + i];
        if (e && !e.done) this.#settle.succeed(e, values[i]);
      }
    }
    // Every item of the batch has its outcome now (or was settled before).
    for (let i = base; i < base + report.count; i++) {
      if (entries[i]?.done) entries[i] = undefined;
    }
    this.#growth?.onBatch(report.ms, report.count);
  }

  /** Fails `e` with the worker's failure report. */
  #fail(e: ChunkEntry, error: SerializedError): void {
    this.#settle.fail(e, failureOf(error, this.#group.name, this.#host.module, e.index));
  }

  /**
   * Fails the running item when it is over its timeout (calling `halt`);
   * otherwise returns how long to wait before looking again.
   */
  #overdue(
    entries: readonly (ChunkEntry | undefined)[],
    clock: Float64Array,
    states: Int32Array,
    halt: () => void,
  ): number | undefined {
    const p = clock[0]!;
    if (p >= entries.length) return undefined;
    const e = p >= 0 ? entries[p] : undefined;
    const limit = e?.timeout;
    if (!e || limit === undefined || e.done || Atomics.load(states, p) !== ItemState.running) {
      return minTimeout(entries);
    }
    const elapsed = performance.timeOrigin + performance.now() - clock[1]!;
    if (elapsed < limit) return Math.max(1, Math.ceil(limit - elapsed));
    if (clock[0] !== p) return 1;
    this.#settle.fail(e, new TaskTimeoutError(limit));
    halt();
    return undefined;
  }
}
