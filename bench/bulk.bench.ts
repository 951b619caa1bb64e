/**
 * The main thread's cost per item when tasks are small, side by side in one
 * run: (1) ~30 µs tasks whose item is an array of 300 numbers (so moving it
 * counts), a plain array and then a Float64Array, through alcall
 * `chunkSize: 'auto'`, against the serial main thread and bare postMessage
 * in batches, beside what one item's clone costs; (2) main-thread CPU per tiny item
 * (`x + 1`), poolcall chunked beside piscina per item; (3) both threads of a
 * 2-thread pool killed by timeouts at the same time: how soon the next two
 * tasks are done.
 *
 * `npm run build && npx tsc -p bench/tsconfig.json && node dist-bench/bench/bulk.bench.js [--rounds N]`
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { alcall, createPool, type Pool } from 'poolcall';
import * as ops from './fixtures/ops.js';
import { opsUrl, piscinaRunner, THREADS, warm } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { batchRate, num, rotate, show, spread } from './lib/stats.js';

/** Elements per array item. */
const ARRAY_LENGTH = 300;
/** Aimed run time of one array task, ms. */
const ARRAY_TASK_MS = 0.03;
const ARRAY_ITEMS = 4_000;
/** Whole batches each contender runs before the array part is measured. */
const ARRAY_WARM_BATCHES = 6;
/** Items per message of the bare contender. */
const BARE_BATCH = 256;
const TINY_ITEMS = 200_000;
const TINY_WARM_BATCHES = 6;
/** Items piscina runs per timed batch (one message each). */
const PER_ITEM_ITEMS = 20_000;
/** The runaways' deadline in the kill part, ms. */
const DEADLINE = 50;
const MIN_ROUNDS = 5;

/** CPU time of the main thread alone in µs (Linux `schedstat`), or `undefined` elsewhere. */
function mainThreadCpu(): number | undefined {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    return Number(text.split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
}

/** CPU of the whole process (every thread) in µs, from `process.cpuUsage()`. */
function processCpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** An array item of the array parts: a plain array or a Float64Array; element 0 holds its passes. */
type ArrayItem = number[] | Float64Array;

/**
 * An array part: its items' kind as the tables name it, and the task that
 * runs them (one function per kind keeps each monomorphic).
 */
interface ArrayKind {
  /** "an array", "a Float64Array". */
  readonly noun: string;
  readonly task: 'mixArray' | 'mixTyped';
}

/** The task of `kind` on the main thread, taking the item alone (its passes are element 0). */
function mixOf(kind: ArrayKind): (a: ArrayItem) => unknown {
  return kind.task === 'mixArray'
    ? (a) => ops.mixArray(a as number[])
    : (a) => ops.mixTyped(a as Float64Array);
}

/**
 * Sets the passes of every item (its element 0) so that the serial main
 * thread takes about `ms` per item, timed on these items after warming up
 * (a calibration on a cold function or a busy moment would size the task
 * wrongly). Returns the passes.
 */
function calibrateItems(
  items: readonly ArrayItem[],
  mix: (a: ArrayItem) => unknown,
  ms: number,
): number {
  let rounds = 16;
  for (let pass = 0; pass < 3; pass++) {
    for (const a of items) a[0] = rounds;
    for (let k = 0; k < 2; k++) for (const a of items) mix(a);
    let best = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      for (const a of items) mix(a);
      best = Math.min(best, (performance.now() - t0) / items.length);
    }
    rounds = Math.max(1, Math.round((rounds * ms) / best));
  }
  for (const a of items) a[0] = rounds;
  return rounds;
}

/** µs per item of a structured clone (both ways, one thread) of `items`, the fastest of 5. */
function cloneCost(items: readonly ArrayItem[]): number {
  const sample = items.slice(0, 500);
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    structuredClone(sample);
    best = Math.min(best, ((performance.now() - t0) * 1000) / sample.length);
  }
  return best;
}

interface Contender {
  readonly name: string;
  readonly batch: () => Promise<unknown>;
  readonly items: number;
}

/**
 * Two workers running `mixArray` on batches posted by bare postMessage (one
 * structured clone per batch each way), two batches in flight per worker:
 * what a batch costs with no scheduler at all.
 */
