/**
 * The reusable configurations {@link ALCallParams} and {@link BCallParams}:
 * validated once, immutable, calling alcall / bcall.
 */

import { show } from '../common/validate.js';
import { alcall } from './alcall.js';
import { bcall } from './bcall.js';
import {
  type ALCallOptions,
  type BCallOptions,
  type Callable,
  checkALCallOptions,
  checkBCallOptions,
} from './options.js';
import type { ALCallResult, ItemOf, KnownKeys, Merge, NoOptions, WithInputFlags } from './types.js';

/** Options of {@link ALCallParams}: the alcall options and, optionally, the function. */
export interface ALCallParamsOptions extends ALCallOptions {
  /** The function to call when `params.call(input)` is given none. @default (none) */
  fn?: Callable<never, unknown>;
}

/** Options of {@link BCallParams}: the bcall options and, optionally, the function. */
export interface BCallParamsOptions extends BCallOptions {
  /** The function to call when `params.call(input)` is given none. @default (none) */
  fn?: Callable<never, unknown>;
}

function frozenRecord<T extends object>(): new (values: T) => Readonly<T> {
  return class {
    constructor(values: T) {
      Object.assign(this, values);
    }
  } as new (
    values: T,
  ) => Readonly<T>;
}

function resolveFn(where: string, fn: unknown): Callable<never, unknown> {
  if (typeof fn !== 'function') {
    throw new TypeError(`${where}: no function given and none stored, received ${show(fn)}`);
  }
  return fn as Callable<never, unknown>;
}

/** The value of boolean option `K` in options type `O` (`undefined` when absent). */
type FlagValue<O, K extends string> = K extends keyof O
  ? Extract<O[K], boolean | undefined>
  : undefined;

/**
 * The item type of the function stored in options `O`: `never` when none is
 * stored (a call must then give one), `unknown` when the options' type only
 * says one may be.
 */
export type StoredItem<O> = O extends { fn: (item: infer T, ...rest: never[]) => unknown }
  ? T
  : 'fn' extends keyof O
    ? unknown
    : never;

/** The result type of the function stored in options `O`. */
export type StoredResult<O> = O extends { fn: (...args: never[]) => infer R }
  ? Awaited<R>
  : unknown;

/** `I` when its items suit the stored function, else a type no input has. */
type StoredInput<I, O, S, TS> = [ItemOf<I, S, TS>] extends [StoredItem<O>]
  ? I
  : { readonly 'the input items do not suit the stored function': StoredItem<O> };

/** Options `A` with overrides `B` applied, as a configuration of kind `C`. */
type Overridden<A, B, C> = Merge<A, B> extends infer M extends C ? M : never;

/**
 * A reusable, validated, immutable alcall configuration. Its type carries
 * the options (and the stored `fn`, if any), so `call` checks the item type
 * and types the result as {@link alcall} does.
 *
 * @example
 * ```ts
 * const params = new ALCallParams({ maxConcurrent: 3, numRetries: 2, retryDelay: 100 });
 * const a = await params.call([1, 2, 3], double);                      // number[]
 * const b = await params.with({ retryTiming: true }).call([4, 5], double); // [number, number][]
 * ```
 */
export class ALCallParams<
  const O extends ALCallParamsOptions = NoOptions,
