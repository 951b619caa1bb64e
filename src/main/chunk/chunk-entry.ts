/**
 * What a chunk is made of: one entry per attempt, who hears of its outcome,
 * and the message that carries a batch of entries to a worker.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { type Packed, packWith } from '../../shared/packed.js';
import { addTransfers, anyMarked } from '../../shared/transfer.js';
import type { MoreItems } from '../../worker/protocol.js';
import type { AttemptRequest, BulkSink } from '../common/target.js';
import type { Dispatcher } from '../dispatch/dispatch.js';

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
  /** A worker is about to be terminated by a timeout or a cancel (before its task is aborted). */
  onTerminating?(): void;
  /** A chunk is about to go to piscina: threads held by idle call streams are given back first. */
  beforeRun?(): void;
  /** A comlink endpoint for `ctx.progress` reports. */
  progressPort(onProgress: (index: number, value: unknown) => void): {
    remote: MessagePort;
    /** Call when the message is settled; `delivered: false` ends the channel (the worker never took it). */
    done(delivered: boolean): void;
  };
}

/** Who is told how an attempt ended; `T` stands for the attempt (a chunk entry, a single call's request). */
export interface OutcomeOwner<T> {
  succeed(attempt: T, value: unknown): void;
  fail(attempt: T, error: unknown): void;
}

/** Who is told how a chunk entry ended. */
export type EntryOwner = OutcomeOwner<ChunkEntry>;

/** What a bulk sink needs to know of an attempt. */
interface Placed {
  /** The item's index in its call's input. */
  readonly index: number;
  readonly item: unknown;
}

/**
 * What the attempts of one submission share: one object for a whole
 * {@link Chunker.submitMany} batch, one per attempt otherwise.
 */
export class EntryTerms {
  constructor(
    /** From 1. */
    readonly attempt: number,
    /** Per-attempt limit in ms, from when the worker takes the item. */
    readonly timeout: number | undefined,
    readonly signal: AbortSignal | undefined,
    /** Called once per entry, when the entry is sent to a worker. */
    readonly onStart: (() => void) | undefined,
    readonly owner: EntryOwner,
  ) {}
}

const DONE = 1;
const STARTED = 2;
const SOLO = 4;

/**
 * One attempt waiting in, or travelling with, a chunk. One small object per
 * attempt (its item, its index, its state bits and the terms it shares with
 * the other attempts of its submission), as it lives until the attempt is
 * settled: what many attempts share is referenced, not copied.
 */
export class ChunkEntry {
  #flags = 0;

  constructor(
    readonly item: unknown,
    /** The item's index in its call's input. */
    readonly index: number,
    readonly terms: EntryTerms,
  ) {}

  /** An entry of its own terms. */
  static of(
    item: unknown,
    index: number,
    attempt: number,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
    onStart: (() => void) | undefined,
    owner: EntryOwner,
  ): ChunkEntry {
    return new ChunkEntry(item, index, new EntryTerms(attempt, timeout, signal, onStart, owner));
  }

  /** From 1. */
  get attempt(): number {
    return this.terms.attempt;
  }

  /** Per-attempt limit in ms, from when the worker takes the item. */
  get timeout(): number | undefined {
    return this.terms.timeout;
  }

  get signal(): AbortSignal | undefined {
    return this.terms.signal;
  }

  /** Called once, when the entry is sent to a worker. */
  get onStart(): (() => void) | undefined {
    return this.terms.onStart;
  }

  get owner(): EntryOwner {
    return this.terms.owner;
  }

