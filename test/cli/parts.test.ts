import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bar, renderReport } from '../../dist/main/cli/chart.js';
import { lines, write } from '../../dist/main/cli/io.js';
import { recommend } from '../../dist/main/cli/measure.js';
import { type LineOutcome, OrderedWriter } from '../../dist/main/cli/ordered.js';
import { doneShare, ProgressBar } from '../../dist/main/cli/progress.js';
import { describe as describeError } from '../../dist/main/cli/run.js';
import { defaultSizes } from '../../dist/main/cli/size.js';
import { renderSvg, ticks } from '../../dist/main/cli/svg.js';

const report = {
  task: 'fib',
  sizes: [
    {
      threads: 1,
      itemsPerSec: 100,
      opsPerSec: 100,
      speedup: 1,
      p50Ms: 10,
      p99Ms: 12,
      utilization: 0.99,
    },
    {
      threads: 2,
      itemsPerSec: 196,
      opsPerSec: 196,
      speedup: 1.96,
      p50Ms: 10.2,
      p99Ms: 13,
      utilization: 0.97,
    },
    {
      threads: 4,
      itemsPerSec: 200,
      opsPerSec: 200,
      speedup: 2,
      p50Ms: 20,
      p99Ms: 40,
      utilization: 0.5,
    },
  ],
  recommended: 2,
};

describe('size figures', () => {
  it('recommends the smallest size within 5% of the best throughput', () => {
    expect(recommend(report.sizes)).toBe(2);
    expect(
      recommend([
        { threads: 1, itemsPerSec: 50 },
        { threads: 2, itemsPerSec: 100 },
      ]),
    ).toBe(2);
    expect(
      recommend([
        { threads: 1, itemsPerSec: 96 },
        { threads: 8, itemsPerSec: 100 },
      ]),
    ).toBe(1);
  });

  it('defaults to powers of two up to the parallelism, the maximum included', () => {
    expect(defaultSizes(1)).toEqual([1]);
    expect(defaultSizes(2)).toEqual([1, 2]);
    expect(defaultSizes(6)).toEqual([1, 2, 4, 6]);
    expect(defaultSizes(8)).toEqual([1, 2, 4, 8]);
  });

  it('draws bars in eighths of a cell', () => {
    expect(bar(1, 1, 4)).toBe('████');
    expect(bar(0.5, 1, 4)).toBe('██');
    expect(bar(1 / 32, 1, 4)).toBe('▏');
    expect(bar(0, 1, 4)).toBe('');
  });

  it('renders a table, a chart and the recommendation', () => {
    const text = renderReport(report, 'fib(27)', 10);
    expect(text).toMatch(/^fib\(27\)/);
    expect(text).toContain('speedup vs 1');
    expect(text).toMatch(/2 │█{9}▊ 196 {2}◀ recommended/);
    expect(text).toContain('recommended: 2 threads');
  });

  it('renders an SVG with a bar per size and nice ticks', () => {
    const svg = renderSvg(report, 'fib <27> & co');
    expect(svg.match(/<rect [^>]*fill="#4C78A8"/g)).toHaveLength(3);
    expect(svg).toContain('fib &#60;27&#62; &#38; co');
    expect(svg).toContain('<polyline');
    expect(ticks(200)).toEqual([0, 50, 100, 150, 200]);
    expect(ticks(7)).toEqual([0, 2, 4, 6, 8]);
  });
});

describe('run parts', () => {
  it('splits a stream into lines across chunk boundaries', async () => {
    const source = Readable.from(['a\r\nb', 'c\n', '\nd', 'e'], { objectMode: false });
    const out: string[] = [];
    for await (const line of lines(source)) out.push(line);
    expect(out).toEqual(['a', 'bc', '', 'de']);
  });

  it('writes outcomes in line order whatever order they arrive in', async () => {
    const written: [number, LineOutcome][] = [];
    const writer = new OrderedWriter(async (line, outcome) => {
      written.push([line, outcome]);
    });
    const third = writer.put(3, { ok: true, value: 'c' });
    void writer.put(2, { ok: false, error: 'b' });
    await third;
    expect(written).toEqual([]);
    expect(writer.held).toBe(2);
    await writer.put(1, { ok: true, value: 'a' });
    expect(written.map(([line]) => line)).toEqual([1, 2, 3]);
    expect(writer.next).toBe(4);
  });

  it('waits for drain when the output is full', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    let drained = false;
    const pending = write(out, 'more than four bytes\n').then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    out.read();
    await pending;
    expect(drained).toBe(true);
  });

  it('describes errors as { name, message, code }', () => {
    const e = Object.assign(new RangeError('bad'), { code: 'E_BAD' });
    expect(describeError(e)).toEqual({ name: 'RangeError', message: 'bad', code: 'E_BAD' });
    expect(describeError(new Error('x'))).toEqual({ name: 'Error', message: 'x', code: null });
    expect(describeError('thrown string')).toEqual({
      name: 'Error',
      message: 'thrown string',
      code: null,
    });
  });

  it('draws the share of lines done, not of bytes read ahead', () => {
    const out = new PassThrough();
    // A 1,000-byte file of 100 lines, all read, 64 done: 64%, not 100%.
    const progress = new ProgressBar(out, 1000);
    Object.assign(progress.state, { done: 64, failed: 2, read: 100, bytes: 1000 });
    expect(progress.render()).toMatch(/ {2}64% 64 lines done \(100 read\), 2 failed/);
    // Half the file read (50 lines), 20 done: 20 of an estimated 100 lines.
    Object.assign(progress.state, { done: 20, failed: 2, read: 50, bytes: 500 });
    expect(progress.render()).toMatch(/^[█▏▎▍▌▋▊▉]+░+ {2}20% 20 lines done \(50 read\), 2 failed/);
    expect(doneShare({ done: 0, failed: 0, read: 0, bytes: 0, totalBytes: 10 })).toBe(0);
    expect(doneShare({ done: 3, failed: 0, read: 3, bytes: 9, totalBytes: undefined })).toBe(
      undefined,
    );
    const piped = new ProgressBar(new PassThrough(), undefined);
    Object.assign(piped.state, { done: 5, read: 9, bytes: 90 });
    expect(piped.render()).toMatch(/^poolcall run: 5 lines done, /);
    piped.stop();
    progress.stop();
    // Node 26's read() hands back one written chunk at a time.
    let drawn = '';
    for (let chunk = out.read(); chunk !== null; chunk = out.read()) drawn += String(chunk);
    expect(drawn.startsWith('\r\u001b[K')).toBe(true);
    expect(drawn).toMatch(/20%.*\n$/);
  });
});
