/** The comlink endpoint `ctx.progress` reports reach the main thread through. */
import { MessageChannel } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ProgressSink } from '../../worker/protocol.js';

/**
 * A comlink endpoint for `ctx.progress` reports. The worker closes its end
 * when the message is done (or dies with its thread); Node delivers every
 * report posted before that, then closes this end. `done(false)` closes both
 * ends when the worker never received its end.
 */
export function progressPort(onProgress: (index: number, value: unknown) => void) {
  const { port1, port2 } = new MessageChannel();
  const sink: ProgressSink = {
    report: (index, value) => onProgress(index, value),
  };
  expose(sink, nodeEndpoint(port1));
  port1.unref();
  return {
    remote: port2,
    done: (delivered: boolean) => {
      if (delivered) return;
      port1.close();
      port2.close();
    },
  };
}
