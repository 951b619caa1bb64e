// @ts-check
/**
 * A cancellation storm: many concurrent calls over one pool, cancelled at
 * seeded random moments by AbortSignals, CancelScope.cancel(), moveOnAfter,
 * a failing task-group sibling or a failing item. Each call's outcome must be
 * one its kind allows, and every call must settle.
 */
import {
  alcall,
  bcall,
  CancelScope,
  imap,
  isPoolcallError,
  moveOnAfter,
  taskGroup,
} from 'poolcall';
import { rng } from './plan.js';

/** @typedef {'signal' | 'scope' | 'moveOn' | 'group' | 'failure' | 'clean'} Kind */
/** @typedef {'alcall' | 'imap' | 'bcall'} Api */
/** @typedef {import('poolcall').Pool<typeof import('../fixtures/chaos-tasks.js')>} ChaosPool */

/**
 * @typedef {object} StormReport
 * @property {number} calls
 * @property {number} settled calls settled within the bound
 * @property {string[]} problems calls whose outcome their kind does not allow
 * @property {Record<string, number>} outcomes counts by kind and outcome
 */

/** @type {readonly Kind[]} */
const kinds = ['signal', 'signal', 'scope', 'moveOn', 'group', 'failure', 'clean'];
/** @type {readonly Api[]} */
const apis = ['alcall', 'alcall', 'imap', 'bcall'];

/**
 * Runs `fn` over `items` through one of the APIs and resolves the flat results.
 * @param {Api} api
 * @param {number[]} items
 * @param {(item: number) => Promise<number>} fn
 * @param {import('poolcall').ALCallOptions} options
 * @returns {Promise<unknown[]>}
 */
async function through(api, items, fn, options) {
  if (api === 'alcall') return alcall(items, fn, options);
  const out = [];
  if (api === 'imap') {
    for await (const v of imap(items, fn, options)) out.push(v);
  } else {
    for await (const batch of bcall(items, fn, { ...options, batchSize: 4 })) out.push(...batch);
  }
  return out;
}

/**
 * @param {ChaosPool} pool
 * @param {{ seed: number, calls?: number, boundMs?: number }} options
 * @returns {Promise<StormReport>}
 */
export async function storm(pool, { seed, calls = 40, boundMs = 60_000 }) {
  const random = rng(seed);
  const int = (/** @type {number} */ n) => Math.floor(random() * n);
  const nap = pool.task('nap');
  /** @type {string[]} */
  const problems = [];
  /** @type {Record<string, number>} */
  const outcomes = {};
  const count = (/** @type {string} */ key) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  let settled = 0;
  /** @type {Promise<void>[]} */
  const all = [];
  for (let c = 0; c < calls; c++) {
    const kind = /** @type {Kind} */ (kinds[int(kinds.length)]);
    const api = /** @type {Api} */ (apis[int(apis.length)]);
    const items = Array.from({ length: 2 + int(16) }, () => int(4));
    const bad = kind === 'failure' || kind === 'group';
    if (bad) items[int(items.length)] = -1;
    /** @type {import('poolcall').ALCallOptions} */
    const options = {
      ...(random() < 0.3 ? { chunkSize: 1 + int(4) } : {}),
      ...(random() < 0.5 ? { maxConcurrent: 1 + int(4) } : {}),
      ...(random() < 0.3 ? { numRetries: 1 } : {}),
    };
    const delay = int(25);
    const expected = items.slice();
    const label = `call ${c} (${kind}, ${api}, ${JSON.stringify(options)})`;
    /** @param {unknown} results */
    const isExact = (results) =>
      Array.isArray(results) &&
      results.length === expected.length &&
      results.every((v, i) => v === expected[i]);
    /** @param {string} what */
    const problem = (what) => {
      problems.push(`${label}: ${what}`);
    };
    /** @type {Promise<void>} */
    let done;
    switch (kind) {
      case 'signal': {
        const controller = new AbortController();
        const reason = new Error(`storm abort ${c}`);
        const timer = setTimeout(() => controller.abort(reason), delay);
        done = through(api, items, nap, { ...options, signal: controller.signal }).then(
          (r) => {
            clearTimeout(timer);
            count('signal:completed');
            if (!isExact(r)) problem(`wrong results ${JSON.stringify(r)}`);
          },
          (e) => {
            count('signal:aborted');
            if (e !== reason) problem(`rejected with ${String(e)}, not the signal's reason`);
          },
        );
        break;
      }
      case 'scope': {
        const scope = new CancelScope();
        const timer = setTimeout(() => scope.cancel(), delay);
        done = scope
          .run(() => through(api, items, nap, options))
          .then(
            (r) => {
              clearTimeout(timer);
              if (r === undefined && scope.cancelledCaught) count('scope:cancelled');
              else if (isExact(r) && !scope.cancelledCaught) count('scope:completed');
              else
                problem(`resolved ${JSON.stringify(r)}, cancelledCaught ${scope.cancelledCaught}`);
            },
            (e) => problem(`rejected with ${String(e)}`),
          );
        break;
      }
      case 'moveOn':
        done = moveOnAfter(1 + delay, () => through(api, items, nap, options)).then(
          (r) => {
            if (r === undefined) count('moveOn:moved');
            else if (isExact(r)) count('moveOn:completed');
            else problem(`resolved ${JSON.stringify(r)}`);
          },
          (e) => problem(`rejected with ${String(e)}`),
        );
        break;
      case 'group': {
        const good = items.map((v) => Math.max(0, v));
        done = taskGroup(async (tg) => {
          tg.startSoon(() => through(api, good, nap, options));
          tg.startSoon(() => through(api, items, nap, options));
        }).then(
          () => problem('the group resolved despite a failing child'),
          (e) => {
            count('group:failed');
            const errors = e instanceof AggregateError ? e.errors : [];
            if (!errors.some((x) => x?.code === 'E_NAP')) {
              problem(`rejected with ${String(e)}, without the child's E_NAP error`);
            }
            if (!errors.every((x) => x?.code === 'E_NAP')) {
              problem(`the cancelled sibling surfaced as a failure: ${String(e)}`);
            }
          },
        );
        break;
      }
      case 'failure':
        done = through(api, items, nap, options).then(
          () => problem('resolved despite a failing item'),
          (e) => {
            count('failure:failed');
            if (e?.code !== 'E_NAP') problem(`rejected with ${String(e)}, not E_NAP`);
          },
        );
        break;
      default:
        done = through(api, items, nap, options).then(
          (r) => {
            count('clean:completed');
            if (!isExact(r)) problem(`wrong results ${JSON.stringify(r)}`);
          },
          (e) =>
            problem(`rejected with ${isPoolcallError(e) ? e.code : ''} ${String(e)} (no cancel)`),
        );
    }
    all.push(
      done.then(() => {
        settled++;
      }),
    );
  }
  /** @type {NodeJS.Timeout | undefined} */
  let bound;
  await Promise.race([
    Promise.all(all),
    new Promise((resolve) => {
      bound = setTimeout(resolve, boundMs);
    }),
  ]);
  clearTimeout(bound);
  return { calls, settled, problems, outcomes };
}
