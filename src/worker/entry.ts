/**
 * The worker entry piscina loads. It imports the user's task module once,
 * restores the user's `workerData`, and runs tasks by exported name. Sources
 * are never evaluated from strings.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { pack } from '../shared/packed.js';
import { unknownTaskMessage } from '../shared/task-names.js';
import { addTransfers, anyMarked, collectTransfers } from '../shared/transfer.js';
import {
  BootField,
  ItemState,
  MORE_CLOSED,
  MORE_OFFSET,
  MoreField,
  STATES_OFFSET,
  TAKEN,
} from '../shared/wire.js';
import { isThenable, kTransferable, kValue, singleFailure } from './answer.js';
import { serializeError } from './errors.js';
import { isDefinedTask, type TaskContext } from './index.js';
import { loadModule } from './load.js';
import type {
  BatchReport,
  ItemReport,
  MoreItems,
  SerializedError,
  SingleValue,
  TaskRequest,
  TaskResponse,
} from './protocol.js';
import { cloneFailure, everyFailed, guardReplies, salvage } from './reply.js';
import { serveStream } from './stream.js';
import { lowerPriority, threadData } from './thread.js';

guardReplies();

const data = threadData();
if (data.nice) lowerPriority(data.nice);

type AnyTask = (item: unknown, ctx: TaskContext) => unknown;

// The threads the pool starts with, and threads started once the module has
// loaded somewhere, import the task module before piscina counts them as
// ready: a spare or replacement thread takes its first task warm. Other
// threads import it with their first task, so a module that kills its thread
// while loading (out of memory, process.exit) fails calls instead of leaving
// piscina without a ready thread. A load error is kept and reported to each call.
let moduleExports: Promise<Record<string, unknown>> | undefined;
/** The task module's exports once loaded: single items then run without a promise. */
let loaded: Record<string, unknown> | undefined;
const boot = data.boot ? new Int32Array(data.boot) : undefined;
if (boot && (Atomics.sub(boot, BootField.initial, 1) > 0 || Atomics.load(boot, BootField.loaded))) {
  await load().catch(() => undefined);
}

function load(): Promise<Record<string, unknown>> {
  moduleExports ??= loadModule(data.module).then((exports) => {
    loaded = exports;
    if (boot) Atomics.store(boot, BootField.loaded, 1);
    return exports;
  });
  return moduleExports;
}

/** comlink and piscina's move() load on first use: most threads never need them. */
let comlink: Promise<typeof import('./progress.js')> | undefined;
let move: Promise<(value: unknown) => unknown> | undefined;

/**
 * Runs one request. A single item without a clock or progress (`pool.run`)
 * takes the short way: called at once, answered as a {@link SingleValue}
 * when it succeeds, with no promise when the task is synchronous.
 */
export default function run(request: TaskRequest): unknown {
  if (request.stream) return serveStream(request.stream, run);
  const items = Array.isArray(request.items) ? (request.items as readonly unknown[]) : undefined;
  const task =
    loaded &&
    items?.length === 1 &&
    !request.clock &&
    !request.progress &&
    !request.results &&
    !request.more
      ? ownFunction(loaded, request.name)
      : undefined;
  if (!task || !items) return runAll(request);
  let value: unknown;
  try {
    value = isDefinedTask(task)
      ? task(items[0], {
          index: typeof request.indices === 'number' ? request.indices : (request.indices[0] ?? 0),
          attempt:
            typeof request.attempts === 'number' ? request.attempts : (request.attempts[0] ?? 1),
          kwargs: request.kwargs,
          progress: () => {},
        })
      : (task as (item: unknown) => unknown)(items[0]);
  } catch (error) {
    return singleFailure(serializeError(error, 'task'));
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(singleValue, (error: unknown) =>
      singleFailure(serializeError(error, 'task')),
    );
  }
  return singleValue(value);
}

