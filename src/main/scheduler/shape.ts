/**
 * Input sanitising and output shaping: turning what the caller passed into a
 * stream of items, and the results into the list the caller gets back.
 * Everything here is lazy where it can be, so streaming callers (bcall, imap)
 * shape items one at a time.
 */
import { SeenSet } from './equal.js';

const tuples = new WeakSet<readonly unknown[]>();

/**
 * Marks an array as a tuple (the `[result, durationMs]` pair of
 * `retryTiming`): like a Python tuple it is flattened only with
 * `flattenTupleSet`.
 */
export function asTuple<T extends readonly unknown[]>(pair: T): T {
  tuples.add(pair);
  return pair;
}

/** How nested values are flattened. */
export interface FlattenRules {
  /** Also flatten Sets and `retryTiming` pairs. @default false */
  readonly flattenTupleSet?: boolean | undefined;
}

/**
 * Whether `value` is flattened: arrays and other sync iterables, but never
 * strings, Buffers, typed arrays, DataViews or Maps; Sets and tuples only with
 * `flattenTupleSet`. Plain objects are not iterable, so never flattened.
 */
export function isFlattenable(value: unknown, rules: FlattenRules = {}): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return !tuples.has(value) || rules.flattenTupleSet === true;
  if (value instanceof Set) return rules.flattenTupleSet === true;
  if (value instanceof Map || ArrayBuffer.isView(value) || value instanceof String) return false;
  return typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

/**
 * Yields the leaves of `value`, depth first, flattening what
 * {@link isFlattenable} allows; with `dropna`, leaves that are `null` or
 * `undefined` are skipped.
 */
export function* flattenDeep(
  value: unknown,
  rules: FlattenRules & { readonly dropna?: boolean | undefined } = {},
): Generator<unknown> {
  if (!isFlattenable(value, rules)) {
    if (!(rules.dropna && value == null)) yield value;
    return;
  }
  for (const v of value as Iterable<unknown>) yield* flattenDeep(v, rules);
}

/** Whether `value` is an async iterable. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The items of a call's `input`: an array or other iterable (an async
 * iterable too) is iterated; a string or any other single value is one item.
 */
export function toItems(input: unknown): Iterable<unknown> | AsyncIterable<unknown> {
  if (typeof input === 'string' || typeof input !== 'object' || input === null) return [input];
  if (isAsyncIterable(input)) return input;
  if (typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    return input as Iterable<unknown>;
  }
  return [input];
}

/** Options that shape a call's input. */
export interface InputRules extends FlattenRules {
  /** Flatten nested iterables and drop `null`/`undefined`. @default false */
  readonly sanitizeInput?: boolean | undefined;
  /** Drop items structurally equal to an earlier one. @default false */
  readonly uniqueInput?: boolean | undefined;
}

/** The items of `input` after `sanitizeInput` / `uniqueInput`, lazily. */
export function inputItems(
  input: unknown,
  rules: InputRules = {},
): Iterable<unknown> | AsyncIterable<unknown> {
  const items = toItems(input);
  if (!rules.sanitizeInput && !rules.uniqueInput) return items;
  const seen = rules.uniqueInput ? new SeenSet() : undefined;
  const sanitize = rules.sanitizeInput ? { ...rules, dropna: true } : undefined;
  const shaped = (item: unknown): Iterable<unknown> => {
    const leaves = sanitize ? flattenDeep(item, sanitize) : [item];
    return seen ? filter(leaves, (v) => seen.add(v)) : leaves;
  };
  if (isAsyncIterable(items)) {
    return (async function* () {
      for await (const item of items) yield* shaped(item);
    })();
  }
  return (function* () {
    for (const item of items) yield* shaped(item);
  })();
}

function* filter<T>(values: Iterable<T>, keep: (value: T) => boolean): Generator<T> {
  for (const v of values) if (keep(v)) yield v;
}

/** Options that shape a call's output. */
export interface OutputRules extends FlattenRules {
  /** Flatten nested arrays and iterables in the results. @default false */
  readonly flatten?: boolean | undefined;
  /** Drop `null` and `undefined` results. @default false */
  readonly dropna?: boolean | undefined;
  /** Drop results structurally equal to an earlier one (first kept). @default false */
  readonly uniqueOutput?: boolean | undefined;
}

/** Whether any output shaping is asked for. */
export function shapesOutput(rules: OutputRules): boolean {
  return rules.flatten === true || rules.dropna === true || rules.uniqueOutput === true;
}

/** Applies `flatten` / `dropna` / `uniqueOutput` to results in order. */
export function shapeOutput(results: readonly unknown[], rules: OutputRules): unknown[] {
  if (!shapesOutput(rules)) return results as unknown[];
  const seen = rules.uniqueOutput ? new SeenSet() : undefined;
  const out: unknown[] = [];
  const keep = (v: unknown) => {
    if (rules.dropna && v == null) return;
    if (seen && !seen.add(v)) return;
    out.push(v);
  };
  for (const r of results) {
    if (rules.flatten) for (const v of flattenDeep(r, rules)) keep(v);
    else keep(r);
  }
  return out;
}
