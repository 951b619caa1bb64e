/**
 * What travels through Redis between a producer (`connectQueue`) and the
 * machines that `serve` a pool: job data, job results, errors, the retry
 * policy as BullMQ job options, and the cancellation topic.
 * Everything here is JSON: BullMQ stores job data and results as JSON.
 */

import { isStopRetrying } from '../../shared/failure.js';
import type { SerializedError } from '../../worker/protocol.js';
import {
  ItemCloneError,
  isPoolcallError,
  PoolcallError,
  type PoolcallErrorCode,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../common/errors.js';
import { rebuildError } from '../common/outcome.js';
import type { RetryPolicy } from '../common/target.js';

/** The format version written in every job. */
export const JOB_FORMAT = 1;

/** The data of one job: one item, or a chunk of items run with the same options. */
export interface RemoteJobData {
  readonly v: typeof JOB_FORMAT;
  /** The items, in order. */
  readonly items: readonly unknown[];
  /** Each item's index in its call's input (`ctx.index`). */
  readonly indices: readonly number[];
  /** Attempts spent under earlier ids of a job Redis lost (counted into `ctx.attempt`). */
  readonly priorAttempts?: number;
  /** Handed to `defineTask` tasks as `ctx.kwargs`. */
  readonly kwargs?: unknown;
  /** Per-attempt limit of each item, ms, enforced by the serving machine. */
  readonly timeout?: number;
  /** Backoff factor, read by the custom backoff strategy (factors other than 1 and 2). */
  readonly backoffFactor?: number;
  /** Whether the producer listens to `ctx.progress` reports. */
  readonly progress?: boolean;
  /** Outcomes of items that succeeded in earlier attempts (by position; `null` = still to run). */
  readonly done?: readonly (RemoteOutcome | null)[];
  /** Every item's final outcome, written just before the job fails for good. */
  readonly outcomes?: readonly RemoteOutcome[];
}

/** The return value of a job that completed. */
export interface RemoteJobResult {
  readonly outcomes: readonly RemoteOutcome[];
  /** The shortest run time of an item of this attempt, ms (what `chunkSize: 'auto'` sizes from). */
  readonly runMs?: number;
}

/** One item's outcome. */
export type RemoteOutcome =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly error: RemoteError };

/** An error as JSON: class name, message, stack and `code` survive; poolcall's own errors keep their class. */
export interface RemoteError {
  /** 'poolcall' for a PoolcallError (rebuilt with its class), 'task' for the task's own error. */
  readonly kind: 'task' | 'poolcall';
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string | number;
  /** For TaskTimeoutError: the timeout that was exceeded. */
  readonly timeout?: number;
  /** For ItemCloneError: the item's index. */
  readonly index?: number;
  readonly cause?: RemoteError;
  /** The error was a `StopRetrying`: the item is not retried. */
  readonly final?: true;
}

/** A progress report carried by `job.updateProgress`. */
export interface RemoteProgress {
  readonly position: number;
  readonly value: unknown;
}

/** The custom BullMQ backoff type used for factors other than 1 and 2. */
export const BACKOFF_TYPE = 'poolcall';

/** BullMQ `attempts` and `backoff` for a retry policy. */
export function jobRetryOptions(policy: RetryPolicy): {
  attempts: number;
  backoff?: { type: string; delay: number };
} {
  // `numRetries: Infinity`: Redis stores JSON, where Infinity has no spelling.
  const attempts = Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, policy.attempts));
  if (attempts === 1 || policy.delay <= 0) return { attempts };
  const type =
    policy.backoffFactor === 1
      ? 'fixed'
      : policy.backoffFactor === 2
        ? 'exponential'
        : BACKOFF_TYPE;
  return { attempts, backoff: { type, delay: policy.delay } };
}

/** Delay before retry k (= attemptsMade after k failures): `delay * factor ** (k - 1)`. */
export function backoffDelay(attemptsMade: number, delay: number, factor: number): number {
  return Math.round(delay * factor ** Math.max(0, attemptsMade - 1));
}

/**
 * What `JSON.stringify` throws for `value` (`{ error }`: a getter or Proxy
 * trap that throws, a BigInt, a cycle), or undefined when it can be written.
 */
export function jsonProblem(value: unknown): { error: unknown } | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return { error };
  }
}

/** Serialises an error for the trip back to the producer. */
export function toRemoteError(error: unknown, depth = 0): RemoteError {
  const e = (error instanceof Error ? error : new Error(String(error))) as Error & {
    code?: unknown;
  };
  const poolcall = isPoolcallError(error);
  const timeout = (error as { timeout?: unknown }).timeout;
  const index = (error as { index?: unknown }).index;
  const cause = depth < 3 && e.cause !== undefined ? toRemoteError(e.cause, depth + 1) : undefined;
  return {
    kind: poolcall ? 'poolcall' : 'task',
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(poolcall && typeof timeout === 'number' ? { timeout } : {}),
    ...(poolcall && typeof index === 'number' ? { index } : {}),
    ...(cause ? { cause } : {}),
    ...(isStopRetrying(error) ? { final: true } : {}),
  };
}

/** Rebuilds a serialised error: poolcall's own errors with their class and code. */
export function fromRemoteError(e: RemoteError): Error {
  if (e.kind === 'task') return rebuildError(toSerialized(e));
  const cause = e.cause ? { cause: fromRemoteError(e.cause) } : {};
  let error: PoolcallError;
  if (e.code === 'ERR_TASK_TIMEOUT') {
    error = new TaskTimeoutError(e.timeout ?? 0, e.message);
  } else if (e.code === 'ERR_DATA_CLONE') {
    error = new ItemCloneError(e.message, e.index ?? 0, cause);
  } else if (e.code === 'ERR_WORKER_CRASHED') {
    error = new WorkerCrashedError(e.message, cause);
  } else {
    error = new PoolcallError(String(e.code) as PoolcallErrorCode, e.message, cause);
  }
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}

function toSerialized(e: RemoteError): SerializedError {
  return {
    kind: 'task',
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.cause ? { cause: toSerialized(e.cause) } : {}),
    ...(e.final ? { final: true } : {}),
  };
}

/** The Relay topic on which cancellations of `queue`'s jobs are published. */
export function cancelTopic(prefix: string, queue: string): string {
  return `poolcall.${topicSegment(prefix)}.${topicSegment(queue)}.cancel`;
}

/** A message on the cancellation topic. */
export interface CancelMessage {
  readonly jobIds: readonly string[];
  readonly reason?: string;
}

function topicSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