function ownFunction(exports: Record<string, unknown>, name: string): AnyTask | undefined {
  const task = Object.hasOwn(exports, name) ? exports[name] : undefined;
  return typeof task === 'function' ? (task as AnyTask) : undefined;
}

function singleValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !anyMarked()) return [value];
  const transfers: (ArrayBuffer | MessagePort)[] = [];
  try {
    collectTransfers(value, transfers);
  } catch (error) {
    return singleFailure(cloneFailure(error));
  }
  const answer: SingleValue = [value];
  return transfers.length === 0 ? answer : moved(transfers, answer);
}

async function moved(transfers: (ArrayBuffer | MessagePort)[], value: unknown): Promise<unknown> {
  move ??= import('piscina').then((m) => (v: unknown) => m.Piscina.move(v as never));
  return (await move)({ [kTransferable]: transfers, [kValue]: value });
}

/** Runs a request item by item, each outcome caught separately. */
async function runAll(request: TaskRequest): Promise<unknown> {
  let exports: Record<string, unknown>;
  try {
    exports = await load();
  } catch (error) {
    return failAll(request, serializeError(error, 'load'));
  }
  const task = Object.hasOwn(exports, request.name) ? exports[request.name] : undefined;
  if (typeof task !== 'function') {
    const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
    return failAll(request, {
      kind: 'unknown-task',
      name: 'PoolcallError',
      message: unknownTaskMessage(request.name, names),
      code: 'ERR_UNKNOWN_TASK',
    });
  }
  const fn = task as AnyTask;
  const withCtx = isDefinedTask(fn);
  let sink: ReturnType<typeof import('./progress.js').progressSink> | undefined;
  if (request.progress) {
    comlink ??= import('./progress.js');
    sink = (await comlink).progressSink(request.progress);
  }
  const clock = request.clock ? new Float64Array(request.clock, 0, 2) : undefined;
  const capacity = request.clock ? (request.clock.byteLength - STATES_OFFSET) >> 2 : 0;
  const states = request.clock ? new Int32Array(request.clock, STATES_OFFSET, capacity) : undefined;
  const { results, more, kwargs } = request;
  const moreFields =
    more && request.clock ? new Int32Array(request.clock, MORE_OFFSET, 2) : undefined;
  let received = 0;
  const origin = performance.timeOrigin;
  let batch: MoreItems = {
    base: 0,
    items: request.items,
    indices: request.indices,
    attempts: request.attempts,
  };
  let values: unknown[] = [];
  let failures: [number, SerializedError][] = [];
  let transfers: (ArrayBuffer | MessagePort)[] = [];
  let began = performance.now();
  for (;;) {
    const { base, items, indices, attempts } = batch;
    for (let i = 0; i < items.length; i++) {
      const position = base + i;
      if (states) {
        const claimed =
          Atomics.compareExchange(states, position, ItemState.pending, ItemState.running) === 0;
        // The main thread may send batches once the chunk is claimed.
        if (position === 0 && more) more.postMessage(TAKEN);
        if (!claimed) {
          values.push(undefined);
          continue;
        }
        // Start times matter only for per-item deadlines.
        if (request.timed && clock) {
          clock[1] = origin + performance.now();
          clock[0] = position;
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
      } catch (error) {
        failed = serializeError(error, 'task');
      }
      if (results) {
        postOutcome(results, position, failed, value);
      } else {
        // A value that cannot be cloned fails alone when the reply is posted (reply.ts).
        const problem = failed || !anyMarked() ? undefined : addTransfers(value, transfers);
        if (problem) failed = cloneFailure(problem.error);
        if (failed) {
          values.push(undefined);
          failures.push([i, failed]);
        } else {
          values.push(value);
        }
      }
      if (states) Atomics.store(states, position, ItemState.finished);
    }
    // A growing chunk: the main thread may have sent more while this batch ran.
    const next = more ? nextBatch(more, moreFields, received) : undefined;
    if (!more || !next) break;
    received++;
    const report: BatchReport = {
      base,
      count: items.length,
      values: pack(values),
      failures,
      ms: performance.now() - began,
    };
    postReport(more, report, transfers);
    values = [];
    failures = [];
    transfers = [];
    began = performance.now();
    // piscina holds the request until the chunk is answered: its items,
    // done with now, must not live on (and age into the old generation).
    if (batch.items === request.items && Array.isArray(request.items)) {
      (request.items as unknown[]).length = 0;
    }
    batch = next;
  }
  const ms = performance.now() - began;
  let response: TaskResponse;
  if (more) {
    // The last batch travels as a report too, where a value that cannot be
    // cloned fails alone; the answer only says where the chunk ended.
    const count = batch.items.length;
    const end = batch.base + count;
    postReport(more, { base: batch.base, count, values: pack(values), failures, ms }, transfers);
    response = { values: [], failures: [], ms: 0, base: end, count: 0 };
    transfers = [];
  } else {
    response = { values: pack(values), failures, ms };
  }
  if (clock) clock[0] = capacity;
  request.progress?.close();
  results?.close();
  more?.close();
  return transfers.length === 0 ? response : moved(transfers, response);
}

/**
 * The next batch of a growing chunk, or undefined once the chunk ends here.
 * With the chunk's `more` field (see `MORE_OFFSET`), a batch the main thread
 * has counted but not yet posted is waited for, and the chunk is closed only
 * when none is on its way.
 */
function nextBatch(
  port: MessagePort,
  fields: Int32Array | undefined,
  received: number,
): MoreItems | undefined {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as MoreItems;
    if (!fields) return undefined;
    const count = Atomics.load(fields, MoreField.announced);
    if (count <= received) {
      const was = Atomics.compareExchange(fields, MoreField.announced, count, MORE_CLOSED);
      if (was === count) return undefined;
    } else {
      // On its way: woken once it is posted (or the main thread gave it up).
      Atomics.wait(fields, MoreField.posted, received, 20);
    }
  }
}

