/**
 * A call stream's end in the worker: one piscina task that keeps its thread
 * and runs single calls as they arrive on its own port, one at a time, each
 * answered on the same port. It ends when the main thread posts
 * {@link STREAM_END}. Calls that follow one another on a slot then cost one
 * message each way, without piscina's dispatch in between.
 */
import type { MessagePort } from 'node:worker_threads';
import { STREAM_END } from '../shared/wire.js';
import { isMoved, isThenable, kTransferable, kValue, singleFailure } from './answer.js';
import { serializeError } from './errors.js';
import type { TaskRequest, TaskResponse } from './protocol.js';
import { cloneFailure } from './reply.js';

/** The stream's answer once it ended. */
const ENDED: TaskResponse = Object.freeze({ values: [], failures: [], ms: 0 });

/**
 * Serves calls posted on `port` with `run` (the worker's own request
 * runner) until the stream is ended; resolves then.
 */
export function serveStream(
  port: MessagePort,
  run: (request: TaskRequest) => unknown,
): Promise<TaskResponse> {
  return new Promise((resolve) => {
    port.on('message', (message: TaskRequest | typeof STREAM_END) => {
      if (message === STREAM_END) {
        port.close();
        resolve(ENDED);
        return;
      }
      let answer: unknown;
      try {
        answer = run(message);
      } catch (error) {
        answer = singleFailure(serializeError(error, 'task'));
      }
      if (isThenable(answer)) {
        answer.then(
          (a) => reply(port, a),
          (error: unknown) => reply(port, singleFailure(serializeError(error, 'task'))),
        );
      } else {
        reply(port, answer);
      }
    });
  });
}

function reply(port: MessagePort, answer: unknown): void {
  try {
    if (isMoved(answer)) port.postMessage(answer[kValue], answer[kTransferable]);
    else port.postMessage(answer);
  } catch (error) {
    // The value could not be cloned (or its buffers moved): the call fails alone.
    port.postMessage(singleFailure(cloneFailure(error)));
  }
}
