/**
 * Running one chunk: the message to the worker, per-item deadlines and
 * cancels through the shared clock buffer, and what each item's outcome is
 * once the worker answered, was terminated or crashed.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { ItemOutcome, ItemReport, TaskRequest, TaskResponse } from '../worker/protocol.js';
import { clockBytes, ItemState, STATES_OFFSET } from './chunk-state.js';
import type { Dispatcher } from './dispatch.js';
import { isPoolcallError, TaskAbortedError, TaskTimeoutError } from './errors.js';
import { failureOf, piscinaFailure } from './outcome.js';
import type { AttemptRequest } from './target.js';
import { collectTransfers } from './transfer.js';

/** What the chunker needs from its pool. */
export interface ChunkHost {
  readonly piscina: Piscina;
  readonly dispatcher: Dispatcher;
  /** The task module's URL, for error messages. */
  readonly module: string;
  /** Controllers of running work, aborted by a forced close. */
  readonly running: Set<{ abort(reason?: unknown): void }>;
  /** Counts a worker terminated by a timeout or a cancel. */
  onTerminated(): void;
  /** A comlink endpoint for `ctx.progress` reports. */
  progressPort(onProgress: (index: number, value: unknown) => void): {
    remote: MessagePort;
    /** Call when the message is settled; `delivered: false` ends the channel (the worker never took it). */
    done(delivered: boolean): void;
  };
}

/** Who is told how a chunk entry ended. */
export interface EntryOwner {
  succeed(e: ChunkEntry, value: unknown): void;
  fail(e: ChunkEntry, error: unknown): void;
}

/**
 * One attempt waiting in, or travelling with, a chunk. One small object per
 * attempt: what is shared by many attempts (the signal, the owner told of
 * the outcome) is referenced, not copied.
 */
export class ChunkEntry {
  done = false;
  started = false;
  /** Travels alone (set after a chunk failed to clone). */
  solo = false;

  constructor(
    readonly item: unknown,
    /** The item's index in its call's input. */
    readonly index: number,
    /** From 1. */
    readonly attempt: number,
    /** Per-attempt limit in ms, from when the worker takes the item. */
    readonly timeout: number | undefined,
    readonly signal: AbortSignal | undefined,
    /** Called once, when the entry is sent to a worker. */
    readonly onStart: (() => void) | undefined,
    readonly owner: EntryOwner,
  ) {}
}

/** Settles entries (each exactly once). */
export interface ChunkSettler {
  succeed(e: ChunkEntry, value: unknown): void;
  fail(e: ChunkEntry, error: unknown): void;
}

/** What a chunk run leaves: whether the worker answered, its run time, and entries to run again. */
export interface ChunkOutcome {
  readonly answered: boolean;
  /** The worker's run time for the chunk, ms (when it answered). */
  readonly ms?: number;
  /** Unfinished chunk-mates of a terminated chunk, to run again without using an attempt. */
  readonly again: ChunkEntry[];
}

/** The task a chunk runs and how: what all its entries share. */
export interface ChunkTask {
  readonly name: string;
  readonly kwargs: unknown;
  readonly onProgress: AttemptRequest['onProgress'];
}

/** Why a running chunk was stopped. */
type Stop = { kind: 'timeout' | 'cancel' } | { kind: 'closed'; error: unknown };

/** One chunk on its way to a worker and back. */
export class ChunkRun {
  readonly #host: ChunkHost;
  readonly #settle: ChunkSettler;
  readonly #group: ChunkTask;

  constructor(host: ChunkHost, task: ChunkTask, settle: ChunkSettler) {
    this.#host = host;
    this.#group = task;
    this.#settle = settle;
  }

