/**
 * Structural equality for `uniqueInput` / `uniqueOutput`: two values are the
 * same when they have the same shape and contents, whatever their identity.
 * Primitives compare by SameValueZero (so `NaN` equals `NaN`, `1` differs
 * from `'1'`); arrays, plain objects, Maps, Sets, Dates, RegExps, typed
 * arrays and class instances compare by content (object keys and Set/Map
 * entries in any order; a class instance also by its constructor name);
 * functions and symbols by identity.
 */

const ids = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
let nextId = 0;

function idOf(value: object | symbol): number {
  if (typeof value === 'symbol') {
    let id = symbolIds.get(value);
    if (id === undefined) {
      id = nextId++;
      symbolIds.set(value, id);
    }
    return id;
  }
  let id = ids.get(value);
  if (id === undefined) {
    id = nextId++;
    ids.set(value, id);
  }
  return id;
}

/**
 * A string that is equal for two values exactly when they are structurally
 * equal. A value that contains itself is keyed by identity at the repeat.
 */
export function structuralKey(value: unknown): string {
  return keyOf(value, []);
}

/** Whether `a` and `b` are structurally equal (see {@link structuralKey}). */
export function structurallyEqual(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return structuralKey(a) === structuralKey(b);
}

function keyOf(value: unknown, stack: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isNaN(value) ? 'NaN' : `${value === 0 ? 0 : value}`;
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'symbol':
    case 'function':
      return `#${idOf(value)}`;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (stack.includes(object)) return `#${idOf(object)}`;
  stack.push(object);
  try {
    return objectKey(object, stack);
  } finally {
    stack.pop();
  }
}

function objectKey(object: object, stack: object[]): string {
  if (Array.isArray(object)) return `[${object.map((v) => keyOf(v, stack)).join(',')}]`;
  if (object instanceof Date) return `Date(${object.getTime()})`;
  if (object instanceof RegExp) return `RegExp(${object.toString()})`;
  if (ArrayBuffer.isView(object)) {
    const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
    return `${object.constructor.name}(${bytes.join(',')})`;
  }
  if (object instanceof Map) {
    const entries = [...object].map(([k, v]) => `${keyOf(k, stack)}=>${keyOf(v, stack)}`);
    return `Map{${entries.sort().join(',')}}`;
  }
  if (object instanceof Set) {
    return `Set{${[...object]
      .map((v) => keyOf(v, stack))
      .sort()
      .join(',')}}`;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  const tag = proto === Object.prototype || proto === null ? '' : object.constructor?.name;
  const entries = Object.keys(object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${keyOf((object as Record<string, unknown>)[k], stack)}`);
  return `${tag ?? ''}{${entries.join(',')}}`;
}

/**
 * Remembers values and tells whether one was seen before, by structural
 * equality. Primitives are kept as they are, objects as their keys.
 */
export class SeenSet {
  readonly #primitives = new Set<unknown>();
  readonly #objects = new Set<string>();

  /** Records `value`; returns `false` when an equal value was already recorded. */
  add(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) {
      if (this.#primitives.has(value)) return false;
      this.#primitives.add(value);
      return true;
    }
    const key = structuralKey(value);
    if (this.#objects.has(key)) return false;
    this.#objects.add(key);
    return true;
  }
}
