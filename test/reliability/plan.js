// @ts-check
/**
 * Seeded chaos plans: items whose fate is a pure function of the item and
 * the call's policy, and the check that every item ended exactly so.
 */

/** @typedef {'throw' | 'exit' | 'spin' | 'oom' | 'slow'} TaskFault what the task does on an attempt */
/**
 * An item that cannot be cloned to a worker, so every attempt fails before
 * the task runs: `'getter'` has a getter that throws, `'proxy'` is a Proxy
 * whose `ownKeys` trap throws.
 * @typedef {'getter' | 'proxy'} ItemFault
 */
/** @typedef {TaskFault | ItemFault} Fault */
/** @typedef {{ id: number, faults: Fault[] }} FaultyItem */
/** @typedef {number | FaultyItem} ChaosItem */

/**
 * The per-item rules of a call.
 * @typedef {{ numRetries: number, retryDefault?: unknown, returnExceptions?: boolean }} Policy
 */

/**
 * What an item must end as.
 * @typedef {{ kind: 'value', value: unknown } | { kind: 'default', value: unknown } | { kind: 'error', fault: Fault }} Expected
 */

/** A small seeded PRNG (mulberry32): returns floats in [0, 1). @param {number} seed */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` items, of which the faulty ones follow `mix`: for each fault kind, how
 * many items carry it. A faulty item fails 1 to `maxFaults` attempts, with its
 * kind first and then faults picked from `filler` (cheap ones by default);
 * an item fault ({@link ItemFault}) fails every attempt.
 * @param {number} n
 * @param {Partial<Record<Fault, number>>} mix
 * @param {{ seed: number, maxFaults: number, filler?: Fault[] }} options
 * @returns {ChaosItem[]}
 */
export function makeItems(n, mix, options) {
  const random = rng(options.seed);
  const filler = options.filler ?? ['throw'];
  /** @type {ChaosItem[]} */
  const items = Array.from({ length: n }, (_, i) => i);
  /** @type {Fault[]} */
  const kinds = [];
  for (const [kind, count] of Object.entries(mix)) {
    for (let k = 0; k < (count ?? 0); k++) kinds.push(/** @type {Fault} */ (kind));
  }
  const free = Array.from({ length: n }, (_, i) => i);
  for (const kind of kinds) {
    const at = free.splice(Math.floor(random() * free.length), 1)[0];
    if (at === undefined) break;
    if (isItemFault(kind)) {
      items[at] = hostileItem(at, kind);
      continue;
    }
    const length = 1 + Math.floor(random() * options.maxFaults);
    /** @type {Fault[]} */
    const faults = [kind];
    while (faults.length < length) {
      faults.push(/** @type {Fault} */ (filler[Math.floor(random() * filler.length)]));
    }
    // The first fault is the kind; shuffle so the kind may also come last.
    if (random() < 0.5) faults.reverse();
    items[at] = { id: at, faults };
  }
  return items;
}

/**
 * Whether `fault` is a property of the item rather than of an attempt.
 * @param {Fault | undefined} fault
 * @returns {fault is ItemFault}
 */
export function isItemFault(fault) {
  return fault === 'getter' || fault === 'proxy';
}

/**
 * An item that cannot be cloned to a worker: its getter `trap` (for
 * `'getter'`) or its Proxy `ownKeys` trap (for `'proxy'`) throws a RangeError
 * naming it. Its `id` and `faults` read as usual.
 * @param {number} id
 * @param {ItemFault} kind
 * @returns {FaultyItem}
 */
export function hostileItem(id, kind) {
  /** @type {Fault[]} */
  const faults = [kind];
  if (kind === 'getter') {
    return Object.defineProperty({ id, faults }, 'trap', {
      enumerable: true,
      get() {
        throw new RangeError(`chaos getter ${id}`);
      },
    });
  }
  return new Proxy(
    { id, faults },
    {
      ownKeys() {
        throw new RangeError(`chaos proxy ${id}`);
      },
    },
  );
}

/**
 * The outcome an item must have under `policy`.
 * @param {ChaosItem} item
 * @param {Policy} policy
 * @returns {Expected}
 */
export function expectedOf(item, policy) {
  if (typeof item === 'number') return { kind: 'value', value: item * 2 };
  const attempts = policy.numRetries + 1;
  const first = item.faults[0];
  if (isItemFault(first)) {
    return 'retryDefault' in policy
      ? { kind: 'default', value: policy.retryDefault }
      : { kind: 'error', fault: first };
  }
  if (item.faults.length < attempts) return { kind: 'value', value: item.id * 2 };
  if ('retryDefault' in policy) return { kind: 'default', value: policy.retryDefault };
  return { kind: 'error', fault: /** @type {Fault} */ (item.faults[attempts - 1]) };
}

/**
 * Whether `error` is what a `fault` must produce.
 * @param {unknown} error
 * @param {Fault} fault
 */
export function matchesFault(error, fault) {
  if (!(error instanceof Error)) return false;
  const code = /** @type {{ code?: unknown }} */ (error).code;
  switch (fault) {
    case 'throw':
      return error.name === 'RangeError' && code === 'E_CHAOS';
    case 'exit':
    case 'oom':
      return error.name === 'WorkerCrashedError' && code === 'ERR_WORKER_CRASHED';
    case 'spin':
      return error.name === 'TaskTimeoutError' && code === 'ERR_TASK_TIMEOUT';
    case 'slow':
      return error.name === 'RangeError' && code === 'E_SLOW';
    case 'getter':
    case 'proxy': {
      const cause = error.cause;
      return (
        error.name === 'ItemCloneError' &&
        code === 'ERR_DATA_CLONE' &&
        cause instanceof RangeError &&
        cause.message.startsWith(`chaos ${fault} `)
      );
    }
  }
}

/** @param {unknown} v */
function describe(v) {
  if (v instanceof Error) {
    return `${v.name}(${String(/** @type {{ code?: unknown }} */ (v).code)}): ${v.message}`;
  }
  return JSON.stringify(v) ?? String(v);
}

/**
 * Every item whose result differs from its expected outcome, described
 * (an empty list when all match). The lengths must match too.
 * @param {readonly ChaosItem[]} items
 * @param {readonly unknown[]} results
 * @param {Policy} policy
 * @returns {string[]}
 */
export function mismatches(items, results, policy) {
  /** @type {string[]} */
  const out = [];
  if (results.length !== items.length) {
    out.push(`expected ${items.length} results, got ${results.length}`);
  }
  for (let i = 0; i < items.length; i++) {
    const item = /** @type {ChaosItem} */ (items[i]);
    const want = expectedOf(item, policy);
    const got = results[i];
    const ok =
      want.kind === 'error'
        ? matchesFault(got, want.fault)
        : !(got instanceof Error) && Object.is(got, want.value);
    if (!ok) {
      const wanted = want.kind === 'error' ? `error of ${want.fault}` : describe(want.value);
      const shown =
        typeof item === 'number'
          ? String(item)
          : JSON.stringify({ id: item.id, faults: item.faults });
      out.push(`item ${i} ${shown}: expected ${wanted}, got ${describe(got)}`);
    }
  }
  return out;
}

/**
 * How many faults of each kind the run will hit (attempts that misbehave).
 * @param {readonly ChaosItem[]} items
 * @param {Policy} policy
 */
export function faultCounts(items, policy) {
  /** @type {Record<Fault, number>} */
  const counts = { throw: 0, exit: 0, spin: 0, oom: 0, slow: 0, getter: 0, proxy: 0 };
  for (const item of items) {
    if (typeof item === 'number') continue;
    const first = item.faults[0];
    // An item fault fails every attempt.
    if (isItemFault(first)) counts[first] += policy.numRetries + 1;
    else for (const f of item.faults.slice(0, policy.numRetries + 1)) counts[f]++;
  }
  return counts;
}
