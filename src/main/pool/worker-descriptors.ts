/**
 * One descriptor per piscina worker, built once.
 *
 * Each time piscina 5 places a task it builds a fresh descriptor of every
 * ready worker for its load balancer (`WorkerInfo.interface`: an object
 * literal of six getters and a back-reference). With the pool's threads and
 * its spare that is three objects and eighteen closures per call, most of
 * piscina's own main-thread cost for a small task. The getters read the
 * worker's live state, so the first descriptor serves for the worker's whole
 * life: it is pinned onto the worker when piscina announces it.
 */
import type { Piscina } from 'piscina';

/** Pins each new worker's first descriptor onto it; returns nothing to undo (it lives as long as the pool). */
export function shareWorkerDescriptors(piscina: Piscina): void {
  piscina.on('workerCreate', (descriptor: unknown) => {
    pinDescriptor(descriptor);
  });
}

/**
 * Pins `descriptor` onto the worker it describes (found behind its one
 * symbol-keyed property) so that reading the worker's `interface` returns it.
 * Returns whether it did: a descriptor of another shape is left alone.
 */
export function pinDescriptor(descriptor: unknown): boolean {
  if (typeof descriptor !== 'object' || descriptor === null) return false;
  for (const key of Object.getOwnPropertySymbols(descriptor)) {
    const worker: unknown = (descriptor as Record<symbol, unknown>)[key];
    if (typeof worker !== 'object' || worker === null) continue;
    if (!('interface' in worker) || Object.hasOwn(worker, 'interface')) continue;
    Object.defineProperty(worker, 'interface', { value: descriptor, configurable: true });
    return true;
  }
  return false;
}
