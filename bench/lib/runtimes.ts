/**
 * Running bench suites under another JavaScript runtime (Node.js 22/24/26,
 * Bun, Deno: the binaries scripts/runtimes.mjs installs from npm into
 * .runtimes/), one at a time, and the table of headline figures per runtime.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Target } from './report.js';

/** The suites that run under every runtime: they use poolcall and piscina only. */
export const RUNTIME_SUITES = ['pool', 'alcall'];

/** How long one runtime's run may take before it is stopped and reported as failed. */
const RUNTIME_LIMIT_MS = 30 * 60_000;

/** The runtime this process runs on, e.g. `Bun 1.4.5`. */
export function runtimeLabel(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun) return `Bun ${v.bun}`;
  if (v.deno) return `Deno ${v.deno}`;
  return `Node.js ${process.versions.node}`;
}

/** How a child process of this runtime runs a script: its flags before the script (Deno: `run -A`). */
export function scriptFlags(): string[] {
  const raw = process.env.POOLCALL_RUNTIME_ARGS;
  return raw ? raw.split('\t').filter((a) => a !== '') : [];
}

/** What one runtime's run hands back to the side-by-side run. */
export interface RuntimeFigures {
  readonly runtime: string;
  readonly targets: readonly Target[];
}

interface RuntimeCommand {
  readonly binary: string;
  readonly flags: readonly string[];
}

/** The binary and flags of runtime `name` (`node` is the Node.js running this). */
async function commandOf(name: string, scriptsDir: URL): Promise<RuntimeCommand> {
  if (name === 'node') return { binary: process.execPath, flags: [] };
  const { RUNTIMES, runtimePath } = (await import(new URL('runtimes.mjs', scriptsDir).href)) as {
    RUNTIMES: Record<string, { flags: string[] }>;
    runtimePath: (n: string) => string;
  };
  if (!RUNTIMES[name]) {
    throw new Error(
      `bench: unknown runtime "${name}": expected node or one of ${Object.keys(RUNTIMES).join(', ')}`,
    );
  }
  return { binary: runtimePath(name), flags: RUNTIMES[name].flags };
}

/** The flag that exposes `gc()` on each kind of runtime. */
function gcFlag(command: RuntimeCommand): string[] {
  if (command.flags.includes('run')) return ['--v8-flags=--expose-gc'];
  if (command.flags.includes('--bun')) return [];
  return ['--expose-gc'];
}

/**
 * Runs `script` with `args` under runtime `name`, output to this terminal;
 * resolves to its exit code (1 when it was stopped after RUNTIME_LIMIT_MS).
 */
export async function runUnder(
  name: string,
  script: string,
  args: readonly string[],
  scriptsDir: URL,
): Promise<number> {
  const command = await commandOf(name, scriptsDir);
  const result = spawnSync(
    command.binary,
    [...command.flags, ...gcFlag(command), script, ...args],
    {
      stdio: 'inherit',
      // A runtime on which a suite never ends must not hold up the others.
      timeout: RUNTIME_LIMIT_MS,
      killSignal: 'SIGKILL',
      env: {
        ...process.env,
        POOLCALL_BENCH_CHILD: '1',
        POOLCALL_RUNTIME_ARGS: command.flags.join('\t'),
        PATH: `${path.dirname(command.binary)}${path.delimiter}${process.env.PATH ?? ''}`,
      },
    },
  );
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Runs the runtime suites under each runtime in turn; the headline figures of each. */
export async function sideBySide(
  names: readonly string[],
  script: string,
  args: readonly string[],
  scriptsDir: URL,
): Promise<RuntimeFigures[]> {
  const out: RuntimeFigures[] = [];
  for (const name of names) {
    const file = path.join(os.tmpdir(), `poolcall-bench-${process.pid}-${name}.json`);
    process.stderr.write(`bench: runtime ${name}\n`);
    const code = await runUnder(name, script, [...args, '--json', file], scriptsDir);
    try {
      out.push(JSON.parse(readFileSync(file, 'utf8')) as RuntimeFigures);
    } catch {
      out.push({ runtime: `${name} (failed, exit code ${code})`, targets: [] });
    } finally {
      rmSync(file, { force: true });
    }
  }
  return out;
}

/** The Markdown table: one row per headline figure, one column per runtime. */
export function runtimesMarkdown(figures: readonly RuntimeFigures[], note: string): string {
  const whats: string[] = [];
  for (const f of figures)
    for (const t of f.targets) if (!whats.includes(t.what)) whats.push(t.what);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const targetOf = (what: string) =>
    figures.flatMap((f) => f.targets).find((t) => t.what === what)?.target ?? '';
  return [
    line(['figure', 'target', ...figures.map((f) => f.runtime)]),
    line(['---', '---', ...figures.map(() => '---')]),
    ...whats.map((what) =>
      line([
        what,
        targetOf(what),
        ...figures.map((f) => {
          const t = f.targets.find((x) => x.what === what);
          return t ? `${t.measured}${t.met ? '' : ' (missed)'}` : '—';
        }),
      ]),
    ),
    '',
    note,
    '',
  ].join('\n');
}

const BEGIN = '<!-- runtimes: begin -->';
const END = '<!-- runtimes: end -->';

/** `results` with its runtimes section replaced by `section` (added before the first suite when missing). */
export function withRuntimesSection(results: string, section: string): string {
  return withRuntimesBlock(results, `${BEGIN}\n## Runtimes\n\n${section}${END}\n`);
}

/** `results` with `block` (a section as {@link runtimesSectionOf} returns it) in place of its own. */
export function withRuntimesBlock(results: string, block: string): string {
  const start = results.indexOf(BEGIN);
  const end = results.indexOf(END);
  if (start >= 0 && end > start) {
    return results.slice(0, start) + block + results.slice(end + END.length + 1);
  }
  const firstSuite = results.indexOf('\n## ', results.indexOf('## Targets') + 1);
  if (firstSuite < 0) return `${results}\n${block}`;
  return `${results.slice(0, firstSuite + 1)}${block}\n${results.slice(firstSuite + 1)}`;
}

/** The runtimes section of `results`, or '' when it has none. */
export function runtimesSectionOf(results: string): string {
  const start = results.indexOf(BEGIN);
  const end = results.indexOf(END);
  return start >= 0 && end > start ? results.slice(start, end + END.length + 1) : '';
}
