/**
 * chunkSize: attempts of one task submitted at about the same time travel to a
 * worker together, as one message on one slot. Each attempt keeps its own
 * promise, so per-item semantics do not change; per-item deadlines are kept
 * through a clock buffer shared with the worker (see chunk-state.ts).
 */

import { combinedSignal } from '../common/context.js';
import { TaskAbortedError } from '../common/errors.js';
import {
  type AttemptRequest,
  type BulkRequest,
  type BulkSink,
  refuseBatch,
} from '../common/target.js';
import type { Lease, Tally } from '../dispatch/dispatch.js';
import {
  BulkOwner,
  ChunkEntry,
  type ChunkGrowth,
  type ChunkHost,
  type ChunkOutcome,
  type ChunkSettler,
  Deferred,
  EntryTerms,
} from './chunk-entry.js';
import type { ChunkGroup, GroupKey } from './chunk-group.js';
import { ChunkGroups } from './chunk-groups.js';
import { ChunkRun } from './chunk-run.js';
import { AUTO_MIN, AutoSize, READY_BATCHES } from './chunk-size.js';

export type { ChunkHost } from './chunk-entry.js';

/** Fewest positions a growing chunk holds. */
const GROW_MIN = 256;
/** Most positions a growing chunk holds, whatever the chunk size. */
const GROW_MAX = 8192;
/** Batches of the current chunk size a growing chunk holds (within the bounds above). */
const GROW_BATCHES = 64;
/** The group key of calls with neither `kwargs` nor a progress listener. */
const LONE: GroupKey = { kwargs: undefined, onProgress: undefined };

