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

/**
 * A reusable, validated, immutable alcall configuration.
 *
 * @example
 * ```ts
 * const params = new ALCallParams({ maxConcurrent: 3, numRetries: 2, retryDelay: 100 });
 * const a = await params.call([1, 2, 3], double);
 * const b = await params.with({ retryTiming: true }).call([4, 5], double);
 * ```
 */
export class ALCallParams extends frozenRecord<ALCallParamsOptions>() {
  /** Validates `options` (throws TypeError / RangeError) and freezes the configuration. */
  constructor(options: ALCallParamsOptions = {}) {
    checkALCallOptions('ALCallParams', options, { fn: 'function' });
    super({ ...options });
    Object.freeze(this);
  }

  /** Runs alcall over `input` with this configuration, `fn` (or the stored one) and `overrides`. */
  call<T, R>(
    input: Iterable<T> | T,
    fn?: Callable<T, R>,
    overrides: ALCallOptions = {},
  ): Promise<unknown[]> {
    const { fn: stored, ...options } = this as ALCallParamsOptions;
    try {
      checkALCallOptions('ALCallParams.call', overrides);
      return alcall(input, resolveFn('ALCallParams.call', fn ?? stored), {
        ...options,
        ...overrides,
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A new configuration: this one with `overrides` applied (validated). */
  with(overrides: ALCallParamsOptions): ALCallParams {
    checkALCallOptions('ALCallParams.with', overrides, { fn: 'function' });
    return new ALCallParams({ ...(this as ALCallParamsOptions), ...overrides });
  }
}

/**
 * A reusable, validated, immutable bcall configuration.
 *
 * @example
 * ```ts
 * const params = new BCallParams({ batchSize: 5, maxConcurrent: 3 });
 * for await (const batch of params.call(items, process)) console.log(batch);
 * ```
 */
export class BCallParams extends frozenRecord<BCallParamsOptions>() {
  /** Validates `options` (throws TypeError / RangeError) and freezes the configuration. */
  constructor(options: BCallParamsOptions) {
    checkBCallOptions('BCallParams', options, { fn: 'function' });
    super({ ...options });
    Object.freeze(this);
  }

  /** Runs bcall over `input` with this configuration, `fn` (or the stored one) and `overrides`. */
  call<T, R>(
    input: Iterable<T> | AsyncIterable<T> | T,
    fn?: Callable<T, R>,
    overrides: Partial<BCallOptions> = {},
  ): AsyncGenerator<unknown[], void, undefined> {
    const { fn: stored, ...options } = this as BCallParamsOptions;
    return bcall(input, (fn ?? stored) as Callable<T, R>, { ...options, ...overrides });
  }

  /** A new configuration: this one with `overrides` applied (validated). */
  with(overrides: Partial<BCallParamsOptions>): BCallParams {
    checkALCallOptions('BCallParams.with', overrides, { fn: 'function', batchSize: 'size1' });
    return new BCallParams({ ...(this as BCallParamsOptions), ...overrides });
  }
}
