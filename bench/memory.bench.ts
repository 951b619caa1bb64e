/**
 * Main-thread memory of streaming and of big arrays. Live heap (`heapUsed`
 * right after a forced GC) is sampled while the work runs; the figure is the
 * peak above the heap before the call. Needs `--expose-gc`.
 *
 * - imap over a 1,000,000-item generator: nothing may accumulate (≤ 16 MB).
 * - alcall over a 200,000-item array: the window is bounded, so the growth
 *   above the output array itself stays ≤ 60 MB.
 * - piscina with all 200,000 calls submitted at once: the baseline (one
 *   promise and one queued task per item).
 *
 * `node --expose-gc --import tsx bench/memory.bench.ts [--rounds N]` (after `npm run build`).
 */
import { alcall, createPool, imap } from 'poolcall';
import type * as ops from './fixtures/ops.js';
import { opsUrl, piscinaRunner, THREADS, warm } from './lib/peers.js';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { num, show, spread } from './lib/stats.js';

const STREAM_ITEMS = 1_000_000;
const ARRAY_ITEMS = 200_000;
const MB = 1024 * 1024;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc');
  collect();
}

function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Peak live-heap growth (MB) while `work` runs, sampled by `sample()` calls and every 250 ms. */
async function peakGrowth(work: (sample: () => void) => Promise<unknown>): Promise<number> {
  const base = liveHeap();
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, liveHeap());
  };
  const timer = setInterval(sample, 250);
  try {
    await work(sample);
  } finally {
    clearInterval(timer);
  }
  sample();
  return (peak - base) / MB;
}

/** The live size of an array of `n` small integers, as alcall's output array holds them. */
function arrayBytes(n: number): number {
  const before = liveHeap();
  const a = Array.from({ length: n }, (_, i) => i + 1);
  const size = liveHeap() - before;
  if (a.length !== n) throw new Error('unreachable');
  return size;
}

/** Heap of imap over a long generator, alcall over a big array and piscina all-at-once. */
export async function memorySuite(options: SuiteOptions): Promise<SuiteResult> {
  const pool = createPool<typeof ops>(opsUrl, { maxThreads: THREADS });
  const inc = pool.task('inc');
  const piscina = piscinaRunner();
  try {
    await warm(piscina, 'inc', 1);
    await alcall(
      Array.from({ length: 20_000 }, (_, i) => i),
      inc,
      { chunkSize: 'auto' },
    );
    const outputMb = arrayBytes(ARRAY_ITEMS) / MB;
    const stream: number[] = [];
    const array: number[] = [];
    const base: number[] = [];
    for (let k = 0; k < options.rounds; k++) {
      stream.push(
        await peakGrowth(async (sample) => {
          function* source() {
            for (let i = 0; i < STREAM_ITEMS; i++) yield i;
          }
          let n = 0;
          for await (const _ of imap(source(), inc, { chunkSize: 'auto' })) {
            if (++n % 100_000 === 0) sample();
          }
        }),
      );
      const items = Array.from({ length: ARRAY_ITEMS }, (_, i) => i);
      array.push((await peakGrowth(() => alcall(items, inc, { chunkSize: 'auto' }))) - outputMb);
      base.push((await peakGrowth(() => piscina.runMany('inc', items))) - outputMb);
    }
    const s = spread(stream);
    const a = spread(array);
    const p = spread(base);
    return {
      tables: [
        {
          title: 'Main-thread live heap',
          intro: `Peak live \`heapUsed\` (after a forced GC, sampled every 250 ms) above the heap before the call, MB, median (min–max) over ${options.rounds} rounds. For the ${num(ARRAY_ITEMS)}-item runs the output array itself (${outputMb.toFixed(1)} MB) is subtracted; the input array exists before the call.`,
          headers: ['', 'peak growth (MB)'],
          rows: [
            [`imap over a ${num(STREAM_ITEMS)}-item generator (chunkSize 'auto')`, show(s)],
            [`alcall over a ${num(ARRAY_ITEMS)}-item array (chunkSize 'auto')`, show(a)],
            [`piscina, all ${num(ARRAY_ITEMS)} submitted at once`, show(p)],
          ],
        },
      ],
      targets: [
        target('imap heap growth over 1M items', '≤ 16 MB', s, show(s, ' MB'), (m) => m <= 16),
        target(
          'alcall heap above output, 200k items',
          '≤ 60 MB',
          a,
          show(a, ' MB'),
          (m) => m <= 60,
        ),
      ],
    };
  } finally {
    await Promise.all([pool.close(), piscina.close()]);
  }
}

await runAlone(import.meta.url, memorySuite);
