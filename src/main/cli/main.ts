/** The `poolcall` program: picks the command, prints help, maps failures to exit codes. */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { programHelp, runHelp, sizeHelp } from './help.js';
import type { CliIO } from './io.js';
import { runCommand } from './run.js';
import { sizeCommand } from './size.js';

const commands: Record<string, (args: readonly string[], io: CliIO) => Promise<number>> = {
  size: sizeCommand,
  run: runCommand,
};

const helps: Record<string, string> = { size: sizeHelp, run: runHelp };

/** The package version, read from `package.json`. */
function version(): string {
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Runs `poolcall` with `argv` (the arguments after the program name) and
 * resolves the exit code: 0 success, 1 a task or line failed, 2 bad usage.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['size', './tasks.js', 'fib', '--input', '27'], processIO());
 * ```
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(programHelp);
      return 2;
    }
    if (command === '-h' || command === '--help') {
      io.stdout.write(programHelp);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (command === 'help') {
      const topic = rest[0];
      io.stdout.write((topic !== undefined && helps[topic]) || programHelp);
      return 0;
    }
    const run = commands[command];
    if (!run) {
      const what = command.startsWith('-') ? 'unknown option' : 'unknown command';
      throw new UsageError(`${what} ${JSON.stringify(command)} (commands: size, run)`);
    }
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command === undefined ? 'poolcall' : `poolcall ${error.command}`;
      io.stderr.write(`${where}: ${error.message}\nSee "${where} --help".\n`);
      return 2;
    }
    // The reader of our output went away (`| head`): stop quietly.
    if ((error as { code?: unknown } | null)?.code === 'EPIPE') return 1;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.stderr.write(`poolcall ${command ?? ''}: ${text}\n`);
    return 1;
  }
}
