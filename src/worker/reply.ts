/**
 * Replies that cannot be cloned. A value that fails structured clone (a
 * function, a symbol, a Proxy, a getter that throws, a structure nested too
 * deep for the serializer) must fail its own item, with what the clone threw
 * as the cause, and the rest of its message must still arrive.
 *
 * The worker posts chunk reports itself and catches their failures here.
 * The answer to a request is posted by piscina, which throws a failed post
 * in the worker (the thread dies and the call looks like a crash); the guard
 * installed here catches that failure on the thread's ports and posts the
 * answer again with each value that cannot be cloned replaced by its
 * failure. A successful post costs one extra call frame.
 *
 * Node.js and Bun ports post through `MessagePort.prototype`. Deno's ports
 * carry their own `postMessage`, bound when the port arrives, to the
 * prototype's method of that moment: piscina's port reaches the thread
 * before this module loads, so there the guard also wraps that port itself,
 * caught when piscina first reads it with `receiveMessageOnPort` (right
 * after loading this module, before any task). With piscina's atomics
 * turned off (`PISCINA_DISABLE_ATOMICS=1`) it never reads the port that way,
 * and on Deno such a reply still ends its thread.
 */
import workerThreads, { MessagePort, parentPort } from 'node:worker_threads';
import type { Packed } from '../shared/packed.js';
import { addTransfers } from '../shared/transfer.js';
import { serializeError } from './errors.js';
import type { SerializedError, TaskResponse } from './protocol.js';

/** The failure of an item whose result could not be cloned: `error` is what the clone threw. */
export function cloneFailure(error: unknown): SerializedError {
  const failure = serializeError(error, 'clone');
  // The engine's failure is a DOMException named DataCloneError: keep that name.
  return error instanceof DOMException ? { ...failure, name: error.name } : failure;
}

/** Values and failures of a reply by position, as posted. */
export interface Outcomes {
  readonly values: Packed;
  readonly failures: readonly (readonly [position: number, error: SerializedError])[];
}

/**
 * The same outcomes with every value that fails a structured clone of its
 * own turned into a failure. When none does, the message failed as a whole
 * (`error`, e.g. its transfer list) and every value fails with that.
 */
export function salvage<T extends Outcomes>(outcomes: T, error: unknown): T {
  const values = Array.from(outcomes.values);
  const failures = outcomes.failures.slice();
  values.forEach((value, i) => {
    if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') {
      return;
    }
    // A getter or Proxy trap that throws is the cause (the engine's clone of
    // a Proxy names no trap); otherwise what the clone throws.
    let problem = addTransfers(value, []);
    if (!problem) {
      try {
        structuredClone(value);
      } catch (error) {
        problem = { error };
      }
    }
    if (problem) {
      values[i] = undefined;
      failures.push([i, cloneFailure(problem.error)]);
    }
  });
  if (failures.length > outcomes.failures.length) return { ...outcomes, values, failures };
  return everyFailed(outcomes, error);
}

/** The same outcomes with every value turned into the failure `error`. */
export function everyFailed<T extends Outcomes>(outcomes: T, error: unknown): T {
  const all = cloneFailure(error);
  const failed = new Set(outcomes.failures.map(([i]) => i));
  const failures = outcomes.failures.slice();
  outcomes.values.forEach((_, i) => {
    if (!failed.has(i)) failures.push([i, all]);
  });
  return { ...outcomes, values: Array.from(outcomes.values, () => undefined), failures };
}

/** piscina's answer to a task, as its worker posts it. */
interface PiscinaAnswer {
  readonly taskId: unknown;
  readonly result: readonly [unknown] | TaskResponse;
  readonly error: unknown;
  readonly time: unknown;
}

let guarded = false;

type Post = MessagePort['postMessage'];

/**
 * Makes this thread's answers to requests survive values that cannot be
 * cloned (see the module note). Installed once per thread.
 */
export function guardReplies(): void {
  if (guarded) return;
  guarded = true;
  MessagePort.prototype.postMessage = guardPost(MessagePort.prototype.postMessage);
  // Ports with a postMessage of their own (Deno): checked once, on the thread's own port.
  if (parentPort && Object.hasOwn(parentPort, 'postMessage')) guardReadPorts();
}

/** `post` that, when an answer to a request fails to clone, posts it again salvaged. */
function guardPost(post: Post): Post {
  return function postMessage(
    this: MessagePort,
    value: unknown,
    transferList?: Parameters<Post>[1],
  ): void {
    try {
      post.call(this, value, transferList);
    } catch (error) {
      if (!isAnswer(value)) throw error;
      const response = asResponse(value.result);
      try {
        post.call(this, { ...value, result: salvage(response, error) }, transferList);
      } catch (again) {
        // The transfer list itself failed: every value fails, nothing moves.
        post.call(this, { ...value, result: everyFailed(response, again) });
      }
    }
  };
}

/**
 * Guards the own `postMessage` of each port read with `receiveMessageOnPort`
 * (looked up on the module by piscina at each call), once per port.
 */
function guardReadPorts(): void {
  const seen = new WeakSet<MessagePort>();
  const receive = workerThreads.receiveMessageOnPort;
  workerThreads.receiveMessageOnPort = function receiveMessageOnPort(port) {
    if (!seen.has(port)) {
      seen.add(port);
      if (Object.hasOwn(port, 'postMessage')) port.postMessage = guardPost(port.postMessage);
    }
    return receive(port);
  };
}

function isAnswer(value: unknown): value is PiscinaAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { [K in keyof PiscinaAnswer]?: unknown };
  return 'taskId' in v && v.error === null && 'time' in v && isReply(v.result);
}

/** One of this entry's replies: a single value (`[value]`) or a {@link TaskResponse}. */
function isReply(result: unknown): result is readonly [unknown] | TaskResponse {
  if (Array.isArray(result)) return result.length === 1;
  if (typeof result !== 'object' || result === null) return false;
  const r = result as Partial<TaskResponse>;
  return (Array.isArray(r.values) || r.values instanceof Float64Array) && Array.isArray(r.failures);
}

function asResponse(result: readonly [unknown] | TaskResponse): TaskResponse {
  return Array.isArray(result) ? { values: result, failures: [], ms: 0 } : (result as TaskResponse);
}
