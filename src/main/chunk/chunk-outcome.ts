/**
 * What each entry of a finished chunk comes to: its outcome from the worker,
 * the close error, a re-run without using an attempt (chunk-mates of a
 * terminated or crashed chunk, batches the worker never started), or a crash.
 * A message that never reached a worker because it failed to clone is
 * handled before (see `ChunkRun`).
 */

import { ItemState } from '../../shared/wire.js';
import type { ItemOutcome, TaskResponse } from '../../worker/protocol.js';
import { failureOf, piscinaFailure } from '../common/outcome.js';
import type { ChunkEntry, ChunkSettler, ChunkTask } from './chunk-entry.js';

/** Why a running chunk was stopped. */
export type Stop = { kind: 'timeout' | 'cancel' } | { kind: 'closed'; error: unknown };

/** The chunk being concluded and whom it tells. */
export interface ConcludingRun {
  readonly task: ChunkTask;
  /** The task module's URL, for error messages. */
  readonly module: string;
  readonly settle: ChunkSettler;
  /** Why the chunk was stopped, if it was. */
  readonly stop: Stop | undefined;
  /** Counts a worker terminated by a timeout or a cancel. */
  onTerminated(): void;
}

/** How the chunk's run ended. */
export interface RunEnd {
  /** Every entry sent, by position (holes for those already let go). */
  readonly entries: readonly (ChunkEntry | undefined)[];
  /** The worker's answer, if it answered. */
  readonly response: TaskResponse | undefined;
  /** The first position the answer covers. */
  readonly base: number;
  /** Outcomes posted item by item, by position. */
  readonly outcomes: readonly (ItemOutcome | undefined)[];
  readonly states: Int32Array;
  /** What piscina rejected with, if it did. */
  readonly failure: unknown;
}

/** Settles what the run's end decides and returns the entries to run again. */
export function conclude(run: ConcludingRun, end: RunEnd): ChunkEntry[] {
  const { entries, response, base, outcomes, states, failure } = end;
  const { task: group, stop, settle } = run;
  const again: ChunkEntry[] = [];
  let crash: Error | undefined;
  if (failure !== undefined && !stop) crash = piscinaFailure(failure, group.name);
  if (stop && stop.kind !== 'closed' && failure !== undefined) run.onTerminated();
  const answered = response ? base + (response.count ?? response.values.length) : 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!e || e.done) continue;
    const outcome = outcomes[i];
    if (outcome) {
      if (outcome.ok) settle.succeed(e, outcome.value);
      else settle.fail(e, failureOf(outcome.error, group.name, run.module, e.index));
    } else if (response && i >= base && i < answered) {
      settle.succeed(e, response.values[i - base]);
    } else if (stop?.kind === 'closed') {
      settle.fail(e, stop.error);
    } else if (crash && (Atomics.load(states, i) === ItemState.running || entries.length === 1)) {
      settle.fail(e, crash);
    } else if (stop || crash) {
      again.push(e);
    } else if (
      response &&
      i >= answered &&
      Atomics.compareExchange(states, i, ItemState.pending, ItemState.cancelled) ===
        ItemState.pending
    ) {
      // Sent after the worker's last look for more: it never started.
      again.push(e);
    } else {
      settle.fail(e, piscinaFailure(new Error('the worker sent no outcome'), group.name));
    }
  }
  if (crash && !hasCulprit(entries, states)) {
    for (const e of again) settle.fail(e, crash);
    return [];
  }
  return again;
}

function hasCulprit(entries: readonly (ChunkEntry | undefined)[], states: Int32Array): boolean {
  for (let i = 0; i < entries.length; i++) {
    if (Atomics.load(states, i) === ItemState.running) return true;
  }
  return false;
}
