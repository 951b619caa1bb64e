/**
 * Where a chunker files its groups: by task and chunk size, then by what
 * attempts must share to travel together (`kwargs`, progress listener).
 */
import type { ChunkEntry } from './chunk-entry.js';
import { ChunkGroup, type GroupKey } from './chunk-group.js';

/** The groups of one chunker, found again by task, chunk size and key. */
export class ChunkGroups {
  readonly #groups = new Map<string, ChunkGroup[]>();
  readonly #fail: (e: ChunkEntry, error: unknown) => void;
  /** The group used last: consecutive attempts of one call hit it without a lookup. */
  #last: ChunkGroup | undefined;

  /** @param fail fails an entry a group dropped because its signal aborted */
  constructor(fail: (e: ChunkEntry, error: unknown) => void) {
    this.#fail = fail;
  }

  /** The group of `name` and `chunkSize` holding attempts like `r`, made when there is none. */
  get(name: string, chunkSize: number | 'auto', r: GroupKey): ChunkGroup {
    const last = this.#last;
    if (last && last.name === name && last.chunkSize === chunkSize && last.holds(r)) {
      return last;
    }
    this.#last = this.#find(name, chunkSize, r);
    return this.#last;
  }

  /** Every group filed now. */
  *[Symbol.iterator](): IterableIterator<ChunkGroup> {
    for (const list of this.#groups.values()) yield* list;
  }

  /** Drops `group` once it holds, runs and awaits nothing. */
  forget(group: ChunkGroup): void {
    if (group.queued > 0 || group.inFlight > 0 || group.waiting || group.scheduled) return;
    if (group.deferred) return;
    if (this.#last === group) this.#last = undefined;
    const list = this.#groups.get(group.key);
    if (!list) return;
    const i = list.indexOf(group);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#groups.delete(group.key);
  }

  #find(name: string, chunkSize: number | 'auto', r: GroupKey): ChunkGroup {
    const key = `${name}\u0000${chunkSize}`;
    let list = this.#groups.get(key);
    if (!list) {
      list = [];
      this.#groups.set(key, list);
    }
    for (const g of list) if (g.holds(r)) return g;
    const group = new ChunkGroup(key, name, chunkSize, r.kwargs, r.onProgress, this.#fail);
    list.push(group);
    return group;
  }
}
