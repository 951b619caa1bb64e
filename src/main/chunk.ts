/**
 * chunkSize: attempts of one task submitted at about the same time travel to a
 * worker together, as one message on one slot. Each attempt keeps its own
 * promise, so per-item semantics do not change; per-item deadlines are kept
 * through a clock buffer shared with the worker (see chunk-state.ts).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { ItemOutcome, ItemReport, TaskRequest, TaskResponse } from '../worker/protocol.js';
import { AutoSize } from './chunk-size.js';
import { clockBytes, ItemState, STATES_OFFSET } from './chunk-state.js';
import { currentSignal } from './context.js';
import type { Dispatcher, Lease } from './dispatch.js';
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

interface Entry {
  readonly request: AttemptRequest;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  done: boolean;
  started: boolean;
  /** Travels alone (set after a chunk failed to clone). */
  solo: boolean;
}

interface Group {
  readonly key: string;
  readonly name: string;
  readonly chunkSize: number | 'auto';
  readonly kwargs: unknown;
  readonly onProgress: AttemptRequest['onProgress'];
  /** Entries to run again first (chunk-mates of a terminated chunk). */
  front: Entry[];
  queue: Entry[];
  head: number;
  scheduled: boolean;
  deferred: boolean;
  waiting: boolean;
  inFlight: number;
  readonly watched: Map<AbortSignal, () => void>;
}

/** Why a running chunk was stopped. */
type Stop = { kind: 'timeout' | 'cancel' } | { kind: 'closed'; error: unknown };

/** Packs attempts into chunks and runs them, one chunk per slot. */
export class Chunker {
  readonly #host: ChunkHost;
  readonly #groups = new Map<string, Group[]>();
  readonly #sizes = new Map<string, AutoSize>();
  #outstanding = 0;
  #idle: (() => void)[] = [];
  #closed: unknown;
  #last: Group | undefined;

  constructor(host: ChunkHost) {
    this.#host = host;
  }

  /** Items per message `chunkSize` stands for now (for 'auto', what was learnt so far). */
  size(name: string, chunkSize: number | 'auto'): number {
    return chunkSize === 'auto' ? this.#sizer(name).size : chunkSize;
  }

  /** How many attempts can usefully be in flight: slots × chunk size. */
  capacity(name: string, chunkSize: number | 'auto'): number {
    const slots = this.#host.dispatcher.slots;
    return chunkSize === 'auto' ? slots * this.#sizer(name).window : slots * chunkSize;
  }

  /** Queues one attempt; it is sent with whatever else is queued for the same task. */
  submit(name: string, request: AttemptRequest, chunkSize: number | 'auto'): Promise<unknown> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const signal = combinedSignal(request.signal);
    if (signal?.aborted) return Promise.reject(new TaskAbortedError(signal.reason));
    const group = this.#group(name, chunkSize, request);
    return new Promise((resolve, reject) => {
      this.#outstanding++;
      group.queue.push({
        request,
        signal,
        resolve,
        reject,
        done: false,
        started: false,
        solo: false,
      });
      if (signal && !group.watched.has(signal)) this.#watch(group, signal);
      if (!group.scheduled) {
        group.scheduled = true;
        queueMicrotask(() => this.#flush(group, false));
      }
    });
  }

  /** Resolves once nothing is queued or running. */
  drained(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Rejects everything queued, and every later submit, with `error`. */
  close(error: unknown): void {
    this.#closed = error;
    for (const groups of this.#groups.values()) {
      for (const g of groups)
        for (const e of this.#take(g, Number.POSITIVE_INFINITY)) this.#fail(e, error);
    }
  }

  #sizer(name: string): AutoSize {
    let s = this.#sizes.get(name);
    if (!s) {
      s = new AutoSize();
      this.#sizes.set(name, s);
    }
    return s;
  }

  #group(name: string, chunkSize: number | 'auto', r: AttemptRequest): Group {
    const last = this.#last;
    if (
      last &&
      last.name === name &&
      last.chunkSize === chunkSize &&
      last.kwargs === r.kwargs &&
      last.onProgress === r.onProgress
    ) {
      return last;
    }
    this.#last = this.#find(name, chunkSize, r);
    return this.#last;
  }

