/**
 * Cancelling jobs from the producer. Jobs cancelled in the same turn of the
 * event loop go together: those still waiting are removed from the queue;
 * the ids of those already running are published on the queue's Relay
 * topic, and each machine stops the ones it runs (`worker.cancelJob`).
 *
 * A message published while a machine's Relay node is not registered (Redis
 * restarted, and the node's next heartbeat has not registered it again)
 * reaches nobody. So while a cancelled job is still active, its id is
 * published again, a few times, with growing pauses; a machine stopping a
 * job twice is harmless.
 */
import type { Relay } from 'bullmq';
import type { Clock } from '../common/clock.js';
import type { Backend } from './backend.js';
import { closeWithoutReconnecting } from './closing.js';
import { loadBullmq } from './peer.js';
import { type CancelMessage, cancelTopic } from './protocol.js';
import type { ConnectQueueOptions } from './remote-options.js';

/** Pauses before each new publication of cancels not yet obeyed, ms. */
const REPUBLISH_PAUSES = [500, 1000, 2000, 4000, 8000, 16000] as const;

/** What a {@link CancelSender} needs. */
export interface CancelSenderOptions {
  readonly options: ConnectQueueOptions;
  readonly prefix: string;
  readonly connect: () => Promise<Backend>;
  /** Work to wait for before the connections close. */
  readonly track: (work: Promise<unknown>) => void;
  readonly onError: (error: Error) => void;
  readonly clock: Clock;
}

/** Removes or stops cancelled jobs; see the module comment. */
export class CancelSender {
  readonly #o: CancelSenderOptions;
  readonly #batch = new Map<string, string>();
  readonly #stop = new AbortController();
  #scheduled = false;
  #relay: Promise<Relay> | undefined;

  constructor(options: CancelSenderOptions) {
    this.#o = options;
  }

  /** Whether cancels wait for the next turn of the event loop to be sent. */
  get scheduled(): boolean {
    return this.#scheduled;
  }

  /** Removes job `id` if it waits, or has its machine stop it. */
  cancel(id: string, reason: string): void {
    this.#batch.set(id, reason);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const batch = [...this.#batch];
      this.#batch.clear();
      this.#o.track(this.#send(batch));
    });
  }

  /** Stops publishing cancels again and closes the Relay node. */
  async close(): Promise<void> {
    this.#stop.abort();
    const relay = await this.#relay?.catch(() => undefined);
    if (relay) await closeWithoutReconnecting(relay, () => relay.close());
  }

  async #send(batch: readonly (readonly [string, string])[]): Promise<void> {
    try {
      const { queue } = await this.#o.connect();
      const removed = await Promise.all(batch.map(([id]) => queue.remove(id)));
      const running = batch.filter((_, i) => removed[i] !== 1);
      if (running.length === 0) return;
      const message: CancelMessage = {
        jobIds: running.map(([id]) => id),
        reason: running[0]![1],
      };
      await this.#publish(message);
      void this.#republish(message);
    } catch (error) {
      this.#o.onError(error as Error);
    }
  }

  /** Publishes the cancels again while some of their jobs stay active. */
  async #republish(message: CancelMessage): Promise<void> {
    let ids = message.jobIds;
    try {
      for (const pause of REPUBLISH_PAUSES) {
        await this.#o.clock.sleep(pause, this.#stop.signal);
        const { queue } = await this.#o.connect();
        const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
        ids = ids.filter((_, i) => states[i] === 'active');
        if (ids.length === 0 || this.#stop.signal.aborted) return;
        await this.#publish({ ...message, jobIds: ids });
      }
    } catch (error) {
      if (!this.#stop.signal.aborted) this.#o.onError(error as Error);
    }
  }

  async #publish(message: CancelMessage): Promise<void> {
    const relay = await this.#relayNode();
    await relay.publish(cancelTopic(this.#o.prefix, this.#o.options.queue), message);
  }

  #relayNode(): Promise<Relay> {
    this.#relay ??= (async () => {
      const { Relay } = await loadBullmq();
      const relay = new Relay({ connection: this.#o.options.connection, prefix: this.#o.prefix });
      relay.on('error', this.#o.onError);
      await relay.waitUntilReady();
      return relay;
    })();
    return this.#relay;
  }
}
