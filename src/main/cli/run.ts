/** `poolcall run <module> <task>`: a JSONL pipeline step. */
import type { CliIO } from './io.js';

/** Runs `poolcall run`; resolves the exit code. */
export async function runCommand(_args: readonly string[], io: CliIO): Promise<number> {
  io.stderr.write('poolcall run: not available yet\n');
  return 1;
}