/** Packs attempts into chunks and runs them, one chunk per slot. */
export class Chunker {
  readonly #host: ChunkHost;
  readonly #groups = new ChunkGroups((e, error) => this.#fail(e, error));
  readonly #sizes = new Map<string, AutoSize>();
  #lastName: string | undefined;
  #last: AutoSize | undefined;
  #outstanding = 0;
  #idle: (() => void)[] = [];
  #closed: unknown;

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
    const group = this.#groups.get(name, chunkSize, request);
    return new Promise((resolve, reject) => {
      const owner = new Deferred(resolve, reject);
      const { item, index, attempt, timeout, onStart } = request;
      group.push(ChunkEntry.of(item, index, attempt, timeout, signal, onStart, owner));
      this.#enqueued(group, 1, signal);
    });
  }

  /**
   * Queues the first attempts of the first `count` items at once (indices
   * `firstIndex` on), with no promise per item: outcomes go to
   * `sink` (never synchronously from this call). With `refused` (e.g. the
   * pool is closing) every item fails with what it makes.
   */
  submitMany(
    name: string,
    request: BulkRequest,
    items: readonly unknown[],
    count: number,
    firstIndex: number,
    sink: BulkSink,
    refused?: () => unknown,
  ): void {
    if (count <= 0) return;
    const signal = combinedSignal(request.signal);
    const closed = this.#closed;
    const failure = closed !== undefined ? () => closed : refused;
    if (refuseBatch(sink, items, count, firstIndex, signal, failure)) return;
    const group = this.#groups.get(name, request.chunkSize, request);
    const terms = new EntryTerms(1, request.timeout, signal, undefined, new BulkOwner(sink));
    // One array, handed to the queue as it is.
    const entries: ChunkEntry[] = [];
    for (let i = 0; i < count; i++) entries.push(new ChunkEntry(items[i], firstIndex + i, terms));
    group.pushAll(entries);
    if (request.chunkSize === 'auto') group.feed(request.unread);
    this.#enqueued(group, count, signal);
  }

  /** Counts `n` newly queued entries and schedules a flush of their group. */
  #enqueued(group: ChunkGroup, n: number, signal: AbortSignal | undefined): void {
    this.#outstanding += n;
    group.watch(signal);
    if (!group.scheduled) {
      group.scheduled = true;
      queueMicrotask(() => this.#flush(group, false));
    }
  }

  /**
   * Attempts queued here and not yet sent (`entries`), and how many of the
   * dispatcher's waiters are this chunker's, one per group waiting for a slot.
   */
  backlog(): { entries: number; waiters: number } {
    let entries = 0;
    let waiters = 0;
    for (const g of this.#groups) {
      entries += g.queued;
      if (g.waiting) waiters++;
    }
    return { entries, waiters };
  }

  /** Resolves once nothing is queued or running. */
  drained(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Rejects everything queued, and every later submit, with `error`. */
  close(error: unknown): void {
    this.#closed = error;
    for (const g of this.#groups) {
      for (const e of g.take(Number.POSITIVE_INFINITY)) this.#fail(e, error);
    }
  }

  #sizer(name: string): AutoSize {
    // Asked once per item by a call's admission (see `capacity`): the last
    // task's size is kept at hand.
    if (name === this.#lastName && this.#last) return this.#last;
    let s = this.#sizes.get(name);
    if (!s) {
      s = new AutoSize();
      this.#sizes.set(name, s);
    }
    this.#lastName = name;
    this.#last = s;
    return s;
  }

  #flush(group: ChunkGroup, fromDefer: boolean): void {
    group.scheduled = false;
    if (fromDefer) group.deferred = false;
    else if (group.deferred) return;
    const d = this.#host.dispatcher;
    while (group.queued > 0) {
      // Waiting for a slot: a running chunk of the group may take entries
      // meanwhile; the slot, when it comes, takes what is left.
      if (group.waiting) {
        if (this.#extend(group)) continue;
        return;
      }
      const want = this.size(group.name, group.chunkSize);
      if (!fromDefer && group.queued < want && group.inFlight > 0 && d.free > 0) {
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
      if (this.#extend(group)) continue;
      group.waiting = true;
      d.acquire().then(
        (granted) => {
          group.waiting = false;
          this.#dispatch(group, granted);
          this.#flush(group, false);
        },
        (error: unknown) => {
          group.waiting = false;
          for (const e of group.take(Number.POSITIVE_INFINITY)) this.#fail(e, error);
          this.#groups.forget(group);
        },
      );
      return;
    }
    this.#groups.forget(group);
  }

  /**
   * Appends the next entries to a running chunk of the group whose worker
   * has nothing waiting beyond its current batch. Only while no other work
   * waits for a slot: a growing chunk must not keep its slot from others.
   */
  #extend(group: ChunkGroup): boolean {
    if (group.growing.size === 0) return false;
    // Other work waiting for a slot (this group's own request aside) stops
    // every chunk from growing, so slots go round in FIFO order.
    if (this.#host.dispatcher.queued > (group.waiting ? 1 : 0)) return false;
    // The running chunk holding the least work takes the batch.
    let run: ChunkRun | undefined;
    for (const r of group.growing) {
      if (r.extendable && (!run || r.held < run.held)) run = r;
    }
    if (!run) return false;
    // Each batch at most twice the one before (see FIRST_BATCH_MS).
    const size = this.#tail(
      group,
      Math.min(this.size(group.name, group.chunkSize), 2 * run.lastBatch),
    );
    const entries = group.take(Math.min(size, run.room));
    if (entries.length === 0) return false;
    const back = run.extend(entries);
    if (back.length === 0) return true;
    this.#again(group, back);
    // A batch that could not be cloned comes back with its entries marked to
    // travel alone; others (a timeout the chunk does not time, a transfer)
    // wait for a slot of their own.
    return back[0]!.solo;
  }

  /** `size`, or less near the end of a known input (see `AutoSize.forRest`); learnt chunks only. */
  #tail(group: ChunkGroup, size: number): number {
    if (group.chunkSize !== 'auto') return size;
    const rest = group.queued + group.unread;
    return this.#sizer(group.name).forRest(size, rest, this.#host.dispatcher.slots);
  }

  /** Positions a growing chunk may hold: many batches, bounded so a run's bookkeeping stays small. */
  #capacity(group: ChunkGroup): number {
    const size = this.size(group.name, group.chunkSize);
    return Math.min(GROW_MAX, Math.max(GROW_MIN, GROW_BATCHES * size));
  }

  #dispatch(group: ChunkGroup, lease: Lease): void {
    const size = this.size(group.name, group.chunkSize);
    // A learnt chunk grows while it runs when the call keeps more than one
    // batch per slot in flight, once its items are known to be short enough
    // to batch (above the smallest size: a slow or not yet measured item must
    // not hold others back in a busy worker). It starts with a short batch,
    // so its worker starts before a whole batch is cloned (FIRST_BATCH_MS).
    const sizer = group.chunkSize === 'auto' ? this.#sizer(group.name) : undefined;
    const growable =
      sizer !== undefined && size > AUTO_MIN && sizer.window > size && group.queued >= size;
    const entries = group.take(this.#tail(group, growable ? sizer.firstBatch : size));
    if (entries.length === 0) {
      lease.release();
      return;
    }
    const grows = growable && !entries[0]!.solo;
    const growth = grows
      ? {
          capacity: this.#capacity(group),
          ahead: READY_BATCHES,
          onBatch: (ms: number, items: number) => {
            sizer?.observe(ms, items);
            this.#reflush(group);
          },
          onTaken: () => this.#reflush(group),
        }
      : undefined;
    this.#start(group, lease, entries, growth, grows ? undefined : sizer);
  }

  /**
   * Runs single calls that waited for a slot as one chunk on the slot just
   * granted to the first of them: each keeps a chunk entry's per-item
   * semantics. Entries to run again (after a crash) queue in chunks of one.
   */
  runPacked(name: string, lease: Lease, entries: ChunkEntry[], pace: AutoSize): void {
    this.#outstanding += entries.length;
    this.#start(this.#groups.get(name, 1, LONE), lease, entries, undefined, pace);
  }

  /** Runs `entries` on `lease`; the lease counts each entry that ends in the run. */
  #start(
    group: ChunkGroup,
    lease: Lease,
    entries: ChunkEntry[],
    growth: ChunkGrowth | undefined,
    sizer: AutoSize | undefined,
  ): void {
    group.inFlight++;
    const tally: Tally = { ok: 0, failed: 0 };
    const settle: ChunkSettler = {
      succeed: (e, value) => {
        if (!e.done) tally.ok++;
        this.#succeed(e, value);
      },
      fail: (e, error) => {
        if (!e.done) tally.failed++;
        this.#fail(e, error);
      },
    };
    const run = new ChunkRun(this.#host, group, settle, growth);
    if (growth) group.growing.add(run);
    const ended = (outcome: ChunkOutcome) => {
      group.inFlight--;
      group.growing.delete(run);
      if (outcome.ms !== undefined) sizer?.observe(outcome.ms, entries.length);
      this.#again(group, outcome.again);
      lease.release(outcome.answered ? 'ok' : 'failed', tally);
      if (group.queued === 0) this.#steal(group);
      if (group.queued > 0) this.#flush(group, false);
      else this.#groups.forget(group);
    };
    run.run(entries).then(ended, (error: unknown) => {
      // Nothing a task or an item does gets here; should the run itself
      // break, its entries fail rather than wait forever on a held slot.
      for (const e of [...entries, ...run.entries]) settle.fail(e, error);
      ended({ answered: false, again: [] });
    });
  }

  /**
   * The end of a run, where one worker is out of work while another still
   * holds batches it has not started: the slot just freed (when no other
   * work waits for it) takes about half of them back from the chunk holding
   * the most.
   */
  #steal(group: ChunkGroup): void {
    const d = this.#host.dispatcher;
    // The slot just freed may already be granted to this group's own wait
    // for a slot, which takes what is stolen here.
    if (d.free === 0 && !group.waiting) return;
    if (d.queued > (group.waiting ? 1 : 0)) return;
    let victim: ChunkRun | undefined;
    for (const r of group.growing) if (!victim || r.held > victim.held) victim = r;
    const min = group.chunkSize === 'auto' ? this.#sizer(group.name).stealMin : 1;
    const taken = victim?.steal(min) ?? [];
    if (taken.length > 0) group.unshift(taken);
  }

  /** Flushes `group` soon when it holds entries a running chunk may take. */
  #reflush(group: ChunkGroup): void {
    if (group.queued > 0 && !group.scheduled) {
      group.scheduled = true;
      queueMicrotask(() => this.#flush(group, false));
    }
  }

  /** Puts unfinished chunk-mates of a terminated chunk back at the front of the queue. */
  #again(group: ChunkGroup, again: ChunkEntry[]): void {
    if (again.length === 0) return;
    if (this.#closed !== undefined) {
      for (const e of again) this.#fail(e, this.#closed);
      return;
    }
    group.unshift(again);
  }

  #succeed(e: ChunkEntry, value: unknown): void {
    if (e.done) return;
    e.done = true;
    e.owner.succeed(e, value);
    this.#settled();
  }

  #fail(e: ChunkEntry, error: unknown): void {
    if (e.done) return;
    e.done = true;
    e.owner.fail(e, error);
    this.#settled();
  }

  #settled(): void {
    if (--this.#outstanding > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }
}
