import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failures, linesOf, poolcall, tasks } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'poolcall-run-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('poolcall run', () => {
  it('maps stdin to stdout line by line, in input order', async () => {
    const n = 2000;
    const input = Array.from({ length: n }, (_, i) => String(i)).join('\n');
    const r = await poolcall(['run', tasks, 'double', '--threads', '2'], `${input}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(linesOf(r.stdout)).toEqual(Array.from({ length: n }, (_, i) => String(i * 2)));
  });

  it('reads --in and writes --out files', async () => {
    const inFile = path.join(dir, 'in.jsonl');
    const outFile = path.join(dir, 'out.jsonl');
    await writeFile(inFile, '10\r\n20\n30');
    const r = await poolcall(['run', tasks, 'double', '--in', inFile, '--out', outFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(await readFile(outFile, 'utf8')).toBe('20\n40\n60\n');
  });

  it('reports failed and bad-JSON lines on stderr by line number and exits 1', async () => {
    const input = [
      '1',
      '{"fail":"no way","code":"E_NO"}',
      'not json',
      '4',
      '{"fail":"plain"}',
      '6',
    ];
    const r = await poolcall(['run', tasks, 'double', '--retries', '1'], input.join('\n'));
    expect(r.code).toBe(1);
    expect(linesOf(r.stdout)).toEqual(['2', '8', '12']);
    const failed = failures(r.stderr);
    expect(failed.map((f) => f.line)).toEqual([2, 3, 5]);
    expect(failed[0]?.error).toEqual({ name: 'RangeError', message: 'no way', code: 'E_NO' });
    expect(failed[1]?.error).toMatchObject({ name: 'SyntaxError', code: null });
    expect(failed[2]?.error).toEqual({ name: 'RangeError', message: 'plain', code: null });
  });

  it('stops a runaway line with --timeout by terminating its worker; the rest go on', async () => {
    const input = ['1', '{"spin":true}', '3', '4'];
    const r = await poolcall(
      ['run', tasks, 'double', '--timeout', '300', '--threads', '2'],
      input.join('\n'),
    );
    expect(r.code).toBe(1);
    expect(linesOf(r.stdout)).toEqual(['2', '6', '8']);
    expect(failures(r.stderr)).toEqual([
      {
        line: 2,
        error: { name: 'TaskTimeoutError', message: expect.any(String), code: 'ERR_TASK_TIMEOUT' },
      },
    ]);
  });

  it('writes --default in place of a line that failed for good, and still reports it', async () => {
    const input = ['1', '{"spin":true}', 'oops', '4'];
    const r = await poolcall(
      ['run', tasks, 'double', '--timeout', '200', '--default', '{"failed":true}'],
      input.join('\n'),
    );
    expect(linesOf(r.stdout)).toEqual(['2', '{"failed":true}', '{"failed":true}', '8']);
    expect(failures(r.stderr).map((f) => [f.line, f.error.code])).toEqual([
      [2, 'ERR_TASK_TIMEOUT'],
      [3, null],
    ]);
    expect(r.code).toBe(1);
  });

  it('fails a result that has no JSON form, and writes null for undefined', async () => {
    const big = await poolcall(['run', tasks, 'big'], '1\n');
    expect(big.code).toBe(1);
    expect(failures(big.stderr)[0]).toMatchObject({ line: 1, error: { name: 'TypeError' } });
    const nothing = await poolcall(['run', tasks, 'nothing'], '1\n2\n');
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe('null\nnull\n');
  });

  it('exits 2 with one message, before any line, for a task the module does not export', async () => {
    const input = `${Array.from({ length: 10_000 }, (_, i) => i).join('\n')}\n`;
    const r = await poolcall(['run', tasks, 'nope'], input);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(failures(r.stderr)).toEqual([]);
    const lines = linesOf(r.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('poolcall run: the module does not export a task named "nope"');
    expect(lines[0]).toContain('(its functions: "big", "double", "fib", "nothing")');
    expect(lines[1]).toBe('See "poolcall run --help".');
  });

  it('exits 1 once, naming the cause, when the task module fails to load', async () => {
    const broken = fileURLToPath(new URL('../fixtures/cli/throws-on-load.js', import.meta.url));
    const r = await poolcall(['run', broken, 'double'], '1\n2\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/WorkerCrashedError.*cannot load this module/);
  });

  it('accepts --chunk-size and --max-concurrent', async () => {
    const input = Array.from({ length: 50 }, (_, i) => String(i)).join('\n');
    const r = await poolcall(
      ['run', tasks, 'double', '--chunk-size', '8', '--max-concurrent', '1'],
      input,
    );
    expect(r.code).toBe(0);
    expect(linesOf(r.stdout)).toEqual(Array.from({ length: 50 }, (_, i) => String(i * 2)));
  });

  it.each([
    [['--bogus'], /--bogus/],
    [['--retries', 'x'], /--retries.*"x"/],
    [['--retries=-1'], /--retries.*"-1"/],
    [['--threads', '0'], /--threads.*"0"/],
    [['--timeout', 'soon'], /--timeout.*"soon"/],
    [['--chunk-size', 'big'], /--chunk-size.*"big"/],
    [['--default', '{nope'], /--default must be JSON/],
    [['--in', '/no/such/file.jsonl'], /--in.*\/no\/such\/file/],
  ])('exits 2 on bad usage: %j', async (flags, message) => {
    const r = await poolcall(['run', tasks, 'double', ...flags], '1\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 when <module> or <task> is missing, or the module does not exist', async () => {
    const none = await poolcall(['run']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing <module> and <task>/);
    const noTask = await poolcall(['run', tasks]);
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toMatch(/missing <task>/);
    const noModule = await poolcall(['run', './no-such-module.js', 'double']);
    expect(noModule.code).toBe(2);
    expect(noModule.stderr).toMatch(/module not found/);
  });
});
