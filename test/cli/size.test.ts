import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolcall, tasks } from './helpers.js';

interface Report {
  task: string;
  sizes: {
    threads: number;
    itemsPerSec: number;
    opsPerSec: number;
    speedup: number;
    p50Ms: number;
    p99Ms: number;
    utilization: number;
  }[];
  recommended: number;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'poolcall-size-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('poolcall size', () => {
  it('--json prints exactly one object with a row per size and a recommendation', async () => {
    const r = await poolcall([
      'size',
      tasks,
      'fib',
      '--input',
      '15',
      '--threads',
      '2,1',
      '--duration',
      '40',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(Object.keys(report).sort()).toEqual(['recommended', 'sizes', 'task']);
    expect(report.task).toBe('fib');
    expect(report.sizes.map((s) => s.threads)).toEqual([1, 2]);
    for (const s of report.sizes) {
      expect(Object.keys(s).sort()).toEqual(
        ['itemsPerSec', 'opsPerSec', 'p50Ms', 'p99Ms', 'speedup', 'threads', 'utilization'].sort(),
      );
      expect(s.itemsPerSec).toBeGreaterThan(0);
      // The first name of the same figure, kept as an alias.
      expect(s.opsPerSec).toBe(s.itemsPerSec);
      expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
      expect(s.utilization).toBeGreaterThan(0);
      expect(s.utilization).toBeLessThanOrEqual(1);
    }
    expect(report.sizes[0]?.speedup).toBe(1);
    const best = Math.max(...report.sizes.map((s) => s.itemsPerSec));
    const smallestGood = report.sizes.find((s) => s.itemsPerSec >= best * 0.95);
    expect(report.recommended).toBe(smallestGood?.threads);
  });

  it('prints a table, a bar chart and the recommendation, and writes --svg', async () => {
    const svg = path.join(dir, 'size.svg');
    const r = await poolcall([
      'size',
      tasks,
      'fib',
      '--input',
      '12',
      '--threads',
      '1',
      '--duration',
      '30',
      '--svg',
      svg,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/items\/s/);
    expect(r.stdout).toMatch(/1 │█+/);
    expect(r.stdout).toMatch(/recommended: 1 thread\b/);
    const text = await readFile(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(text).toMatch(/<\/svg>\s*$/);
    expect(text).toMatch(/<rect [^>]*fill="#4C78A8"/);
  });

  it('cycles --inputs items', async () => {
    const file = path.join(dir, 'samples.jsonl');
    await writeFile(file, '10\n\n12\n14\n');
    const r = await poolcall([
      'size',
      tasks,
      'fib',
      '--inputs',
      file,
      '--threads',
      '1',
      '--duration',
      '20',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Report).sizes).toHaveLength(1);
  });

  it('exits 1 with the task error when the task fails', async () => {
    const r = await poolcall([
      'size',
      tasks,
      'double',
      '--input',
      '{"fail":"broken"}',
      '--threads',
      '1',
      '--duration',
      '20',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken/);
  });

  it.each([
    [['--threads', '1,x'], /--threads.*"x"/],
    [['--threads', '0'], /--threads.*"0"/],
    [['--threads', ''], /--threads/],
    [['--duration', '0'], /--duration.*"0"/],
    [['--input', '{'], /--input must be JSON/],
    [['--input', '1', '--inputs', 'x.jsonl'], /either --input or --inputs/],
    [['--inputs', '/no/such/samples.jsonl'], /--inputs: cannot read/],
    [['--jsn'], /--jsn/],
  ])('exits 2 on bad usage: %j', async (flags, message) => {
    const r = await poolcall(['size', tasks, 'fib', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 with one message for a task the module does not export', async () => {
    const r = await poolcall(['size', tasks, 'nope', '--threads', '1', '--duration', '20']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^poolcall size: the module does not export a task named "nope" /);
    expect(r.stderr).toContain('(its functions: "big", "double", "fib", "nothing")');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('exits 2 on an --inputs line that is not JSON, naming the line', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, '1\n{oops\n');
    const r = await poolcall(['size', tasks, 'fib', '--inputs', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2/);
  });
});

describe('poolcall --help', () => {
  it.each([[['--help']], [['-h']], [['help', 'run']], [['size', '--help']], [['run', '-h']]])(
    '%j prints usage and exits 0',
    async (args) => {
      const r = await poolcall(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: poolcall /);
    },
  );

  it('documents every flag of each command', async () => {
    const size = await poolcall(['size', '--help']);
    for (const flag of ['--input', '--inputs', '--threads', '--duration', '--json', '--svg']) {
      expect(size.stdout).toContain(flag);
    }
    const run = await poolcall(['run', '--help']);
    for (const flag of [
      '--in',
      '--out',
      '--threads',
      '--chunk-size',
      '--max-concurrent',
      '--retries',
      '--timeout',
      '--default',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('exits 2 without a command or with an unknown one', async () => {
    const none = await poolcall([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: poolcall/);
    const unknown = await poolcall(['sise']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "sise"/);
  });

  it('--version prints the package version', async () => {
    const r = await poolcall(['--version']);
    const pkg = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
