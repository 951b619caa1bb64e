/**
 * A producer's side of Redis: the BullMQ queue it adds jobs to, the event
 * stream (QueueEvents) its results come back on, and the two questions the
 * lost-job check asks (which jobs Redis still has; a marker on the stream).
 */
import type { Queue, QueueEvents, QueueEventsListener } from 'bullmq';
import { loadBullmq } from './peer.js';
import type { RemoteJobData, RemoteJobResult, RemoteProgress } from './protocol.js';
import type { ConnectQueueOptions } from './remote-options.js';

/** The event a lost-job check publishes on the queue's event stream. */
export const MARKER_EVENT = 'poolcall-marker';

/** What the producer hears from Redis. */
export interface BackendHandlers {
  active(jobId: string): void;
  progress(jobId: string, progress: RemoteProgress): void;
  completed(jobId: string, result: RemoteJobResult): void;
  failed(jobId: string, failedReason: string): void;
  removed(jobId: string): void;
  /** A marker published by {@link Backend.publishMarker} (of any producer) came back. */
  marker(token: string): void;
  /** A connection to Redis is (again) ready. */
  reconnected(): void;
  error(error: Error): void;
}

/** The connected queue and event stream. */
export interface Backend {
  readonly queue: Queue<RemoteJobData, RemoteJobResult>;
  readonly events: QueueEvents;
  /** Which of the jobs `ids` Redis has, in order. */
  exists(ids: readonly string[]): Promise<readonly boolean[]>;
  /** Publishes a marker carrying `token` on the queue's event stream. */
  publishMarker(token: string): Promise<unknown>;
}

interface MarkerListener extends QueueEventsListener {
  [MARKER_EVENT]: (args: { token?: string }, id: string) => void;
}

/** Connects the queue and its event stream, read from Redis's current time on. */
export async function openBackend(
  options: ConnectQueueOptions,
  prefix: string,
  on: BackendHandlers,
): Promise<Backend> {
  const { Queue, QueueEvents } = await loadBullmq();
  const { queue: name, connection } = options;
  const queue = new Queue<RemoteJobData, RemoteJobResult>(name, { connection, prefix });
  queue.on('error', on.error);
  queue.backend.on('ready', on.reconnected);
  // Events are read from Redis's current time on, so none of this producer's jobs is missed.
  const lastEventId = `${await redisNow(await queue.backend.client)}-0`;
  const events = new QueueEvents(name, { connection, prefix, lastEventId });
  events.on('error', on.error);
  events.backend.on('ready', on.reconnected);
  events.on('active', ({ jobId }) => on.active(jobId));
  events.on('progress', ({ jobId, data }) => {
    const p = data as RemoteProgress;
    if (typeof p === 'object' && p !== null) on.progress(jobId, p);
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    const result = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
    on.completed(jobId, result as RemoteJobResult);
  });
  events.on('failed', ({ jobId, failedReason }) => on.failed(jobId, failedReason));
  events.on('removed', ({ jobId }) => on.removed(jobId));
  events.on<MarkerListener, typeof MARKER_EVENT>(MARKER_EVENT, ({ token }) => {
    if (typeof token === 'string') on.marker(token);
  });
  await events.waitUntilReady();
  return {
    queue,
    events,
    async exists(ids) {
      const client = await queue.backend.client;
      // Every job hash has a `timestamp` field from the moment it is added.
      const found = await Promise.all(
        ids.map((id) => client.hexists(queue.toKey(id), 'timestamp')),
      );
      return found.map((n) => n === 1);
    },
    async publishMarker(token) {
      const client = await queue.backend.client;
      // No MAXLEN: trimming the stream is left to BullMQ and its configured length.
      return client.xadd(queue.toKey('events'), '*', { event: MARKER_EVENT, token });
    },
  };
}

/** Redis's clock in ms (event ids are stamped with it), or a little before the local time. */
async function redisNow(client: unknown): Promise<number> {
  const raw = client as { time?: () => Promise<[string | number, string | number]> };
  if (typeof raw.time !== 'function') return Date.now() - 5000;
  const [seconds, micros] = await raw.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
