/**
 * The published package: `npm pack` holds what the README promises (entry
 * points with types, the bin, the licence, source maps that resolve, no
 * demo), and a fresh project installs the tarball offline and type-checks
 * and runs a sample against it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

interface Manifest {
  readonly exports: Record<string, string | Record<string, string>>;
  readonly bin: Record<string, string>;
  readonly types: string;
  readonly dependencies: Record<string, string>;
  readonly license: string;
}

let dir: string;
let packed: Packed;
let files: Set<string>;
let manifest: Manifest;

/** `npm pack` of `from` into `dir`; resolves what npm reports. */
async function pack(from: string): Promise<Packed> {
  const { stdout } = await run(
    npm,
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, from],
    {
      cwd: root,
    },
  );
  return (JSON.parse(stdout) as Packed[])[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'poolcall-pack-'));
  packed = await pack(root);
  files = new Set(packed.files.map((f) => f.path));
  manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Manifest;
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships every entry point with its types, the bin, the licence and the README', () => {
    const targets = Object.values(manifest.exports).flatMap((e) =>
      typeof e === 'string' ? [e] : Object.values(e),
    );
    for (const target of [...targets, manifest.types, ...Object.values(manifest.bin)]) {
      expect(files, target).toContain(target.replace(/^\.\//, ''));
    }
    for (const name of ['LICENSE', 'README.md', 'package.json']) expect(files).toContain(name);
    expect(manifest.license).toBe('MIT');
  });

  it('holds no demo, sources or tests, only dist and the package files', () => {
    const outside = [...files].filter((f) => !f.startsWith('dist/'));
    expect(outside.sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect([...files].filter((f) => f.startsWith('dist/demo/'))).toEqual([]);
  });

  it('ships source maps whose sources resolve: each embeds its sources', async () => {
    const maps = [...files].filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    for (const map of maps) {
      expect(files, `${map}'s file`).toContain(map.slice(0, -'.map'.length));
      const m = JSON.parse(await readFile(path.join(root, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      // A source is either in the tarball or embedded in the map.
      for (const [i, source] of m.sources.entries()) {
        const shipped = files.has(path.posix.join(path.posix.dirname(map), source));
        const embedded = typeof m.sourcesContent?.[i] === 'string';
        expect(shipped || embedded, `${map}: ${source}`).toBe(true);
      }
    }
  });
});

describe('a fresh project', () => {
  it('installs the tarball offline, type-checks a TypeScript worker module and a main file, and runs them', async () => {
    const app = path.join(dir, 'app');
    await mkdir(path.join(app, 'src'), { recursive: true });
    await writeFile(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'sample', private: true, type: 'module' }),
    );
    // The dependencies come from this checkout's node_modules, packed: no registry needed.
    const deps = await Promise.all(
      Object.keys(manifest.dependencies).map((d) => pack(path.join(root, 'node_modules', d))),
    );
    const tarballs = [...deps, packed].map((p) => path.join(dir, p.filename));
    await run(
      npm,
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs],
      { cwd: app },
    );
    await writeFile(
      path.join(app, 'src', 'tasks.ts'),
      [
        "import { defineTask } from 'poolcall/worker';",
        'export function square(n: number): number {',
        '  return n * n;',
        '}',
        "export const shout = defineTask((s: string, ctx) => s.toUpperCase() + '#' + String(ctx.index));",
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(app, 'src', 'main.ts'),
      [
        "import { alcall, createPool, isPoolcallError } from 'poolcall';",
        "const pool = createPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), { maxThreads: 1 });",
        "const square = pool.task('square');",
        'const squares: number[] = await alcall([1, 2, 3], square);',
        "const shouted: (string | null)[] = await alcall(['a', 'b'], pool.task('shout'), { retryDefault: null });",
        '// @ts-expect-error: square takes numbers',
        "void alcall(['x'], square).catch(() => {});",
        '// @ts-expect-error: no such task',
        "pool.task('nope');",
        'console.log(JSON.stringify({ squares, shouted, guard: isPoolcallError(new Error()) }));',
        'await pool.close();',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2024', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(root, 'node_modules', '@types')],
          rootDir: 'src',
          outDir: 'build',
        },
        include: ['src'],
      }),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const checked = await run(process.execPath, [tsc, '-p', app]).catch(
      (e: { stdout: string }) => e,
    );
    expect(checked.stdout).toBe('');
    expect(existsSync(path.join(app, 'build', 'main.js'))).toBe(true);
    const { stdout } = await run(process.execPath, [path.join(app, 'build', 'main.js')], {
      cwd: app,
    });
    expect(JSON.parse(stdout)).toEqual({
      squares: [1, 4, 9],
      shouted: ['A#0', 'B#1'],
      guard: false,
    });
    const version = await run(path.join(app, 'node_modules', '.bin', 'poolcall'), ['--version']);
    expect(version.stdout.trim()).toBe('0.1.0');
  }, 120_000);
});

describe('installing this checkout', () => {
  it('leaves no dependency install script unreviewed (npm 11 allowScripts)', async () => {
    const { stdout } = await run(npm, ['install-scripts', 'ls', '--json'], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ allowScripts: [] });
  });
});
