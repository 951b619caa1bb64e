/** The worker's end of a `ctx.progress` channel (comlink), loaded only by tasks that report progress. */
import type { MessagePort } from 'node:worker_threads';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ProgressSink } from './protocol.js';

/** A proxy of the main thread's progress sink on `port`. */
export function progressSink(port: MessagePort) {
  return wrap<ProgressSink>(nodeEndpoint(port));
}
