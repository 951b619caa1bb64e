/**
 * The shared-memory layout of a chunk, used by both threads: see
 * `ChunkClockBuffer` in `src/worker/protocol.ts`.
 */

/** Byte offset of the Int32Array of item states in a chunk's clock buffer. */
export const STATES_OFFSET = 16;

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