  /** Settled. */
  get done(): boolean {
    return (this.#flags & DONE) !== 0;
  }

  set done(value: boolean) {
    this.#flags = value ? this.#flags | DONE : this.#flags & ~DONE;
  }

  /** Sent to a worker once (its `onStart` was called). */
  get started(): boolean {
    return (this.#flags & STARTED) !== 0;
  }

  set started(value: boolean) {
    this.#flags = value ? this.#flags | STARTED : this.#flags & ~STARTED;
  }

  /** Travels alone (set after a chunk failed to clone). */
  get solo(): boolean {
    return (this.#flags & SOLO) !== 0;
  }

  set solo(value: boolean) {
    this.#flags = value ? this.#flags | SOLO : this.#flags & ~SOLO;
  }
}

/** Settles entries, each exactly once, before telling their owners. */
export type ChunkSettler = EntryOwner;

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

/** How a chunk may grow while it runs, and who hears of each finished batch. */
export interface ChunkGrowth {
  /** Positions the chunk can hold in all (its clock buffer's size). */
  readonly capacity: number;
  /** Batches the worker may hold beyond the one it runs. */
  readonly ahead: number;
  /** A batch finished in the worker, which went on with the next one. */
  onBatch(ms: number, items: number): void;
  /** The worker claimed the chunk's first item: batches may be sent from now on. */
  onTaken(): void;
}

/** A batch ready to post: its message, what it moves and the entries it carries. */
export interface Batch {
  readonly message: MoreItems;
  readonly transferList: (ArrayBuffer | MessagePort)[];
  /** The entries the message carries, by position from its base: all but the refused. */
  readonly sent: ChunkEntry[];
  /**
   * Entries whose item cannot travel, with why: a getter or Proxy trap of the
   * item threw, or a buffer it moves was moved before or goes with another item.
   */
  readonly refused: readonly (readonly [entry: ChunkEntry, error: unknown])[];
}

/** The message carrying `entries` from position `base`, with what it transfers. */
export function batchOf(entries: ChunkEntry[], base: number): Batch {
  const transferList: (ArrayBuffer | MessagePort)[] = [];
  let sent = entries;
  let refused: [ChunkEntry, unknown][] | undefined;
  // Until a value is marked with transfer() there is nothing to collect: an
  // item that cannot be cloned is then found when the message fails to post
  // (see chunk-clone.ts), not by reading every item's elements here.
  const scan = anyMarked();
  for (let i = 0; scan && i < entries.length; i++) {
    const e = entries[i]!;
    const problem = addTransfers(e.item, transferList);
    if (problem) {
      if (!refused) {
        refused = [];
        sent = entries.slice(0, i);
      }
      refused.push([e, problem.error]);
    } else if (refused) {
      sent.push(e);
    }
  }
  const n = sent.length;
  // Indices k, k + 1, ... travel as k and one attempt number for all as that
  // number: the arrays are built only when the run breaks.
  const firstIndex = sent[0]?.index ?? 0;
  const firstAttempt = sent[0]?.attempt ?? 1;
  let indices: number[] | undefined;
  let attempts: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const e = sent[i]!;
    if (indices) indices.push(e.index);
    else if (e.index !== firstIndex + i) indices = prefixOf(sent, i + 1, (x) => x.index);
    if (attempts) attempts.push(e.attempt);
    else if (e.attempt !== firstAttempt) attempts = prefixOf(sent, i + 1, (x) => x.attempt);
  }
  return {
    message: {
      base,
      items: itemsOf(sent),
      indices: indices ?? firstIndex,
      attempts: attempts ?? firstAttempt,
    },
    transferList,
    sent,
    refused: refused ?? NONE_REFUSED,
  };
}

const NONE_REFUSED: Batch['refused'] = Object.freeze([]);

/** The items of `entries` as they travel: packed when they are all numbers. */
function itemsOf(entries: readonly ChunkEntry[]): Packed {
  const packed = packWith(entries, itemOf);
  if (packed) return packed;
  // A packed array (push, not new Array(n)): a holey one clones element by element.
  const items: unknown[] = [];
  for (const e of entries) items.push(e.item);
  return items;
}

function itemOf(e: ChunkEntry): unknown {
  return e.item;
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

export function minTimeout(entries: readonly (ChunkEntry | undefined)[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const e of entries) {
    if (!e || e.done) continue;
    const t = e.timeout;
    if (t !== undefined && t < min) min = t;
  }
  return Number.isFinite(min) ? Math.max(1, min) : 1000;
}

/** Settles the promise of one attempt. */
export class Deferred implements OutcomeOwner<unknown> {
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;

  constructor(resolve: (value: unknown) => void, reject: (error: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  succeed(_attempt: unknown, value: unknown): void {
    this.#resolve(value);
  }

  fail(_attempt: unknown, error: unknown): void {
    this.#reject(error);
  }
}

/** Hands the outcomes of a bulk batch (chunked or call by call) to its sink. */
export class BulkOwner implements OutcomeOwner<Placed> {
  readonly #sink: BulkSink;

  constructor(sink: BulkSink) {
    this.#sink = sink;
  }

  succeed(attempt: Placed, value: unknown): void {
    this.#sink.succeed(attempt.index, value);
  }

  fail(attempt: Placed, error: unknown): void {
    this.#sink.fail(attempt.index, attempt.item, error);
  }
}
