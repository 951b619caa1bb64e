/**
 * Command-line argument parsing on `util.parseArgs`: every mistake becomes a
 * {@link UsageError} whose message says what was wrong (exit code 2).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Bad usage: an unknown flag, a missing argument, a bad number. Exits with code 2. */
export class UsageError extends Error {
  /** The command the mistake belongs to (`size`, `run`), or `undefined` for the program. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }

  override get name(): string {
    return 'UsageError';
  }
}

/** The option table handed to `util.parseArgs`. */
export type OptionTable = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
>;

/** Parsed flags and positionals of one command. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * Parses `args` against `options`; unknown flags and missing values throw a
 * UsageError naming the command.
 */
export function parseCommand(
  command: string,
  args: readonly string[],
  options: OptionTable,
): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split('. To specify a positional')[0] ?? message, command);
  }
}

/** The string value of flag `name`, or `undefined`. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses an integer >= `min` given to `--flag`. */
export function parseInteger(command: string, flag: string, text: string, min: number): number {
  const n = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `--${flag} must be an integer >= ${min}, received ${JSON.stringify(text)}`,
      command,
    );
  }
  return n;
}

/** Parses a duration in milliseconds (a finite number >= 0, or > 0 with `positive`) given to `--flag`. */
export function parseDuration(
  command: string,
  flag: string,
  text: string,
  positive = false,
): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) {
    throw new UsageError(
      `--${flag} must be a number of milliseconds ${positive ? '> 0' : '>= 0'}, received ${JSON.stringify(text)}`,
      command,
    );
  }
  return n;
}

/** Parses a comma-separated list of thread counts (`1,2,4`): sorted, duplicates dropped. */
export function parseThreadList(command: string, text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new UsageError(
      `--threads must be a comma-separated list of integers >= 1 (e.g. 1,2,4), received ${JSON.stringify(text)}`,
      command,
    );
  }
  const sizes = parts.map((p) => parseInteger(command, 'threads', p, 1));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** Parses the JSON given to `--flag`. */
export function parseJsonFlag(command: string, flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `--${flag} must be JSON, received ${JSON.stringify(text)} (${why})`,
      command,
    );
  }
}

/** Checks that exactly `<module> <task>` were given. */
export function moduleAndTask(command: string, positionals: readonly string[]): [string, string] {
  const [module, task, ...extra] = positionals;
  if (module === undefined || task === undefined) {
    throw new UsageError(
      `missing ${module === undefined ? '<module> and <task>' : '<task>'} (usage: poolcall ${command} <module> <task> [options])`,
      command,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, command);
  }
  return [module, task];
}

/** Resolves `<module>` (a path or a `file:` URL) to an absolute path; a missing file is a UsageError. */
export function resolveModule(command: string, module: string): string {
  const file = module.startsWith('file:') ? fileURLToPath(module) : path.resolve(module);
  if (!existsSync(file)) {
    throw new UsageError(`module not found: ${module} (resolved to ${file})`, command);
  }
  return file;
}