/**
 * Posts one item's outcome on a chunk's `results` port. A value that cannot
 * be cloned (or whose transfers cannot go) fails its item instead.
 */
function postOutcome(
  port: MessagePort,
  position: number,
  failed: SerializedError | undefined,
  value: unknown,
): void {
  if (failed) {
    port.postMessage([position, { ok: false, error: failed }] satisfies ItemReport);
    return;
  }
  try {
    const transfers: (ArrayBuffer | MessagePort)[] = [];
    if (anyMarked()) collectTransfers(value, transfers);
    port.postMessage([position, { ok: true, value }] satisfies ItemReport, transfers);
  } catch (error) {
    // A getter or Proxy trap that throws is the cause, as in reply.ts.
    const cause = (addTransfers(value, []) ?? { error }).error;
    port.postMessage([position, { ok: false, error: cloneFailure(cause) }] satisfies ItemReport);
  }
}

/**
 * Posts a finished batch. Values that cannot be cloned fail alone when the
 * whole report cannot be cloned.
 */
function postReport(
  port: MessagePort,
  report: BatchReport,
  transfers: (ArrayBuffer | MessagePort)[],
): void {
  try {
    port.postMessage(report, transfers);
  } catch (error) {
    const salvaged = salvage(report, error);
    try {
      port.postMessage(salvaged, transfers);
    } catch (again) {
      // The transfer list itself failed: every value fails, nothing moves.
      port.postMessage(everyFailed(report, again));
    }
  }
}

function failAll(request: TaskRequest, error: SerializedError): TaskResponse {
  request.progress?.close();
  request.results?.close();
  request.more?.close();
  const n = request.items.length;
  return {
    values: Array.from({ length: n }, () => undefined),
    failures: Array.from({ length: n }, (_, i) => [i, error] as const),
    ms: 0,
  };
}
