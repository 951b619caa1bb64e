/**
 * The type-level rules of alcall, bcall, imap, parallelMap and the config
 * classes: the item type a function must accept for a given input and
 * options, and the result type the options produce. Nothing here exists at
 * run time.
 */
/** Whether boolean option `K` of options type `O` is on, off, or not known statically. */
export type OptionFlag<O, K extends string> = K extends keyof O
  ? O[K] extends true
    ? 'on'
    : O[K] extends false | undefined
      ? 'off'
      : 'maybe'
  : 'off';

/** {@link OptionFlag} of a flag type parameter itself (`true`, `false`, `boolean`, `undefined`). */
export type FlagOf<S> = [S] extends [true]
  ? 'on'
  : [S] extends [false | undefined]
    ? 'off'
    : 'maybe';

/**
 * One element of an input as it is read: a string is one value; an array or
 * other iterable (an async iterable too) gives its elements; any other value
 * is one element (it is wrapped as `[value]`).
 */
export type InputElement<I> = I extends string
  ? I
  : I extends Iterable<infer E>
    ? E
    : I extends AsyncIterable<infer E>
      ? E
      : I;

/**
 * The leaves of `V` as flattening finds them: arrays and other iterables are
 * opened, except strings, Buffers and typed arrays, Maps, and Sets (these
 * only when `Sets` is `'on'`; `'maybe'` gives both).
 */
export type Leaf<V, Sets = 'off'> = V extends
  | string
  | ArrayBufferView
  | ReadonlyMap<unknown, unknown>
  ? V
  : V extends ReadonlySet<infer U>
    ? Sets extends 'off'
      ? V
      : Sets extends 'on'
        ? Leaf<U, Sets>
        : V | Leaf<U, Sets>
    : V extends Iterable<infer U>
      ? Leaf<U, Sets>
      : V;

/**
 * The item type a function receives for input `I`: its elements, awaited
 * (a promise element is awaited first). With `sanitizeInput` (`S`), the
 * leaves of the nested elements without `null` / `undefined`, Sets opened
 * with `flattenTupleSet` (`TS`). When `sanitizeInput` is only known as a
 * `boolean`, the function must accept both.
 */
export type ItemOf<I, S = undefined, TS = undefined> = {
  off: Awaited<InputElement<I>>;
  on: Awaited<NonNullable<Leaf<InputElement<I>, FlagOf<TS>>>>;
  maybe: Awaited<InputElement<I>> | Awaited<NonNullable<Leaf<InputElement<I>, FlagOf<TS>>>>;
}[FlagOf<S>];

/**
 * Options type `Base` whose input flags are type parameters, so that the
 * item type is known before the rest of the options (and any callbacks in
 * them) are inferred.
 */
export type WithInputFlags<Base, S, TS> = Omit<Base, 'sanitizeInput' | 'flattenTupleSet'> & {
  sanitizeInput?: S;
  flattenTupleSet?: TS;
};

/**
 * Makes every key of `O` that `Base` does not know a compile error (a
 * misspelt option). An options type with an index signature (keys known only
 * at run time) is left to the run-time check.
 */
export type KnownKeys<O, Base> = string extends keyof O
  ? unknown
  : { [K in Exclude<keyof O, keyof Base>]: never };

/** `A` with the keys of `B` replaced by `B`'s (what `{ ...a, ...b }` gives). */
export type Merge<A, B> = Omit<A, keyof B> & B;

/**
 * An item's result before output shaping: its value, `retryDefault` (when the
 * options may carry one) or, unless `returnExceptions` is known to be off,
 * its Error.
 */
export type ItemValue<R, O> =
  | Awaited<R>
  | ('retryDefault' extends keyof O ? O['retryDefault' & keyof O] : never)
  | (OptionFlag<O, 'returnExceptions'> extends 'off' ? never : Error);

/** An item's entry in the result: `[value, durationMs]` with `retryTiming`. */
export type TimedValue<R, O> = {
  off: ItemValue<R, O>;
  on: [ItemValue<R, O>, number];
  maybe: ItemValue<R, O> | [ItemValue<R, O>, number];
}[OptionFlag<O, 'retryTiming'>];

/**
 * An entry after `flatten`: the leaves of each value; a `retryTiming` pair is
 * kept whole unless `flattenTupleSet` opens it (then its value's leaves and
 * the duration).
 */
export type FlatValue<R, O> = {
  off: Leaf<ItemValue<R, O>, OptionFlag<O, 'flattenTupleSet'>>;
  on: FlatPair<R, O>;
  maybe: Leaf<ItemValue<R, O>, OptionFlag<O, 'flattenTupleSet'>> | FlatPair<R, O>;
}[OptionFlag<O, 'retryTiming'>];

/** A `retryTiming` pair after `flatten`. */
export type FlatPair<R, O> = {
  off: [ItemValue<R, O>, number];
  on: Leaf<ItemValue<R, O>, 'on'> | number;
  maybe: [ItemValue<R, O>, number] | Leaf<ItemValue<R, O>, 'on'> | number;
}[OptionFlag<O, 'flattenTupleSet'>];

/**
 * The element type of alcall's result for a function returning `R` and
 * options `O`: with `retryDefault` it includes the default's type, with
 * `returnExceptions` `Error`, with `retryTiming` it is `[value, ms]`;
 * `flatten` gives the leaves of the values; `dropna` removes
 * `null`/`undefined`. Options typed only as `ALCallOptions` give the widest
 * of these.
 */
export type ALCallResult<R, O> = {
  off: ShapedValue<R, O>;
  on: NonNullable<ShapedValue<R, O>>;
  maybe: ShapedValue<R, O>;
}[OptionFlag<O, 'dropna'>];

/** An entry with or without `flatten`. */
export type ShapedValue<R, O> = {
  off: TimedValue<R, O>;
  on: FlatValue<R, O>;
  maybe: TimedValue<R, O> | FlatValue<R, O>;
}[OptionFlag<O, 'flatten'>];

/** The default of an options type parameter: no options given. */
export type NoOptions = Record<never, never>;