function bareArrays(
  items: readonly ArrayItem[],
  task: ArrayKind['task'],
): {
  batch: () => Promise<void>;
  close: () => Promise<unknown>;
} {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then((ops) => {
      const mix = ops[workerData.task];
      parentPort.on('message', (batch) => {
        const out = [];
        for (const a of batch) out.push(mix(a));
        parentPort.postMessage(out);
      });
    });`;
  const workers = Array.from(
    { length: THREADS },
    () => new Worker(source, { eval: true, workerData: { url: opsUrl.href, task } }),
  );
  const batch = () =>
    new Promise<void>((resolve) => {
      let sent = 0;
      let received = 0;
      for (const w of workers) {
        const send = () => {
          if (sent >= items.length) return;
          w.postMessage(items.slice(sent, sent + BARE_BATCH));
          sent += BARE_BATCH;
        };
        w.on('message', (values: unknown[]) => {
          received += values.length;
          if (received >= items.length) {
            for (const v of workers) v.removeAllListeners('message');
            resolve();
          } else send();
        });
        send();
        send();
      }
    });
  return { batch, close: () => Promise.all(workers.map((w) => w.terminate())) };
}

/** Per round: items/s of each contender (tinybench, median of 3 batches), contenders in turn. */
async function rates(
  contenders: readonly Contender[],
  rounds: number,
): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (let k = 0; k < rounds; k++) {
    const rate: Record<string, number> = {};
    for (const c of rotate(contenders, k)) rate[c.name] = await batchRate(c.batch, c.items, 3);
    out.push(rate);
  }
  return out;
}

/** CPU per item of one batch (µs): the main thread's and the whole process's. */
async function cpuPerItem(c: Contender): Promise<{ main: number; process: number }> {
  const m0 = mainThreadCpu();
  const p0 = processCpu();
  await c.batch();
  const p = processCpu() - p0;
  const m1 = mainThreadCpu();
  return {
    main: m0 === undefined || m1 === undefined ? Number.NaN : (m1 - m0) / c.items,
    process: p / c.items,
  };
}

/** Two runaways killed by their deadline at once, then two `inc`: ms from the later rejection to both results. */
async function doubleKill(
  runaway: () => Promise<unknown>,
  next: () => Promise<unknown>,
): Promise<number> {
  const rejected = () => {};
  const resolved = () => {
    throw new Error('the runaway task resolved');
  };
  await Promise.all([runaway().then(resolved, rejected), runaway().then(resolved, rejected)]);
  const t = performance.now();
  await Promise.all([next(), next()]);
  return performance.now() - t;
}

const SERIAL = 'serial (main thread)';
const CHUNKED = "poolcall alcall (chunkSize 'auto')";
const BARE = `bare postMessage (batches of ${BARE_BATCH}, cloned)`;

/** What one array part measured. */
interface ArrayPart {
  readonly kind: ArrayKind;
  readonly passes: number;
  /** Serial µs per item (median round). */
  readonly taskUs: number;
  readonly cloneUs: number;
  /** About the most a pool of THREADS can gain on THREADS cores when each item's clone costs cloneUs (main-thread timings). */
  readonly ceiling: number;
  readonly rounds: Record<string, number>[];
}

/** Part (1) on one kind of item: calibrated, warmed, then serial, alcall and bare workers in rotated rounds. */
async function arrayPart(
  kind: ArrayKind,
  items: ArrayItem[],
  pool: Pool<typeof ops>,
  roundCount: number,
): Promise<ArrayPart> {
  const serial = mixOf(kind);
  const mix = pool.task(kind.task) as (item: ArrayItem) => Promise<unknown>;
  const passes = calibrateItems(items, serial, ARRAY_TASK_MS);
  const bare = bareArrays(items, kind.task);
  try {
    const contenders: Contender[] = [
      {
        name: CHUNKED,
        batch: () => alcall(items, mix, { chunkSize: 'auto' }),
        items: items.length,
      },
      { name: BARE, batch: bare.batch, items: items.length },
      { name: SERIAL, batch: async () => items.map(serial), items: items.length },
    ];
    for (let k = 0; k < ARRAY_WARM_BATCHES; k++) for (const c of contenders) await c.batch();
    const rounds = await rates(contenders, roundCount);
    const taskUs = 1e6 / spread(rounds.map((r) => r[SERIAL]!)).median;
    const cloneUs = cloneCost(items);
    const ceiling = (THREADS * taskUs) / (taskUs + cloneUs);
    return { kind, passes, taskUs, cloneUs, ceiling, rounds };
  } finally {
    await bare.close();
  }
}

/** The three parts, each in rotated rounds on the same pools. */
export async function bulkSuite(options: SuiteOptions): Promise<SuiteResult> {
  const roundCount = Math.max(MIN_ROUNDS, options.rounds);
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  const inc = pool.task('inc');
  const piscina = piscinaRunner();
  try {
    // (1) arrays of numbers, ~30 µs each: plain, then typed.
    const elements = (i: number) => i * 7;
    const plain = await arrayPart(
      { noun: 'an array', task: 'mixArray' },
      Array.from({ length: ARRAY_ITEMS }, () => Array.from({ length: ARRAY_LENGTH }, elements)),
      pool,
      roundCount,
    );
    const typed = await arrayPart(
      { noun: 'a Float64Array', task: 'mixTyped' },
      Array.from({ length: ARRAY_ITEMS }, () =>
        Float64Array.from({ length: ARRAY_LENGTH }, (_, i) => elements(i)),
      ),
      pool,
      roundCount,
    );

    // (2) tiny items: rate and CPU per item.
    const tiny = Array.from({ length: TINY_ITEMS }, (_, i) => i);
    const tinyChunked: Contender = {
      name: "poolcall alcall (chunkSize 'auto')",
      batch: () => alcall(tiny, inc, { chunkSize: 'auto' }),
      items: TINY_ITEMS,
    };
    const perItem: Contender = {
      name: 'piscina (one message per item)',
      batch: () => piscina.runMany('inc', tiny.slice(0, PER_ITEM_ITEMS)),
      items: PER_ITEM_ITEMS,
    };
    await warm(piscina, 'inc', 1);
    for (let k = 0; k < TINY_WARM_BATCHES; k++) await tinyChunked.batch();
    const tinyRates: number[] = [];
    const cpu: Record<string, { main: number; process: number }[]> = {
      [tinyChunked.name]: [],
      [perItem.name]: [],
    };
    for (let k = 0; k < roundCount; k++) {
      for (const c of rotate([tinyChunked, perItem], k)) cpu[c.name]!.push(await cpuPerItem(c));
      tinyRates.push(await batchRate(tinyChunked.batch, TINY_ITEMS, 3));
    }

    // (3) both threads killed at once.
    const spare2 = createPool<typeof ops>(opsUrl, { maxThreads: THREADS, spareThreads: 2 });
    const raw = new Piscina({ filename: opsUrl.href, minThreads: THREADS, maxThreads: THREADS });
    const killers = [
      {
        name: 'poolcall (spareThreads: 1, the default)',
        kill: () =>
          doubleKill(
            () => pool.run('forever', 0, { timeout: DEADLINE }),
            () => pool.run('inc', 1),
          ),
      },
      {
        name: 'poolcall (spareThreads: 2)',
        kill: () =>
          doubleKill(
            () => spare2.run('forever', 0, { timeout: DEADLINE }),
            () => spare2.run('inc', 1),
          ),
      },
      {
        name: 'piscina AbortSignal.timeout',
        kill: () =>
          doubleKill(
            () => raw.run({ name: 'forever', item: 0 }, { signal: AbortSignal.timeout(DEADLINE) }),
            () => raw.run({ name: 'inc', item: 1 }),
          ),
      },
    ];
    const kills: Record<string, number[]> = Object.fromEntries(killers.map((c) => [c.name, []]));
    try {
      await Promise.all([spare2.run('inc', 1), raw.run({ name: 'inc', item: 1 })]);
      for (let k = 0; k < roundCount; k++) {
        for (const c of rotate(killers, k)) {
          kills[c.name]!.push(await c.kill());
          // Let every replacement finish booting before the next contender.
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    } finally {
      await Promise.all([spare2.close(), raw.destroy()]);
    }

    const rate = (r: Record<string, number>[], name: string) => spread(r.map((f) => f[name]!));
    const ratio = (r: Record<string, number>[], a: string, b: string) =>
      spread(r.map((f) => f[a]! / f[b]!));
    const vsSerial = ratio(plain.rounds, CHUNKED, SERIAL);
    const tinyRate = spread(tinyRates);
    const mainCpu = spread(cpu[tinyChunked.name]!.map((c) => c.main));
    const killed = spread(kills[killers[0]!.name]!);
    return {
      tables: [
        ...[plain, typed].map((part) => ({
          title: `Small arrays: ~30 µs tasks whose item is ${part.kind.noun} of ${ARRAY_LENGTH} numbers`,
          intro: `${num(ARRAY_ITEMS)} calls of \`${part.kind.task}\` (${part.passes} passes over ${ARRAY_LENGTH} numbers, calibrated on the items themselves to ~${ARRAY_TASK_MS * 1000} µs each on the main thread: ${part.taskUs.toFixed(1)} µs measured), ${THREADS} threads, after ${ARRAY_WARM_BATCHES} warm-up batches each. Items/s, median (min–max) over ${roundCount} rounds, contenders in turn; ratios within each round. A structured clone of one item (there and back, on the main thread) costs ${part.cloneUs.toFixed(2)} µs, which puts a pool of ${THREADS} threads on ${THREADS} cores near ${THREADS} × task ÷ (task + clone) = ${part.ceiling.toFixed(2)}× serial at best (an estimate from main-thread timings: a worker's task and clone can run faster than these, and bare postMessage has come out above it).`,
          headers: ['', 'items/s', 'vs serial', 'vs bare postMessage'],
          rows: [CHUNKED, BARE, SERIAL].map((name) => [
            name,
            show(rate(part.rounds, name)),
            show(ratio(part.rounds, name, SERIAL), '×'),
            show(ratio(part.rounds, name, BARE), '×'),
          ]),
        })),
        {
          title: 'Main-thread CPU per tiny item (`x + 1`)',
          intro: `One batch per contender and round: poolcall alcall over ${num(TINY_ITEMS)} items (after ${TINY_WARM_BATCHES} warm-up batches), piscina over ${num(PER_ITEM_ITEMS)}. *Main thread*: the main thread's own CPU time (Linux \`/proc/self/task/<pid>/schedstat\`); *process*: \`process.cpuUsage()\`, which counts every thread, the workers' too. µs per item, median (min–max) over ${roundCount} rounds. Throughput: tinybench, median of 3 batches per round.`,
          headers: ['', 'main thread µs/item', 'process µs/item', 'items/s'],
          rows: [tinyChunked, perItem].map((c) => [
            c.name,
            show(spread(cpu[c.name]!.map((x) => x.main))),
            show(spread(cpu[c.name]!.map((x) => x.process))),
            c === tinyChunked ? show(tinyRate) : '',
          ]),
        },
        {
          title: 'Both threads killed at once',
          intro: `Two endless loops with a ${DEADLINE} ms deadline on a pool of ${THREADS} threads, both stopped by it, then two \`inc(1)\` at once: ms from the later rejection to both results. Median (min–max) over ${roundCount} rounds, 300 ms apart.`,
          headers: ['', 'next two tasks done after (ms)'],
          rows: killers.map((c) => [c.name, show(spread(kills[c.name]!))]),
        },
      ],
      targets: [
        target(
          '~30 µs array tasks chunked vs serial',
          '≥ 1.8×',
          vsSerial,
          show(vsSerial, '×'),
          (m) => m >= 1.8,
        ),
        target(
          '~30 µs Float64Array tasks chunked vs serial',
          '≥ 1.8×',
          ratio(typed.rounds, CHUNKED, SERIAL),
          show(ratio(typed.rounds, CHUNKED, SERIAL), '×'),
          (m) => m >= 1.8,
        ),
        target(
          "tiny items through alcall, chunkSize 'auto'",
          '≥ 3,000,000 items/s',
          tinyRate,
          show(tinyRate),
          (m) => m >= 3_000_000,
        ),
        target(
          'main-thread CPU per tiny item',
          '≤ 0.5 µs',
          mainCpu,
          `${show(mainCpu)} µs`,
          (m) => m <= 0.5,
        ),
        target(
          'next two tasks after a double kill',
          '≤ 15 ms',
          killed,
          `${show(killed)} ms`,
          (m) => m <= 15,
        ),
      ],
    };
  } finally {
    await Promise.all([pool.close(), piscina.close()]);
  }
}

await runAlone(import.meta.url, bulkSuite);
