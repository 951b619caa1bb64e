/**
 * transfer() marks and the transfer-list scan, on one thread: what may be
 * marked, and what the scan throws for a value that cannot travel.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  addTransfers,
  collectTransfers,
  isDetached,
  transfer,
} from '../../dist/shared/transfer.js';
import { throwingGetter, throwingProxy } from '../helpers.js';

/** Moves `buffer` away (as a post to a worker would), leaving it detached. */
function move(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] });
}

describe('transfer()', () => {
  it('marks buffers, views and ports and returns them', () => {
    const buffer = new ArrayBuffer(8);
    const view = new Uint16Array(4);
    const data = new DataView(new ArrayBuffer(2));
    const { port1, port2 } = new MessageChannel();
    expect(transfer(buffer)).toBe(buffer);
    expect(transfer(view)).toBe(view);
    expect(transfer(data)).toBe(data);
    expect(transfer(port1)).toBe(port1);
    const into: (ArrayBuffer | MessagePort)[] = [];
    collectTransfers({ buffer, view, data, port1 }, into);
    expect(into).toEqual([buffer, view.buffer, data.buffer, port1]);
    port1.close();
    port2.close();
  });

  it.each([
    [{ a: 1 }, 'an object (Object)'],
    [[1, 2], 'an array'],
    [5, 'number 5'],
    ['buffer', '"buffer"'],
    [null, 'null'],
    [undefined, 'undefined'],
    [new SharedArrayBuffer(4), 'a SharedArrayBuffer'],
    [() => 1, 'a function'],
  ])('refuses %o with a TypeError naming what it received', (value, shown) => {
    expect(() => transfer(value as never)).toThrow(TypeError);
    expect(() => transfer(value as never)).toThrow(`received ${shown}`);
  });
});

describe('collectTransfers', () => {
  it('throws what a getter or a Proxy trap of the value throws', () => {
    const boom = new RangeError('getter boom');
    expect(() => collectTransfers(throwingGetter(boom), [])).toThrow(boom);
    const trap = new Error('trap boom');
    expect(() => collectTransfers(throwingProxy(trap), [])).toThrow(trap);
  });

  it('refuses a marked buffer that was already moved', () => {
    const buffer = transfer(new ArrayBuffer(16));
    move(buffer);
    expect(isDetached(buffer)).toBe(true);
    let thrown: unknown;
    try {
      collectTransfers({ data: buffer }, []);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'DataCloneError' });
    expect((thrown as Error).message).toMatch(/already transferred/);
  });

  it('tells an empty buffer from a moved one', () => {
    expect(isDetached(new ArrayBuffer(0))).toBe(false);
    expect(isDetached(new ArrayBuffer(4))).toBe(false);
    const into: ArrayBuffer[] = [];
    collectTransfers(transfer(new ArrayBuffer(0)), into);
    expect(into).toHaveLength(1);
  });

  it('lets one value move a buffer twice, but not two values of one message', () => {
    const buffer = transfer(new ArrayBuffer(8));
    const into: (ArrayBuffer | MessagePort)[] = [];
    collectTransfers([buffer, buffer, transfer(new Uint8Array(buffer))], into);
    expect(into).toEqual([buffer]);
    expect(() => collectTransfers({ again: buffer }, into, into.length)).toThrow(
      /another item of the same message/,
    );
  });
});

describe('addTransfers', () => {
  it('adds what a value moves, or leaves the list as it was and returns why not', () => {
    const first = transfer(new ArrayBuffer(4));
    const into: (ArrayBuffer | MessagePort)[] = [];
    expect(addTransfers({ first }, into)).toBeUndefined();
    expect(addTransfers(7, into)).toBeUndefined();
    const boom = new Error('late getter');
    const second = transfer(new ArrayBuffer(4));
    const hostile = Object.defineProperty({ second }, 'late', {
      enumerable: true,
      get() {
        throw boom;
      },
    });
    expect(addTransfers(hostile, into)).toEqual({ error: boom });
    expect(into).toEqual([first]);
    expect(addTransfers({ first }, into)?.error).toMatchObject({ name: 'DataCloneError' });
  });
});
