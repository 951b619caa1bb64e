/**
 * Batches of numbers, packed. Structured clone handles an array element by
 * element (a tag and a value per number, and a new array on the other
 * side); when every item of a batch is a number, the batch travels as one
 * Float64Array instead, which crosses as one block of bytes. The task still
 * gets each item as a number, as a clone would give it (NaN, -0 and the
 * infinities included). Results come back the same way when every value of
 * a batch is a number.
 *
 * Typed-array items are not packed: copying them into one buffer costs the
 * main thread about what their clone does (a buffer that large is mapped
 * afresh each time), and each item still needs a buffer of its own in the
 * worker.
 */

/** The items or values of a batch as they travel: as given, or packed numbers. */
export type Packed = readonly unknown[] | Float64Array;

/** Fewest items worth packing. */
const PACK_MIN = 2;

/** `list` as it best travels: one Float64Array when every element is a number, else `list` itself. */
export function pack(list: unknown[]): Packed {
  return packWith(list, (x) => x) ?? list;
}

/**
 * `get` of every element of `list` as one Float64Array when each is a
 * number; otherwise undefined.
 */
export function packWith<T>(list: readonly T[], get: (x: T) => unknown): Float64Array | undefined {
  const n = list.length;
  if (n < PACK_MIN || typeof get(list[0]!) !== 'number') return undefined;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = get(list[i]!);
    if (typeof x !== 'number') return undefined;
    out[i] = x;
  }
  return out;
}