> extends frozenRecord<ALCallParamsOptions>() {
  /** Validates `options` (throws TypeError / RangeError) and freezes the configuration. */
  constructor(options?: O & KnownKeys<O, ALCallParamsOptions>) {
    const given: ALCallParamsOptions = options ?? {};
    checkALCallOptions('ALCallParams', given, { fn: 'function' });
    super({ ...given });
    Object.freeze(this);
  }

  /** Runs alcall over `input` with this configuration, `fn` and `overrides` (this call only). */
  call<
    I,
    R,
    const V extends ALCallOptions = NoOptions,
    S extends boolean | undefined = FlagValue<Merge<O, V>, 'sanitizeInput'>,
    TS extends boolean | undefined = FlagValue<Merge<O, V>, 'flattenTupleSet'>,
  >(
    input: I,
    fn: Callable<ItemOf<NoInfer<I>, S, TS>, R>,
    overrides?: V & WithInputFlags<ALCallOptions, S, TS> & KnownKeys<V, ALCallOptions>,
  ): Promise<ALCallResult<R, Merge<O, V>>[]>;
  /** Runs alcall over `input` with the stored function. */
  call<
    I,
    const V extends ALCallOptions = NoOptions,
    S extends boolean | undefined = FlagValue<Merge<O, V>, 'sanitizeInput'>,
    TS extends boolean | undefined = FlagValue<Merge<O, V>, 'flattenTupleSet'>,
  >(
    input: StoredInput<I, O, S, TS>,
    fn?: undefined,
    overrides?: V & KnownKeys<V, ALCallOptions>,
  ): Promise<ALCallResult<StoredResult<O>, Merge<O, V>>[]>;
  call(
    input: unknown,
    fn?: Callable<never, unknown>,
    overrides: ALCallOptions = {},
  ): Promise<unknown[]> {
    const { fn: stored, ...options } = this as ALCallParamsOptions;
    try {
      checkALCallOptions('ALCallParams.call', overrides);
      return alcall(
        input,
        resolveFn('ALCallParams.call', fn ?? stored) as Callable<unknown, unknown>,
        {
          ...options,
          ...overrides,
        },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A new configuration: this one with `overrides` applied (validated). */
  with<const V extends ALCallParamsOptions>(
    overrides: V & KnownKeys<V, ALCallParamsOptions>,
  ): ALCallParams<Overridden<O, V, ALCallParamsOptions>> {
    checkALCallOptions('ALCallParams.with', overrides, { fn: 'function' });
    const merged = { ...(this as ALCallParamsOptions), ...(overrides as ALCallParamsOptions) };
    return new ALCallParams(merged) as unknown as ALCallParams<
      Overridden<O, V, ALCallParamsOptions>
    >;
  }
}

/**
 * A reusable, validated, immutable bcall configuration, typed like
 * {@link ALCallParams}.
 *
 * @example
 * ```ts
 * const params = new BCallParams({ batchSize: 5, maxConcurrent: 3 });
 * for await (const batch of params.call(items, process)) console.log(batch);
 * ```
 */
export class BCallParams<
  const O extends BCallParamsOptions = BCallParamsOptions,
> extends frozenRecord<BCallParamsOptions>() {
  /** Validates `options` (throws TypeError / RangeError) and freezes the configuration. */
  constructor(options: O & KnownKeys<O, BCallParamsOptions>) {
    checkBCallOptions('BCallParams', options, { fn: 'function' });
    super({ ...(options as BCallParamsOptions) });
    Object.freeze(this);
  }

  /** Runs bcall over `input` with this configuration, `fn` and `overrides` (this call only). */
  call<
    I,
    R,
    const V extends Partial<BCallOptions> = NoOptions,
    S extends boolean | undefined = FlagValue<Merge<O, V>, 'sanitizeInput'>,
    TS extends boolean | undefined = FlagValue<Merge<O, V>, 'flattenTupleSet'>,
  >(
    input: I,
    fn: Callable<ItemOf<NoInfer<I>, S, TS>, R>,
    overrides?: V &
      WithInputFlags<Partial<BCallOptions>, S, TS> &
      KnownKeys<V, Partial<BCallOptions>>,
  ): AsyncGenerator<ALCallResult<R, Merge<O, V>>[], void, undefined>;
  /** Runs bcall over `input` with the stored function. */
  call<
    I,
    const V extends Partial<BCallOptions> = NoOptions,
    S extends boolean | undefined = FlagValue<Merge<O, V>, 'sanitizeInput'>,
    TS extends boolean | undefined = FlagValue<Merge<O, V>, 'flattenTupleSet'>,
  >(
    input: StoredInput<I, O, S, TS>,
    fn?: undefined,
    overrides?: V & KnownKeys<V, Partial<BCallOptions>>,
  ): AsyncGenerator<ALCallResult<StoredResult<O>, Merge<O, V>>[], void, undefined>;
  call(
    input: unknown,
    fn?: Callable<never, unknown>,
    overrides: Partial<BCallOptions> = {},
  ): AsyncGenerator<unknown[], void, undefined> {
    const { fn: stored, ...options } = this as BCallParamsOptions;
    return bcall(input, (fn ?? stored) as Callable<unknown, unknown>, {
      ...options,
      ...overrides,
    });
  }

  /** A new configuration: this one with `overrides` applied (validated). */
  with<const V extends Partial<BCallParamsOptions>>(
    overrides: V & KnownKeys<V, BCallParamsOptions>,
  ): BCallParams<Overridden<O, V, BCallParamsOptions>> {
    checkALCallOptions('BCallParams.with', overrides, { fn: 'function', batchSize: 'size1' });
    const merged = {
      ...(this as BCallParamsOptions),
      ...(overrides as Partial<BCallParamsOptions>),
    };
    return new BCallParams(merged) as unknown as BCallParams<Overridden<O, V, BCallParamsOptions>>;
  }
}