  #find(name: string, chunkSize: number | 'auto', r: AttemptRequest): Group {
    const key = `${name}\u0000${chunkSize}`;
    let list = this.#groups.get(key);
    if (!list) {
      list = [];
      this.#groups.set(key, list);
    }
    for (const g of list) if (g.kwargs === r.kwargs && g.onProgress === r.onProgress) return g;
    const group: Group = {
      key,
      name,
      chunkSize,
      kwargs: r.kwargs,
      onProgress: r.onProgress,
      front: [],
      queue: [],
      head: 0,
      scheduled: false,
      deferred: false,
      waiting: false,
      inFlight: 0,
      watched: new Map(),
    };
    list.push(group);
    return group;
  }

  #watch(group: Group, signal: AbortSignal): void {
    const onAbort = () => {
      const error = new TaskAbortedError(signal.reason);
      const keep = (e: Entry) => {
        if (e.signal !== signal) return true;
        this.#fail(e, error);
        return false;
      };
      group.front = group.front.filter(keep);
      group.queue = group.queue.slice(group.head).filter(keep);
      group.head = 0;
    };
    group.watched.set(signal, onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #queued(group: Group): number {
    return group.front.length + group.queue.length - group.head;
  }

  #flush(group: Group, fromDefer: boolean): void {
    group.scheduled = false;
    if (fromDefer) group.deferred = false;
    else if (group.deferred) return;
    const d = this.#host.dispatcher;
    while (this.#queued(group) > 0 && !group.waiting) {
      const want = this.size(group.name, group.chunkSize);
      if (!fromDefer && this.#queued(group) < want && group.inFlight > 0 && d.free > 0) {
        group.deferred = true;
        setImmediate(() => this.#flush(group, true));
        return;
      }
      fromDefer = false;
      const lease = d.tryAcquire();
      if (lease) {
        this.#dispatch(group, lease);
        continue;
      }
      group.waiting = true;
      d.acquire().then(
        (granted) => {
          group.waiting = false;
          this.#dispatch(group, granted);
          this.#flush(group, false);
        },
        (error: unknown) => {
          group.waiting = false;
          for (const e of this.#take(group, Number.POSITIVE_INFINITY)) this.#fail(e, error);
          this.#forget(group);
        },
      );
      return;
    }
    this.#forget(group);
  }

  /** Takes up to `n` live entries, requeued ones first; a solo entry travels alone. */
  #take(group: Group, n: number): Entry[] {
    const out: Entry[] = [];
    while (out.length < n) {
      const e = group.front.length > 0 ? group.front.shift() : group.queue[group.head++];
      if (!e) break;
      if (e.done) continue;
      if (e.signal?.aborted) {
        this.#fail(e, new TaskAbortedError(e.signal.reason));
        continue;
      }
      if (e.solo && out.length > 0) {
        group.front.unshift(e);
        break;
      }
      out.push(e);
      if (e.solo) break;
    }
    if (group.head >= group.queue.length) {
      group.queue = [];
      group.head = 0;
      if (group.front.length === 0) this.#unwatch(group);
    } else if (group.head > 1024 && group.head * 2 > group.queue.length) {
      group.queue = group.queue.slice(group.head);
      group.head = 0;
    }
    return out;
  }

  #unwatch(group: Group): void {
    for (const [signal, onAbort] of group.watched) signal.removeEventListener('abort', onAbort);
    group.watched.clear();
  }

  #forget(group: Group): void {
    if (this.#queued(group) > 0 || group.inFlight > 0 || group.waiting || group.scheduled) return;
    if (group.deferred) return;
    if (this.#last === group) this.#last = undefined;
    const list = this.#groups.get(group.key);
    if (!list) return;
    const i = list.indexOf(group);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#groups.delete(group.key);
  }

  #dispatch(group: Group, lease: Lease): void {
    const entries = this.#take(group, this.size(group.name, group.chunkSize));
    if (entries.length === 0) {
      lease.release();
      return;
    }
    group.inFlight++;
    void this.#run(group, entries).then((ok) => {
      group.inFlight--;
      lease.release(ok ? 'ok' : 'failed');
      if (this.#queued(group) > 0) this.#flush(group, false);
      else this.#forget(group);
    });
  }

  /** Runs one chunk; returns whether the worker answered (false: it was terminated or failed). */
  async #run(group: Group, entries: Entry[]): Promise<boolean> {
    const host = this.#host;
    const n = entries.length;
    const buffer = new SharedArrayBuffer(clockBytes(n));
    const clock = new Float64Array(buffer, 0, 2);
    clock[0] = -1;
    const states = new Int32Array(buffer, STATES_OFFSET, n);
    const strict = entries.some((e) => e.request.timeout !== undefined);
    const channel = strict ? new MessageChannel() : undefined;
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
    const indices: number[] = [];
    const attempts: number[] = [];
    const transferList: (ArrayBuffer | MessagePort)[] = [];
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const r = e.request;
      items.push(r.item);
      indices.push(r.index);
      attempts.push(r.attempt);
      collectTransfers(r.item, transferList);
      if (!e.started) {
        e.started = true;
        r.onStart?.();
      }
    }
    if (progress) transferList.push(progress.remote);
    if (channel) transferList.push(channel.port2);
    const message: TaskRequest = {
      name: group.name,
      items,
      indices: runOf(indices),
      attempts: sameOf(attempts),
      clock: buffer,
      ...(group.kwargs === undefined ? {} : { kwargs: group.kwargs }),
      ...(progress ? { progress: progress.remote } : {}),
      ...(channel ? { results: channel.port2 } : {}),
    };
    const cancel = (signal: AbortSignal) => () => {
      for (let i = 0; i < n; i++) {
        const e = entries[i]!;
        if (e.done || e.signal !== signal) continue;
        const was = Atomics.compareExchange(states, i, ItemState.pending, ItemState.cancelled);
        this.#fail(e, new TaskAbortedError(signal.reason));
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
    if (response) this.#sizer(group.name).observe(response.ms, n);
    this.#conclude(group, entries, response, outcomes, states, stop, failure);
    return response !== undefined;
  }

  /**
   * Fails the running item when it is over its timeout (calling `halt`);
   * otherwise returns how long to wait before looking again.
   */
  #overdue(
    entries: readonly Entry[],
    clock: Float64Array,
    states: Int32Array,
    halt: () => void,
  ): number | undefined {
    const p = clock[0]!;
    if (p >= entries.length) return undefined;
    const e = p >= 0 ? entries[p] : undefined;
    const limit = e?.request.timeout;
    if (!e || limit === undefined || e.done || Atomics.load(states, p) !== ItemState.running) {
      return minTimeout(entries);
    }
    const elapsed = performance.timeOrigin + performance.now() - clock[1]!;
    if (elapsed < limit) return Math.max(1, Math.ceil(limit - elapsed));
    if (clock[0] !== p) return 1;
    this.#fail(e, new TaskTimeoutError(limit));
    halt();
    return undefined;
  }

  #conclude(
    group: Group,
    entries: readonly Entry[],
    response: TaskResponse | undefined,
    outcomes: readonly (ItemOutcome | undefined)[],
    states: Int32Array,
    stop: Stop | undefined,
    failure: unknown,
  ): void {
    const again: Entry[] = [];
    let crash: Error | undefined;
    if (failure !== undefined && !stop) crash = piscinaFailure(failure, group.name);
    if (stop && stop.kind !== 'closed' && failure !== undefined) this.#host.onTerminated();
    const splitClone = crash && entries.length > 1 && isPoolcallError(crash, 'ERR_DATA_CLONE');
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.done) continue;
      const outcome = outcomes[i];
      if (response && !outcome && response.values.length > i) {
        this.#succeed(e, response.values[i]);
      } else if (outcome) {
        if (outcome.ok) this.#succeed(e, outcome.value);
        else this.#fail(e, failureOf(outcome.error, group.name, this.#host.module));
      } else if (stop?.kind === 'closed') {
        this.#fail(e, stop.error);
      } else if (splitClone) {
        e.solo = true;
        again.push(e);
      } else if (crash && (Atomics.load(states, i) === ItemState.running || entries.length === 1)) {
        this.#fail(e, crash);
      } else if (stop || crash) {
        again.push(e);
      } else {
        this.#fail(e, piscinaFailure(new Error('the worker sent no outcome'), group.name));
      }
    }
    if (again.length > 0) {
      if (crash && !splitClone && !again.some((e) => e.solo) && !hasCulprit(entries, states)) {
        for (const e of again) this.#fail(e, crash);
        return;
      }
      if (this.#closed !== undefined) {
        for (const e of again) this.#fail(e, this.#closed);
        return;
      }
      group.front = again.concat(group.front);
      for (const e of again) {
        if (e.signal && !group.watched.has(e.signal)) this.#watch(group, e.signal);
      }
    }
  }

  #succeed(e: Entry, value: unknown): void {
    if (e.done) return;
    e.done = true;
    e.resolve(value);
    this.#settled();
  }

  #fail(e: Entry, error: unknown): void {
    if (e.done) return;
    e.done = true;
    e.reject(error);
    this.#settled();
  }

  #settled(): void {
    if (--this.#outstanding > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }
}

