/**
 * Option objects that are not what they seem: names that exist only on
 * Object.prototype, `__proto__` as an own key (JSON.parse), throwing getters,
 * Proxies whose traps throw, and values that are not plain objects. Every
 * entry point answers with a TypeError naming the option (functions that
 * return promises by rejecting; constructors, decorators and createPool by
 * throwing), never a raw error, a crash or silence.
 */
import {
  ALCallParams,
  alcall,
  BCallParams,
  batchProcess,
  bcall,
  CancelScope,
  createPool,
  failAfter,
  gatherWithConcurrency,
  imap,
  moveOnAfter,
  rateLimit,
  retry,
  Throttle,
  throttle,
  withTimeout,
} from 'poolcall';
import { describe, expect, it } from 'vitest';
import { tasksUrl } from '../helpers.js';

/** How an entry point reports bad options: by rejecting, or by throwing. */
type Entry = readonly [
  name: string,
  kind: 'rejects' | 'throws',
  call: (options: unknown) => unknown,
];

const id = (x: unknown) => x;

async function drain(gen: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of gen) {
    // consume
  }
}

const entries: Entry[] = [
  ['alcall', 'rejects', (o) => alcall([1], id, o as never)],
  ['bcall', 'rejects', (o) => drain(bcall([1], id, o as never))],
  ['imap', 'rejects', (o) => drain(imap([1], id, o as never))],
  ['ALCallParams', 'throws', (o) => new ALCallParams(o as never)],
  ['ALCallParams.with', 'throws', (o) => new ALCallParams().with(o as never)],
  ['ALCallParams.call', 'rejects', (o) => new ALCallParams().call([1], id, o as never)],
  ['BCallParams', 'throws', (o) => new BCallParams(o as never)],
  ['BCallParams.with', 'throws', (o) => new BCallParams({ batchSize: 1 }).with(o as never)],
  ['retry', 'rejects', (o) => retry(() => 1, o as never)],
  ['withTimeout', 'rejects', (o) => withTimeout(10, () => 1, o as never)],
  ['failAfter', 'rejects', (o) => failAfter(10, () => 1, o as never)],
  ['moveOnAfter', 'rejects', (o) => moveOnAfter(10, () => 1, o as never)],
  ['gatherWithConcurrency', 'rejects', (o) => gatherWithConcurrency(1, [() => 1], o as never)],
  ['batchProcess', 'rejects', (o) => batchProcess([1], id, o as never)],
  ['throttle', 'throws', (o) => throttle(1, o as never)],
  ['Throttle', 'throws', (o) => new Throttle(1, o as never)],
  ['rateLimit', 'throws', (o) => rateLimit(o as never)],
  ['CancelScope', 'throws', (o) => new CancelScope(o as never)],
  ['createPool', 'throws', (o) => createPool(tasksUrl, o as never)],
];

/** Calls `call(options)` and returns the error it reports, checking the way it is reported. */
async function reported(entry: Entry, options: unknown): Promise<unknown> {
  const [, kind, call] = entry;
  let result: unknown;
  try {
    result = call(options);
  } catch (error) {
    expect(kind, 'reported by throwing').toBe('throws');
    return error;
  }
  expect(kind, 'reported by returning').toBe('rejects');
  expect(result).toBeInstanceOf(Promise);
  return (result as Promise<unknown>).then(
    () => expect.fail('resolved despite bad options'),
    (error: unknown) => error,
  );
}

const inherited = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('only own keys are options', () => {
  for (const entry of entries) {
    for (const name of inherited) {
      it(`${entry[0]}: "${name}" is an unknown option`, async () => {
        const error = await reported(entry, { [name]: 1 });
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain(`unknown option "${name}"`);
        expect((error as Error).message).toContain('did you mean');
      });
    }
    it(`${entry[0]}: "__proto__" from JSON.parse is an unknown option`, async () => {
      const error = await reported(entry, JSON.parse('{"__proto__": 1}'));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('unknown option "__proto__"');
    });
  }
});

/** The first option name each entry point knows, to hang a throwing getter on. */
const known: Record<string, string> = {
  alcall: 'retryTimeout',
  bcall: 'batchSize',
  imap: 'ordered',
  ALCallParams: 'retryTimeout',
  'ALCallParams.with': 'retryTimeout',
  'ALCallParams.call': 'retryTimeout',
  BCallParams: 'batchSize',
  'BCallParams.with': 'batchSize',
  retry: 'retries',
  withTimeout: 'cleanup',
  failAfter: 'shield',
  moveOnAfter: 'shield',
  gatherWithConcurrency: 'returnExceptions',
  batchProcess: 'batchSize',
  throttle: 'clock',
  Throttle: 'clock',
  rateLimit: 'rateLimit',
  CancelScope: 'timeout',
  createPool: 'maxThreads',
};

describe('option objects that throw when read', () => {
  for (const entry of entries) {
    const name = known[entry[0]]!;
    it(`${entry[0]}: a throwing getter gives a TypeError naming "${name}"`, async () => {
      const boom = new Error('getter exploded');
      const options = Object.defineProperty({}, name, {
        enumerable: true,
        get() {
          throw boom;
        },
      });
      const error = await reported(entry, options);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`option "${name}" could not be read`);
      expect((error as Error).message).toContain('getter exploded');
      expect((error as Error).cause).toBe(boom);
    });

    it(`${entry[0]}: a Proxy whose get trap throws gives a TypeError naming the option`, async () => {
      const options = new Proxy(
        { [name]: 1 },
        {
          get(target, key) {
            if (typeof key === 'string') throw new Error(`trap read ${key}`);
            return Reflect.get(target, key);
          },
        },
      );
      const error = await reported(entry, options);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`"${name}"`);
    });

    it(`${entry[0]}: a Proxy whose ownKeys trap throws gives a TypeError`, async () => {
      const options = new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('no keys');
          },
        },
      );
      const error = await reported(entry, options);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('options could not be read');
    });

    it(`${entry[0]}: a revoked Proxy gives a TypeError of poolcall's`, async () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      const error = await reported(entry, proxy);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`${entry[0]}: options`);
    });
  }
});

describe('options that are not a plain object', () => {
  const notPlain: readonly [string, unknown][] = [
    ['an array', [1, 2]],
    ['a function', () => 1],
    ['a string', 'fast'],
    ['a number', 5],
    ['a Map', new Map([['retryTimeout', 5]])],
    ['a Date', new Date(0)],
  ];
  for (const entry of entries) {
    for (const [label, value] of notPlain) {
      it(`${entry[0]}: ${label} gives a TypeError`, async () => {
        const error = await reported(entry, value);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/options|expected an options object/);
      });
    }
  }
});
