/**
 * Chunk entries that cannot travel. Once values are marked with
 * `transfer()`, an entry whose transfer scan throws (a getter or Proxy trap
 * of its item, a buffer moved before) is left out of its batch before the
 * batch is posted; when the engine refuses a whole message, each item is
 * read and cloned on its own to find those to blame, and the others are sent
 * again (they never started, so no attempt is used).
 */
import type { MessagePort } from 'node:worker_threads';
import { addTransfers } from '../../shared/transfer.js';
import { cloneError, cloneProblem, isDataCloneError, mayBeUnsent } from '../common/outcome.js';
import type { ChunkEntry, ChunkSettler, ChunkTask } from './chunk-entry.js';

/** Fails the entries a batch left out (see `batchOf`), each with what its scan threw. */
export function refuse(
  task: ChunkTask,
  settle: ChunkSettler,
  refused: readonly (readonly [ChunkEntry, unknown])[],
): void {
  for (const [e, error] of refused) settle.fail(e, cloneError(task.name, e.index, 'item', error));
}

/**
 * A batch posted on a running chunk's own port threw `error`: fails the
 * items to blame and returns the entries to send again; when none is to
 * blame, a lone entry fails with `error` and several come back to travel alone.
 */
export function afterFailedPost(
  task: ChunkTask,
  settle: ChunkSettler,
  entries: readonly ChunkEntry[],
  error: unknown,
): ChunkEntry[] {
  const { rest, blamed } = culprits(task, settle, entries);
  if (blamed) return rest;
  if (rest.length === 1) {
    settle.fail(rest[0]!, cloneError(task.name, rest[0]!.index, 'item', error));
    return [];
  }
  for (const e of rest) e.solo = true;
  return rest;
}

/**
 * piscina rejected a chunk's message with `failure`. When it may never have
 * been posted because it failed to clone (see `mayBeUnsent`), fails what is
 * to blame (items, or the call's `kwargs`) and returns the entries to send
 * again; returns undefined when the message reached a worker after all (a crash).
 */
export function unsentAgain(
  task: ChunkTask,
  settle: ChunkSettler,
  entries: readonly (ChunkEntry | undefined)[],
  failure: unknown,
  transfers: readonly (ArrayBuffer | MessagePort)[],
): ChunkEntry[] | undefined {
  if (!mayBeUnsent(failure, transfers)) return undefined;
  const { rest, blamed } = culprits(task, settle, entries);
  if (blamed) return rest;
  const problem = task.kwargs === undefined ? undefined : cloneProblem(task.kwargs);
  if (problem) {
    for (const e of rest) settle.fail(e, cloneError(task.name, e.index, 'kwargs', problem.error));
    return [];
  }
  // No item fails alone but the message did: its items travel one by one.
  if (!isDataCloneError(failure) || rest.length < 2) return undefined;
  for (const e of rest) e.solo = true;
  return rest;
}

/**
 * Fails each unfinished entry whose item does not clone on its own, with
 * what its clone threw. Returns the others, and whether any was to blame.
 */
function culprits(
  task: ChunkTask,
  settle: ChunkSettler,
  entries: readonly (ChunkEntry | undefined)[],
): { rest: ChunkEntry[]; blamed: boolean } {
  const rest: ChunkEntry[] = [];
  let blamed = false;
  for (const e of entries) {
    if (!e || e.done) continue;
    const problem = itemProblem(e.item);
    if (problem) {
      blamed = true;
      settle.fail(e, cloneError(task.name, e.index, 'item', problem.error));
    } else {
      rest.push(e);
    }
  }
  return { rest, blamed };
}

/**
 * Why `item` cannot travel on its own: what its getters or Proxy traps throw
 * when read (the engine's clone of a Proxy names no trap), else what a trial
 * clone throws.
 */
function itemProblem(item: unknown): { error: unknown } | undefined {
  return addTransfers(item, []) ?? cloneProblem(item);
}
