/**
 * Tiny tasks: where per-item messaging cannot keep up. `x + 1` over many
 * items through poolcall with `chunkSize: 'auto'` (alcall and imap), raw
 * piscina with one message per item, and bare `postMessage` to two workers
 * in chunks of 1,024 (the ceiling: no scheduler at all); then ~0.1 ms CPU
 * tasks through poolcall chunked, raw piscina and the serial main thread.
 * Items/s and ratios within each round.
 *
 * `node --import tsx bench/tiny.bench.ts [--rounds N]` (after `npm run build`).
 */
import { Worker } from 'node:worker_threads';
import { alcall, createPool, imap } from 'poolcall';
import * as ops from './fixtures/ops.js';
import { opsUrl, piscinaRunner, serialRunner, THREADS, warm } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { batchRate, calibrateSpin, num, rotate, show, spread } from './lib/stats.js';

const TINY_ITEMS = 200_000;
/** Items the per-item contender runs in each timed batch. */
const PER_ITEM_ITEMS = 20_000;
/** Rounds of the tiny part at least: a single round moves with where the threads run. */
const TINY_MIN_ROUNDS = 3;
/** Whole batches run through each poolcall contender before tiny items are measured. */
const TINY_WARM_BATCHES = 6;
const SPIN_ITEMS = 4_000;
const SPIN_MS = 0.1;
/** Whole batches run through the chunked contender before ~0.1 ms tasks are measured. */
const SPIN_WARM_BATCHES = 8;
/**
 * Rounds of the ~0.1 ms part at least: one 4,000-item batch takes ~0.2 s, and
 * a single round moves by ±5% with where the threads happen to run.
 */
const SPIN_MIN_ROUNDS = 5;
const BARE_CHUNK = 1024;

interface Contender {
  readonly name: string;
  readonly batch: (items: readonly number[]) => Promise<unknown>;
  /** Items one batch runs, when not all it is given. */
  readonly items?: number;
}