  /** Runs the chunk: settles what it can, returns what must run again. */
  async run(entries: ChunkEntry[]): Promise<ChunkOutcome> {
    const host = this.#host;
    const group = this.#group;
    const n = entries.length;
    const buffer = new SharedArrayBuffer(clockBytes(n));
    const clock = new Float64Array(buffer, 0, 2);
    clock[0] = -1;
    const states = new Int32Array(buffer, STATES_OFFSET, n);
    const strict = entries.some((e) => e.timeout !== undefined);
    // A lone item needs no results port: its outcome is the response, or its
    // own timeout or cancel when the worker is terminated.
    const channel = strict && n > 1 ? new MessageChannel() : undefined;
    const progress = group.onProgress ? host.progressPort(group.onProgress) : undefined;
    const controller = new AbortController();
    let stop: Stop | undefined;
    const halt = (why: Stop) => {
      if (stop) return;
      stop = why;
      controller.abort(why.kind === 'closed' ? why.error : new TaskAbortedError());
    };
    // Packed arrays (push, not new Array(n)): holey ones clone element by element.
    const items: unknown[] = [];
    // Indices k, k + 1, ... travel as k and one attempt number for all as that
    // number: the arrays are built only when the run breaks.
    const firstIndex = entries[0]?.index ?? 0;
    const firstAttempt = entries[0]?.attempt ?? 1;
    let indices: number[] | undefined;
    let attempts: number[] | undefined;
    const transferList: (ArrayBuffer | MessagePort)[] = [];
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const item = e.item;
      items.push(item);
      if (indices) indices.push(e.index);
      else if (e.index !== firstIndex + i) indices = prefixOf(entries, i + 1, (x) => x.index);
      if (attempts) attempts.push(e.attempt);
      else if (e.attempt !== firstAttempt) attempts = prefixOf(entries, i + 1, (x) => x.attempt);
      collectTransfers(item, transferList);
      if (!e.started) {
        e.started = true;
        e.onStart?.();
      }
    }
    if (progress) transferList.push(progress.remote);
    if (channel) transferList.push(channel.port2);
    const message: TaskRequest = {
      name: group.name,
      items,
      indices: indices ?? firstIndex,
      attempts: attempts ?? firstAttempt,
      clock: buffer,
      ...(group.kwargs === undefined ? {} : { kwargs: group.kwargs }),
      ...(progress ? { progress: progress.remote } : {}),
      ...(strict ? { timed: true } : {}),
      ...(channel ? { results: channel.port2 } : {}),
    };
    const cancel = (signal: AbortSignal) => () => {
      for (let i = 0; i < n; i++) {
        const e = entries[i]!;
        if (e.done || e.signal !== signal) continue;
        const was = Atomics.compareExchange(states, i, ItemState.pending, ItemState.cancelled);
        this.#settle.fail(e, new TaskAbortedError(signal.reason));
        if (was === ItemState.running) halt({ kind: 'cancel' });
      }
    };
    const listeners = new Map<AbortSignal, () => void>();
    for (const e of entries) {
      if (!e.signal || listeners.has(e.signal)) continue;
      const onAbort = cancel(e.signal);
      listeners.set(e.signal, onAbort);
      e.signal.addEventListener('abort', onAbort, { once: true });
    }
    const running = { abort: (error: unknown) => halt({ kind: 'closed', error }) };
    host.running.add(running);
    let timer: NodeJS.Timeout | undefined;
    if (strict) {
      const check = () => {
        timer = undefined;
        const delay = this.#overdue(entries, clock, states, () => halt({ kind: 'timeout' }));
        if (delay !== undefined && !stop) timer = setTimeout(check, delay);
      };
      timer = setTimeout(check, minTimeout(entries));
    }
    let response: TaskResponse | undefined;
    let failure: unknown;
    try {
      response = (await host.piscina.run(message, {
        signal: controller.signal,
        transferList: transferList as never,
      })) as TaskResponse;
    } catch (error) {
      failure = error;
    } finally {
      if (timer) clearTimeout(timer);
      for (const [signal, onAbort] of listeners) signal.removeEventListener('abort', onAbort);
      host.running.delete(running);
      progress?.done(response !== undefined || stop !== undefined || !isCloneFailure(failure));
    }
    const outcomes: (ItemOutcome | undefined)[] = [];
    if (response) {
      for (const [i, error] of response.failures) outcomes[i] = { ok: false, error };
    }
    if (channel) {
      for (
        let m = receiveMessageOnPort(channel.port1);
        m;
        m = receiveMessageOnPort(channel.port1)
      ) {
        const [i, outcome] = m.message as ItemReport;
        outcomes[i] = outcome;
      }
      channel.port1.close();
    }
    const again = this.#conclude(entries, response, outcomes, states, stop, failure);
    return response ? { answered: true, ms: response.ms, again } : { answered: false, again };
  }

  /**
   * Fails the running item when it is over its timeout (calling `halt`);
   * otherwise returns how long to wait before looking again.
   */
  #overdue(
    entries: readonly ChunkEntry[],
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

  #conclude(
    entries: readonly ChunkEntry[],
    response: TaskResponse | undefined,
    outcomes: readonly (ItemOutcome | undefined)[],
    states: Int32Array,
    stop: Stop | undefined,
    failure: unknown,
  ): ChunkEntry[] {
    const group = this.#group;
    const again: ChunkEntry[] = [];
    let crash: Error | undefined;
    if (failure !== undefined && !stop) crash = piscinaFailure(failure, group.name);
    if (stop && stop.kind !== 'closed' && failure !== undefined) this.#host.onTerminated();
    const splitClone = crash && entries.length > 1 && isPoolcallError(crash, 'ERR_DATA_CLONE');
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.done) continue;
      const outcome = outcomes[i];
      if (response && !outcome && response.values.length > i) {
        this.#settle.succeed(e, response.values[i]);
      } else if (outcome) {
        if (outcome.ok) this.#settle.succeed(e, outcome.value);
        else this.#settle.fail(e, failureOf(outcome.error, group.name, this.#host.module));
      } else if (stop?.kind === 'closed') {
        this.#settle.fail(e, stop.error);
      } else if (splitClone) {
        e.solo = true;
        again.push(e);
      } else if (crash && (Atomics.load(states, i) === ItemState.running || entries.length === 1)) {
        this.#settle.fail(e, crash);
      } else if (stop || crash) {
        again.push(e);
      } else {
        this.#settle.fail(e, piscinaFailure(new Error('the worker sent no outcome'), group.name));
      }
    }
    if (crash && !splitClone && !hasCulprit(entries, states)) {
      for (const e of again) this.#settle.fail(e, crash);
      return [];
    }
    return again;
  }
}

/** `field` of the first `n` entries, as a packed array. */
function prefixOf(
  entries: readonly ChunkEntry[],
  n: number,
  field: (e: ChunkEntry) => number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(field(entries[i]!));
  return out;
}

function isCloneFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'DataCloneError';
}

function hasCulprit(entries: readonly ChunkEntry[], states: Int32Array): boolean {
  for (let i = 0; i < entries.length; i++) {
    if (Atomics.load(states, i) === ItemState.running) return true;
  }
  return false;
}

function minTimeout(entries: readonly ChunkEntry[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const e of entries) {
    const t = e.timeout;
    if (t !== undefined && !e.done && t < min) min = t;
  }
  return Number.isFinite(min) ? Math.max(1, min) : 1000;
}
