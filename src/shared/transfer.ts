/**
 * Transfer marks, shared by both threads: a value marked with `transfer()`
 * is moved (its buffer is detached on the sending side), not copied.
 */
import type { MessagePort } from 'node:worker_threads';

const marked = new WeakSet<object>();
/** Set by the first {@link transfer} call of this thread. */
let marking = false;

/**
 * Whether {@link transfer} has marked any value in this thread. Until it
 * has, no value has transfers to collect, and a hot path may skip the scan
 * (a value that cannot be cloned then fails when its message is posted).
 */
export function anyMarked(): boolean {
  return marking;
}

/** Something that can be moved between threads. */
export type Transferable = ArrayBuffer | ArrayBufferView | MessagePort;

/**
 * Marks `value` to be moved, not copied, when it crosses to the other thread.
 * Returns the same value. Anything but an ArrayBuffer, a typed array or
 * DataView, or a MessagePort is a `TypeError` (a SharedArrayBuffer is shared,
 * never moved: pass it as it is).
 *
 * @example
 * ```ts
 * await pool.run('hash', transfer(new Uint8Array(1 << 20)));
 * ```
 */
export function transfer<T extends Transferable>(value: T): T {
  if (!isTransferable(value)) {
    throw new TypeError(
      `transfer: expected an ArrayBuffer, a typed array or DataView, or a MessagePort, received ${describe(value)}`,
    );
  }
  marked.add(value);
  marking = true;
  return value;
}

function isTransferable(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ArrayBuffer.isView(value)) return true;
  const tag = Object.prototype.toString.call(value);
  return tag === '[object ArrayBuffer]' || value.constructor?.name === 'MessagePort';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'SharedArrayBuffer' ? 'a SharedArrayBuffer' : `an object (${tag})`;
}

/**
 * The error for a marked buffer that cannot go with this value: an item or
 * result can take a buffer with it once, and a buffer that was already moved
 * would arrive empty.
 */
export function transferredError(how: 'moved' | 'shared'): Error {
  return new DOMException(
    how === 'moved'
      ? 'An ArrayBuffer marked with transfer() was already transferred (it is detached) and cannot be sent again'
      : 'An ArrayBuffer marked with transfer() is already transferred with another item of the same message',
    'DataCloneError',
  );
}

function transferableOf(value: unknown): ArrayBuffer | MessagePort | undefined {
  if (typeof value !== 'object' || value === null || !marked.has(value)) return undefined;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    return buffer instanceof ArrayBuffer ? buffer : undefined;
  }
  return value as ArrayBuffer | MessagePort;
}

/** Whether `buffer` was transferred (or otherwise detached). */
export function isDetached(buffer: ArrayBuffer | MessagePort): boolean {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength > 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function add(t: ArrayBuffer | MessagePort, into: (ArrayBuffer | MessagePort)[], own: number): void {
  const at = into.indexOf(t);
  if (at >= own) return;
  if (at >= 0) throw transferredError('shared');
  if (isDetached(t)) throw transferredError('moved');
  into.push(t);
}

/**
 * Collects the transfer list of a value: the value itself when marked, and its
 * direct elements or properties that are marked. `into` may hold the
 * transfers of other values of the same message before position `own`:
 * a buffer among them cannot go with this value too. Throws what a getter or
 * Proxy trap of the value throws, and {@link transferredError} for a marked
 * buffer that was already moved or goes with another value.
 */
export function collectTransfers(
  value: unknown,
  into: (ArrayBuffer | MessagePort)[],
  own = 0,
): void {
  if (typeof value !== 'object' || value === null) return;
  const mine = transferableOf(value);
  if (mine) {
    add(mine, into, own);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    const t = transferableOf(child);
    if (t) add(t, into, own);
  }
}

/**
 * Adds the transfers of one value of a message to those of the values
 * before it in `into` (see {@link collectTransfers}). When the value cannot
 * travel, `into` is left as it was and what was thrown is returned.
 */
export function addTransfers(
  value: unknown,
  into: (ArrayBuffer | MessagePort)[],
): { error: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const own = into.length;
  try {
    collectTransfers(value, into, own);
    return undefined;
  } catch (error) {
    into.length = own;
    return { error };
  }
}
