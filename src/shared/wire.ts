/**
 * The values both threads must agree on at run time: the boot fields of a
 * pool, the shared-memory layout of a chunk (see `ChunkClockBuffer` in
 * `src/worker/protocol.ts`), its item states and the `TAKEN` report. Imports
 * nothing; imported by `src/main` and `src/worker` alike.
 */

/**
 * Byte offset of a growing chunk's two Int32 `more` fields in its clock
 * buffer, indexed by {@link MoreField}. The main thread counts a batch up
 * in `announced` (compare-and-exchange) before it posts the batch on the
 * chunk's `more` port, and in `posted` (then wakes the worker) once posted;
 * it posts none once the worker closed. The worker closes the chunk only
 * when it has received every batch announced, and otherwise waits for the
 * one on its way. So no batch is posted to a worker that will not read it.
 */
export const MORE_OFFSET = 16;

/** The Int32 fields at {@link MORE_OFFSET}. */
export const MoreField = {
  /** Batches the main thread posted or is posting; {@link MORE_CLOSED} once the worker ended the chunk. */
  announced: 0,
  /** Batches posted. */
  posted: 1,
} as const;

/** `announced` of a chunk whose worker has ended it (see {@link MORE_OFFSET}). */
export const MORE_CLOSED = -1;

/** Byte offset of the Int32Array of item states in a chunk's clock buffer. */
export const STATES_OFFSET = 24;

/** Bytes of a clock buffer for a chunk of `n` items. */
export function clockBytes(n: number): number {
  return STATES_OFFSET + 4 * n;
}

/** Item states in a chunk's clock buffer. */
export const ItemState = {
  /** Not started: the main thread may still cancel it. */
  pending: 0,
  /** Claimed by the worker: running. */
  running: 1,
  /** Claimed by the main thread: the worker skips it. */
  cancelled: 2,
  /** Finished: its outcome is in the response or was posted to `results`. */
  finished: 3,
} as const;

/**
 * Fields of `PoolWorkerData.boot`: how many of the threads the pool starts
 * with have yet to boot (each takes one), and 1 once the task module loaded
 * in some thread. Such threads import the module before they take work.
 */
export const BootField = { initial: 0, loaded: 1 } as const;

/** Posted on a growing chunk's `more` port once the worker has claimed its first item. */
export const TAKEN = 0;

/**
 * The worker argument that carries the task module's `file:` URL where the
 * thread's `workerData` is the user's own (runtimes that cannot rebind it).
 */
export const MODULE_ARG = '--poolcall-module=';

/** The largest `niceIncrement`: 19 is the lowest priority a thread can have. */
export const MAX_NICE = 19;

/** The worker argument that carries the pool's `niceIncrement` where the module travels in argv. */
export const NICE_ARG = '--poolcall-nice=';

/** Posted on a call stream's port to end it (see `src/worker/stream.ts`). */
export const STREAM_END = 0;
