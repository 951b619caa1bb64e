import { describe, expect, it } from 'vitest';
import { ChunkEntry, type EntryOwner, EntryTerms } from '../../dist/main/chunk/chunk-entry.js';
import { ChunkGroup } from '../../dist/main/chunk/chunk-group.js';

const owner: EntryOwner = { succeed: () => {}, fail: () => {} };

function entries(from: number, n: number, signal?: AbortSignal): ChunkEntry[] {
  const terms = new EntryTerms(1, undefined, signal, undefined, owner);
  return Array.from({ length: n }, (_, i) => new ChunkEntry(from + i, from + i, terms));
}

function group(failed: [number, unknown][] = []) {
  return new ChunkGroup('k', 'task', 'auto', undefined, undefined, (e, error) =>
    failed.push([e.index, error]),
  );
}

const indices = (list: readonly ChunkEntry[]) => list.map((e) => e.index);

describe('a chunk group queue', () => {
  it('takes in order across handed-over arrays and single pushes', () => {
    const g = group();
    g.pushAll(entries(0, 3));
    g.pushAll(entries(3, 4));
    for (const e of entries(7, 2)) g.push(e);
    expect(g.queued).toBe(9);
    expect(indices(g.take(2))).toEqual([0, 1]);
    // Across the end of one array and into the next.
    expect(indices(g.take(3))).toEqual([2, 3, 4]);
    expect(indices(g.take(10))).toEqual([5, 6, 7, 8]);
    expect(g.queued).toBe(0);
    expect(g.take(1)).toEqual([]);
  });

  it('hands out a whole queued array, and keeps queueing after it', () => {
    const g = group();
    const batch = entries(0, 4);
    g.pushAll(batch);
    expect(g.take(4)).toBe(batch);
    g.push(entries(4, 1)[0]!);
    expect(indices(g.take(4))).toEqual([4]);
  });

  it('sends entries put back first, skips settled ones and lets a solo entry travel alone', () => {
    const g = group();
    const list = entries(0, 6);
    g.pushAll(list);
    list[1]!.done = true;
    list[3]!.solo = true;
    g.unshift(entries(100, 2));
    expect(indices(g.take(10))).toEqual([100, 101, 0, 2]);
    expect(indices(g.take(10))).toEqual([3]);
    expect(indices(g.take(10))).toEqual([4, 5]);
  });

  it('fails the queued entries of a signal that aborts, keeping the others in order', () => {
    const failed: [number, unknown][] = [];
    const g = group(failed);
    const controller = new AbortController();
    const mine = entries(10, 3, controller.signal);
    g.pushAll(entries(0, 2));
    g.pushAll(mine);
    g.pushAll(entries(20, 2));
    for (const e of mine) g.watch(e.signal);
    expect(indices(g.take(1))).toEqual([0]);
    controller.abort(new Error('stop'));
    expect(failed.map(([i]) => i)).toEqual([10, 11, 12]);
    expect(g.queued).toBe(3);
    expect(indices(g.take(10))).toEqual([1, 20, 21]);
  });

  it('fails an entry of an already aborted signal when it is taken', () => {
    const failed: [number, unknown][] = [];
    const g = group(failed);
    g.pushAll(entries(0, 2, AbortSignal.abort(new Error('gone'))));
    g.pushAll(entries(2, 1));
    expect(indices(g.take(5))).toEqual([2]);
    expect(failed.map(([i]) => i)).toEqual([0, 1]);
  });
});

describe('a chunk group: what its submitters have yet to hand over', () => {
  it('is Infinity until a submitter that knows its length says so', () => {
    const g = group();
    expect(g.unread).toBe(Number.POSITIVE_INFINITY);
    g.feed(undefined);
    expect(g.unread).toBe(Number.POSITIVE_INFINITY);
  });

  it('sums what each submitter says, and stays 0 once every one is done', () => {
    const g = group();
    let a = 5;
    let b = 3;
    g.feed(() => a);
    g.feed(() => b);
    expect(g.unread).toBe(8);
    a = 0;
    expect(g.unread).toBe(3);
    b = 0;
    expect(g.unread).toBe(0);
    expect(g.unread).toBe(0);
  });

  it('is Infinity while one submitter cannot know (a stream)', () => {
    const g = group();
    g.feed(() => 4);
    g.feed(() => Number.POSITIVE_INFINITY);
    expect(g.unread).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('a chunk group: submitters that are done', () => {
  it('lets go of them as others come, so a busy group does not hold every call', () => {
    const g = group();
    const asked: number[] = [];
    for (let k = 0; k < 1000; k++) {
      g.feed(() => {
        asked.push(k);
        return 0;
      });
    }
    // Each submitter that said 0 was dropped when the next one came: each was asked once.
    expect(asked).toEqual(Array.from({ length: 999 }, (_, k) => k));
    expect(g.unread).toBe(0);
    expect(asked).toHaveLength(1000);
  });
});
