/**
 * Transfer marks, shared by both threads: a value marked with `transfer()`
 * is moved (its buffer is detached on the sending side), not copied.
 */
import type { MessagePort } from 'node:worker_threads';

const marked = new WeakSet<object>();

/** Something that can be moved between threads. */
export type Transferable = ArrayBuffer | ArrayBufferView | MessagePort;

/**
 * Marks `value` to be moved, not copied, when it crosses to the other thread.
 * Returns the same value.
 *
 * @example
 * ```ts
 * await pool.run('hash', transfer(new Uint8Array(1 << 20)));
 * ```
 */
export function transfer<T extends Transferable>(value: T): T {
  marked.add(value);
  return value;
}

function transferableOf(value: unknown): ArrayBuffer | MessagePort | undefined {
  if (typeof value !== 'object' || value === null || !marked.has(value)) return undefined;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    return buffer instanceof ArrayBuffer ? buffer : undefined;
  }
  return value as ArrayBuffer | MessagePort;
}

/**
 * Collects the transfer list of a value: the value itself when marked, and its
 * direct elements or properties that are marked.
 */
export function collectTransfers(value: unknown, into: (ArrayBuffer | MessagePort)[]): void {
  if (typeof value !== 'object' || value === null) return;
  const own = transferableOf(value);
  if (own) {
    if (!into.includes(own)) into.push(own);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    const t = transferableOf(child);
    if (t && !into.includes(t)) into.push(t);
  }
}