/** Two workers fed chunks of `x + 1` by postMessage, two chunks in flight per worker. */
function bareChunks(): { contender: Contender; close: () => Promise<unknown> } {
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (items) => {
      const out = [];
      for (const x of items) out.push(x + 1);
      parentPort.postMessage(out);
    });`;
  const workers = Array.from({ length: THREADS }, () => new Worker(source, { eval: true }));
  const batch = (items: readonly number[]) =>
    new Promise<unknown[]>((resolve) => {
      const out: unknown[] = new Array(items.length);
      let sent = 0;
      let received = 0;
      for (const w of workers) {
        const offsets: number[] = [];
        const send = () => {
          if (sent >= items.length) return;
          offsets.push(sent);
          w.postMessage(items.slice(sent, sent + BARE_CHUNK));
          sent += BARE_CHUNK;
        };
        const onMessage = (values: unknown[]) => {
          const at = offsets.shift()!;
          for (let i = 0; i < values.length; i++) out[at + i] = values[i];
          received += values.length;
          if (received >= items.length) {
            for (const v of workers) v.removeAllListeners('message');
            resolve(out);
          } else send();
        };
        w.on('message', onMessage);
        send();
        send();
      }
    });
  return {
    contender: { name: `bare postMessage (chunks of ${BARE_CHUNK})`, batch },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

async function measure(
  contenders: readonly Contender[],
  items: readonly number[],
  rounds: number,
): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (let k = 0; k < rounds; k++) {
    const rate: Record<string, number> = {};
    for (const c of rotate(contenders, k))
      rate[c.name] = await batchRate(() => c.batch(items), c.items ?? items.length, 3);
    out.push(rate);
  }
  return out;
}

/** Tiny tasks and ~0.1 ms tasks, chunked vs per-item vs bare vs serial. */
export async function tinySuite(options: SuiteOptions): Promise<SuiteResult> {
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  const inc = pool.task('inc');
  const spin = pool.task('spin');
  const piscina = piscinaRunner();
  const serial = serialRunner();
  const bare = bareChunks();
  try {
    await warm(piscina, 'inc', 1);
    const viaAlcall: Contender = {
      name: "poolcall alcall (chunkSize 'auto')",
      batch: (items) => alcall(items, inc, { chunkSize: 'auto' }),
    };
    const viaImap: Contender = {
      name: "poolcall imap (chunkSize 'auto')",
      batch: async (items) => {
        let n = 0;
        for await (const _ of imap(items, inc, { chunkSize: 'auto' })) n++;
        return n;
      },
    };
    // One message per item runs ~100× slower: its rate is taken over the
    // first PER_ITEM_ITEMS items, so that every round fits in seconds.
    const perItem: Contender = {
      name: 'piscina (one message per item)',
      batch: (items) => piscina.runMany('inc', items.slice(0, PER_ITEM_ITEMS)),
      items: PER_ITEM_ITEMS,
    };
    const tiny = Array.from({ length: TINY_ITEMS }, (_, i) => i);
    // Steady state here too: the first million items run up to 2× slower.
    for (let k = 0; k < TINY_WARM_BATCHES; k++) {
      await viaAlcall.batch(tiny);
      await viaImap.batch(tiny);
    }
    const tinyRoundCount = Math.max(TINY_MIN_ROUNDS, options.rounds);
    const tinyRounds = await measure(
      [viaAlcall, viaImap, perItem, bare.contender],
      tiny,
      tinyRoundCount,
    );

    const n = calibrateSpin(ops.spin, SPIN_MS);
    const spinItems = Array.from({ length: SPIN_ITEMS }, () => n);
    const chunked: Contender = {
      name: "poolcall alcall (chunkSize 'auto')",
      batch: (items) => alcall(items, spin, { chunkSize: 'auto' }),
    };
    const spinPiscina: Contender = {
      name: 'piscina (one message per item)',
      batch: (items) => piscina.runMany('spin', items),
    };
    const spinSerial: Contender = {
      name: serial.name,
      batch: (items) => serial.runMany('spin', items),
    };
    // Steady state, as a long-running pipeline sees it: the code on the main
    // thread and in the workers takes tens of thousands of items to settle
    // (in one run here the first batch of 4,000 took 361 ms, the eighth 221 ms).
    for (let k = 0; k < SPIN_WARM_BATCHES; k++) await chunked.batch(spinItems);
    for (const c of [spinPiscina, spinSerial]) await c.batch(spinItems.slice(0, 500));
    const spinRoundCount = Math.max(SPIN_MIN_ROUNDS, options.rounds);
    const spinRounds = await measure([chunked, spinPiscina, spinSerial], spinItems, spinRoundCount);

    const rate = (rounds: Record<string, number>[], name: string) =>
      spread(rounds.map((f) => f[name]!));
    const ratio = (rounds: Record<string, number>[], a: string, b: string) =>
      spread(rounds.map((f) => f[a]! / f[b]!));
    const bareName = bare.contender.name;
    const tinyRows = [viaAlcall, viaImap, perItem, bare.contender].map((c) => [
      c.name,
      show(rate(tinyRounds, c.name)),
      show(ratio(tinyRounds, c.name, perItem.name), '×'),
      show(ratio(tinyRounds, c.name, bareName), '×'),
    ]);
    const spinRows = [chunked, spinPiscina, spinSerial].map((c) => [
      c.name,
      show(rate(spinRounds, c.name)),
      show(ratio(spinRounds, c.name, spinSerial.name), '×'),
    ]);
    const alcallRate = rate(tinyRounds, viaAlcall.name);
    const vsSerial = ratio(spinRounds, chunked.name, spinSerial.name);
    return {
      tables: [
        {
          title: 'Tiny tasks (`x + 1`)',
          intro: `${num(TINY_ITEMS)} items, ${THREADS} threads, in steady state: each poolcall contender first runs ${TINY_WARM_BATCHES} whole batches. Items/s, median (min–max) over ${tinyRoundCount} rounds, contenders in turn; ratios within each round. piscina's rate is taken over the first ${num(PER_ITEM_ITEMS)} items of each batch. The machine may be shared: read the ratios.`,
          headers: ['', 'items/s', 'vs piscina per item', 'vs bare chunks'],
          rows: tinyRows,
        },
        {
          title: `~${SPIN_MS} ms CPU tasks`,
          intro: `${num(SPIN_ITEMS)} calls of \`spin(${num(n)})\`, ${THREADS} threads, in steady state: poolcall runs ${SPIN_WARM_BATCHES} whole batches before it is measured. Median (min–max) over ${spinRoundCount} rounds, contenders in turn; ratios within each round.`,
          headers: ['', 'items/s', 'vs serial'],
          rows: spinRows,
        },
      ],
      targets: [
        target(
          'tiny items through alcall, chunkSize auto',
          '≥ 3,000,000 items/s',
          alcallRate,
          show(alcallRate),
          (m) => m >= 3_000_000,
        ),
        target(
          `~${SPIN_MS} ms tasks chunked vs serial`,
          '≥ 1.85×',
          vsSerial,
          show(vsSerial, '×'),
          (m) => m >= 1.85,
        ),
      ],
    };
  } finally {
    await Promise.all([pool.close(), piscina.close(), serial.close(), bare.close()]);
  }
}

await runAlone(import.meta.url, tinySuite);
