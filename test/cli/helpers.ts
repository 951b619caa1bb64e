/** Runs the built `poolcall` executable as a child process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAfterTest } from '../helpers.js';

/** The built executable. */
export const bin = fileURLToPath(new URL('../../dist/main/cli/bin.js', import.meta.url));
/** The command-line fixture task module. */
export const tasks = fileURLToPath(new URL('../fixtures/cli/tasks.js', import.meta.url));

/** What a finished child process left. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin ...args`, feeding `stdin`; resolves when it exits. */
export function poolcall(args: readonly string[], stdin = ''): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: 'pipe' });
    killAfterTest(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** The non-empty lines of `text`. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** The stderr lines of `poolcall run` that report failed lines, parsed. */
export function failures(stderr: string): { line: number; error: Record<string, unknown> }[] {
  return linesOf(stderr)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { line: number; error: Record<string, unknown> });
}
