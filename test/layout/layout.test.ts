import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * The folders of `src/main`, each with the folders it may import. A folder
 * never imports one above it; `index.ts` (the public surface) may import any.
 */
const allowed: Record<string, readonly string[]> = {
  common: [],
  dispatch: ['common'],
  chunk: ['dispatch', 'common'],
  concurrency: ['common'],
  scheduler: ['concurrency', 'common'],
  pool: ['scheduler', 'chunk', 'dispatch', 'common'],
  bullmq: ['pool', 'scheduler', 'concurrency', 'common'],
  cli: ['pool', 'scheduler', 'concurrency', 'common'],
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function edges(): Edge[] {
  const found: Edge[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm;
  for (const file of ['main', 'worker', 'shared'].flatMap((dir) => sources(join(src, dir)))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) {
      const target = resolve(dirname(file), match[3]!).replace(/\.js$/, '.ts');
      found.push({ from: relative(src, file), to: relative(src, target), typeOnly: !!match[2] });
    }
  }
  return found;
}

/** `main/pool/pool.ts` -> `pool`; `main/index.ts` -> `index`; `worker/x.ts` -> `worker`; `shared/x.ts` -> `shared`. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'main') return parts[0]!;
  return parts.length > 2 ? parts[1]! : 'index';
}

describe('source layout', () => {
  const graph = edges();

  it('finds the imports it checks', () => {
    expect(graph.length).toBeGreaterThan(100);
    expect(new Set(graph.flatMap((e) => [folderOf(e.from), folderOf(e.to)]))).toEqual(
      new Set([...Object.keys(allowed), 'index', 'worker', 'shared']),
    );
  });

  it('has no import cycle, of two files or more', () => {
    const next = new Map<string, string[]>();
    for (const { from, to } of graph) next.set(from, [...(next.get(from) ?? []), to]);
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const to of next.get(file) ?? []) visit(to, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of next.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('lets each folder of src/main import only the folders below it', () => {
    const wrong = graph.filter(({ from, to }) => {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === b || a === 'index' || b === 'shared' || a === 'worker' || b === 'worker')
        return false;
      return !allowed[a]?.includes(b);
    });
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('reaches src/worker from src/main only through type imports', () => {
    const wrong = graph.filter(
      (e) => e.from.startsWith('main/') && folderOf(e.to) === 'worker' && !e.typeOnly,
    );
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('never imports src/main from src/worker, nor anything from src/shared', () => {
    const wrong = graph.filter(
      (e) =>
        (e.from.startsWith('worker/') && e.to.startsWith('main/')) ||
        (e.from.startsWith('shared/') && !e.to.startsWith('shared/')),
    );
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