/** `k` when `values` is `k, k + 1, ...`; else the array. */
function runOf(values: number[]): number[] | number {
  const first = values[0] ?? 0;
  for (let i = 1; i < values.length; i++) if (values[i] !== first + i) return values;
  return first;
}

/** The value when all are the same; else the array. */
function sameOf(values: number[]): number[] | number {
  const first = values[0] ?? 1;
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return values;
  return first;
}

function isCloneFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'DataCloneError';
}

function hasCulprit(entries: readonly Entry[], states: Int32Array): boolean {
  for (let i = 0; i < entries.length; i++) {
    if (Atomics.load(states, i) === ItemState.running) return true;
  }
  return false;
}

function minTimeout(entries: readonly Entry[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const e of entries) {
    const t = e.request.timeout;
    if (t !== undefined && !e.done && t < min) min = t;
  }
  return Number.isFinite(min) ? Math.max(1, min) : 1000;
}

let lastCaller: AbortSignal | undefined;
let lastScoped: AbortSignal | undefined;
let lastCombined: AbortSignal | undefined;

/** The caller's signal combined with the current scope's, remembering the last pair. */
function combinedSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  const scoped = currentSignal();
  if (!scoped) return signal;
  if (!signal || signal === scoped) return scoped;
  if (signal !== lastCaller || scoped !== lastScoped) {
    lastCaller = signal;
    lastScoped = scoped;
    lastCombined = AbortSignal.any([signal, scoped]);
  }
  return lastCombined;
}
