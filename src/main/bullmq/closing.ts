/**
 * Closing BullMQ objects while Redis is away. ioredis leaves a client that
 * waits out its reconnection delay (status 'reconnecting') in that state for
 * good once it is disconnected: its 'end' event never comes, and the close()
 * of BullMQ's Queue, QueueEvents, Worker and Relay waits for that event (or
 * for a reply that only a reconnection would bring). So while such a close
 * runs, each client of the object that waits to reconnect, or starts to, is
 * ended the way ioredis ends a client closed while connected: status 'end',
 * pending commands rejected with "Connection is closed.".
 */

/** The parts of an ioredis client used here (through BullMQ's client wrapper). */
interface ReconnectingClient {
  readonly status?: string;
  disconnect?(): void;
  setStatus?(status: string): void;
  flushQueue?(error: Error): void;
  on?(event: string, listener: () => void): unknown;
  off?(event: string, listener: () => void): unknown;
}

/** Runs `close` (the close of BullMQ object `owner`) so that no client waiting to reconnect holds it up. */
export async function closeWithoutReconnecting(
  owner: object,
  close: () => Promise<unknown>,
): Promise<void> {
  const clients = clientsOf(owner);
  const listeners = clients.map((client) => {
    const onReconnecting = () => end(client);
    client.on?.('reconnecting', onReconnecting);
    end(client);
    return () => client.off?.('reconnecting', onReconnecting);
  });
  try {
    await close();
  } finally {
    for (const off of listeners) off();
  }
}

/** The Redis clients of a BullMQ Queue, QueueEvents, Worker or Relay (none when its shape is not known). */
function clientsOf(owner: object): ReconnectingClient[] {
  const backend = (owner as { backend?: { connection?: unknown; blockingConnection?: unknown } })
    .backend;
  const clients: ReconnectingClient[] = [];
  for (const connection of [backend?.connection, backend?.blockingConnection]) {
    const client = (connection as { _client?: unknown } | undefined)?._client;
    if (typeof client === 'object' && client !== null) clients.push(client as ReconnectingClient);
  }
  return clients;
}

function end(client: ReconnectingClient): void {
  if (client.status !== 'reconnecting' || typeof client.setStatus !== 'function') return;
  client.disconnect?.(); // clears the reconnection timer
  client.setStatus('end');
  client.flushQueue?.(new Error('Connection is closed.'));
}
