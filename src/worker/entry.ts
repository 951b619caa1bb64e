/**
 * The worker entry piscina loads. It imports the user's task module once,
 * restores the user's `workerData`, and runs tasks by exported name. Sources
 * are never evaluated from strings.
 */
import { syncBuiltinESMExports } from 'node:module';
import workerThreads, { type MessagePort } from 'node:worker_threads';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Piscina } from 'piscina';
import { ItemState, STATES_OFFSET } from '../main/chunk-state.js';
import { collectTransfers } from '../main/transfer.js';
import { serializeError } from './errors.js';
import { isDefinedTask, type TaskContext } from './index.js';
import { loadModule } from './load.js';
import type {
  ItemOutcome,
  ItemReport,
  PoolWorkerData,
  ProgressSink,
  SerializedError,
  TaskRequest,
  TaskResponse,
} from './protocol.js';

const data = workerThreads.workerData as PoolWorkerData;
(workerThreads as { workerData: unknown }).workerData = data.userData;
syncBuiltinESMExports();

type AnyTask = (item: unknown, ctx: TaskContext) => unknown;

let moduleExports: Promise<Record<string, unknown>> | undefined;

const kTransferable = Symbol.for('Piscina.transferable');
const kValue = Symbol.for('Piscina.valueOf');

/** Runs one request: each item in order, each outcome caught separately. */
export default async function run(request: TaskRequest): Promise<unknown> {
  let exports: Record<string, unknown>;
  try {
    moduleExports ??= loadModule(data.module);
    exports = await moduleExports;
  } catch (error) {
    return failAll(request, serializeError(error, 'load'));
  }
  const task = Object.hasOwn(exports, request.name) ? exports[request.name] : undefined;
  if (typeof task !== 'function') {
    const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
    return failAll(request, {
      kind: 'unknown-task',
      name: 'PoolcallError',
      message: `Unknown task "${request.name}": the module exports ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no functions'}`,
      code: 'ERR_UNKNOWN_TASK',
    });
  }
  const fn = task as AnyTask;
  const withCtx = isDefinedTask(fn);
  const sink = request.progress ? wrap<ProgressSink>(nodeEndpoint(request.progress)) : undefined;
  const clock = request.clock ? new Float64Array(request.clock, 0, 2) : undefined;
  const states = request.clock
    ? new Int32Array(request.clock, STATES_OFFSET, request.items.length)
    : undefined;
  const results = request.results;
  const values: unknown[] = [];
  const failures: [number, SerializedError][] = [];
  const origin = performance.timeOrigin;
  const { items, indices, attempts, kwargs } = request;
  const transfers: (ArrayBuffer | MessagePort)[] = [];
  const began = performance.now();
  for (let i = 0; i < items.length; i++) {
    if (states) {
      if (Atomics.compareExchange(states, i, ItemState.pending, ItemState.running) !== 0) {
        values.push(undefined);
        continue;
      }
      // Start times matter only for per-item deadlines (chunks with a results port).
      if (results && clock) {
        clock[1] = origin + performance.now();
        clock[0] = i;
      }
    }
    let failed: SerializedError | undefined;
    let value: unknown;
    try {
      if (withCtx) {
        const index = typeof indices === 'number' ? indices + i : (indices[i] ?? 0);
        value = fn(items[i], {
          index,
          attempt: typeof attempts === 'number' ? attempts : (attempts[i] ?? 1),
          kwargs,
          progress: sink ? (v) => void sink.report(index, v) : () => {},
        });
      } else {
        value = (fn as (item: unknown) => unknown)(items[i]);
      }
      if (isThenable(value)) value = await value;
      const cloneProblem = uncloneable(value);
      if (cloneProblem) failed = cloneError(cloneProblem);
    } catch (error) {
      failed = serializeError(error, 'task');
    }
    if (results) {
      const outcome: ItemOutcome = failed ? { ok: false, error: failed } : { ok: true, value };
      const oneTransfer: (ArrayBuffer | MessagePort)[] = [];
      if (!failed) collectTransfers(value, oneTransfer);
      const report: ItemReport = [i, outcome];
      results.postMessage(report, oneTransfer);
    } else if (failed) {
      values.push(undefined);
      failures.push([i, failed]);
    } else {
      if (typeof value === 'object' && value !== null) collectTransfers(value, transfers);
      values.push(value);
    }
    if (states) Atomics.store(states, i, ItemState.finished);
  }
  if (clock) clock[0] = request.items.length;
  request.progress?.close();
  results?.close();
  const response: TaskResponse = { values, failures, ms: performance.now() - began };
  if (transfers.length === 0) return response;
  return Piscina.move({ [kTransferable]: transfers, [kValue]: response } as never);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function failAll(request: TaskRequest, error: SerializedError): TaskResponse {
  request.progress?.close();
  request.results?.close();
  return {
    values: request.items.map(() => undefined),
    failures: request.items.map((_, i) => [i, error] as const),
    ms: 0,
  };
}

function cloneError(what: string) {
  return {
    kind: 'clone' as const,
    name: 'DataCloneError',
    message: `The task's result could not be cloned to the main thread: it contains ${what}`,
  };
}

/** Finds a function or symbol that would make the value fail structured clone. */
function uncloneable(value: unknown, depth = 0, seen = new Set<object>()): string | undefined {
  const type = typeof value;
  if (type === 'function') return 'a function';
  if (type === 'symbol') return 'a symbol';
  if (type !== 'object' || value === null || depth > 3) return undefined;
  const obj = value as object;
  if (seen.has(obj) || ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return undefined;
  seen.add(obj);
  const children =
    obj instanceof Map
      ? [...obj.keys(), ...obj.values()]
      : obj instanceof Set
        ? [...obj]
        : Array.isArray(obj)
          ? obj.length > 64
            ? obj.slice(0, 64)
            : obj
          : Object.values(obj);
  for (const child of children) {
    const found = uncloneable(child, depth + 1, seen);
    if (found) return found;
  }
  return undefined;
}
