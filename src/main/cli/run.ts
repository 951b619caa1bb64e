/** `poolcall run <module> <task>`: a JSONL pipeline step over a worker pool. */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createPool } from '../pool/pool.js';
import {
  moduleAndTask,
  parseCommand,
  parseDuration,
  parseInteger,
  parseJsonFlag,
  resolveModule,
  stringFlag,
  UsageError,
} from './args.js';
import { runHelp } from './help.js';
import { type CliIO, write } from './io.js';
import type { LineWriter } from './ordered.js';
import { runLines, type StepOptions } from './pipeline.js';
import { ProgressBar } from './progress.js';
import { loadAndCheck } from './task-check.js';

/** The settings of one `poolcall run`. */
interface RunSettings {
  readonly module: string;
  readonly task: string;
  readonly inFile: string | undefined;
  readonly outFile: string | undefined;
  readonly threads: number;
  readonly step: StepOptions;
  readonly fallback: { readonly value: unknown } | undefined;
}

function settings(args: readonly string[]): RunSettings | undefined {
  const parsed = parseCommand('run', args, {
    in: { type: 'string' },
    out: { type: 'string' },
    threads: { type: 'string' },
    'chunk-size': { type: 'string' },
    'max-concurrent': { type: 'string' },
    retries: { type: 'string' },
    timeout: { type: 'string' },
    default: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help) return undefined;
  const [module, task] = moduleAndTask('run', parsed.positionals);
  const flag = (name: string) => stringFlag(parsed, name);
  const int = (name: string, min: number) => {
    const text = flag(name);
    return text === undefined ? undefined : parseInteger('run', name, text, min);
  };
  const chunkText = flag('chunk-size');
  const chunkSize =
    chunkText === undefined || chunkText === 'auto'
      ? chunkText
      : parseInteger('run', 'chunk-size', chunkText, 1);
  const timeoutText = flag('timeout');
  const defaultText = flag('default');
  const step: StepOptions = {
    ...(chunkSize === undefined ? {} : { chunkSize }),
    ...optional('maxConcurrent', int('max-concurrent', 1)),
    ...optional('numRetries', int('retries', 0)),
    ...optional(
      'retryTimeout',
      timeoutText === undefined ? undefined : parseDuration('run', 'timeout', timeoutText, true),
    ),
  };
  for (const name of ['in', 'out'] as const) {
    if (flag(name) === '') throw new UsageError(`--${name} needs a file name`, 'run');
  }
  return {
    module: resolveModule('run', module),
    task,
    inFile: flag('in'),
    outFile: flag('out'),
    threads: int('threads', 1) ?? os.availableParallelism(),
    step,
    fallback:
      defaultText === undefined
        ? undefined
        : { value: parseJsonFlag('run', 'default', defaultText) },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Runs `poolcall run`; resolves the exit code. */
export async function runCommand(args: readonly string[], io: CliIO): Promise<number> {
  const s = settings(args);
  if (!s) {
    io.stdout.write(runHelp);
    return 0;
  }
  let input: Readable = io.stdin;
  let totalBytes: number | undefined;
  if (s.inFile !== undefined) {
    try {
      totalBytes = (await stat(s.inFile)).size;
    } catch {
      throw new UsageError(`--in: cannot read ${s.inFile}`, 'run');
    }
    input = createReadStream(s.inFile);
  }
  const output: Writable = s.outFile === undefined ? io.stdout : createWriteStream(s.outFile);
  const progress = io.stderr.isTTY === true ? new ProgressBar(io.stderr, totalBytes) : undefined;
  const pool = createPool(s.module, { maxThreads: s.threads });
  await loadAndCheck(pool, s.threads, s.task, 'run');
  let failed = 0;
  const writeLine: LineWriter = async (line, outcome) => {
    const text = outcome.ok ? serialise(outcome.value) : outcome.error;
    if (typeof text === 'string') await write(output, `${text}\n`);
    else {
      failed++;
      progress?.clear();
      await write(io.stderr, `${JSON.stringify({ line, error: describe(text) })}\n`);
      if (s.fallback) await write(output, `${serialise(s.fallback.value)}\n`);
    }
    if (progress) {
      progress.state.done++;
      progress.state.failed = failed;
    }
  };
  try {
    await runLines(pool, s.task, input, s.step, writeLine, {
      onBytes: (n) => {
        if (progress) progress.state.bytes += n;
      },
      onLine: () => {
        if (progress) progress.state.read++;
      },
    });
  } finally {
    progress?.stop();
    await pool.close({ force: true });
    if (output !== io.stdout) {
      output.end();
      await finished(output);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** The JSON text of a value (`undefined` becomes `null`), or the error that prevents it (a BigInt, a cycle). */
function serialise(value: unknown): string | Error {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    return error instanceof Error ? error : new TypeError(String(error));
  }
}

/** How a failed line is described on stderr. */
export interface ErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly code: string | null;
}

/** `{ name, message, code }` of a failure; `code` is null when the error has none. */
export function describe(error: unknown): ErrorDescription {
  if (
    error instanceof Error ||
    (typeof error === 'object' && error !== null && 'message' in error)
  ) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: String(e.message),
      code: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : null,
    };
  }
  return { name: 'Error', message: String(error), code: null };
}
