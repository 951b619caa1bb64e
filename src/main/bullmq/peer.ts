/**
 * Loading the optional peer dependencies of `poolcall/bullmq`. They are
 * imported only here, and only when a server or a queue connection is made,
 * so `poolcall` itself never loads them.
 */
import { PoolcallError } from '../common/errors.js';

/** Imports a module by specifier; injectable so the missing-peer path can be tested. */
export type Importer = (specifier: string) => Promise<unknown>;

const importModule: Importer = (specifier) => import(specifier);

/**
 * Imports the optional peer `specifier`. When it (or a package it needs) is
 * not installed, rejects with a `PoolcallError` (code 'ERR_MISSING_PEER')
 * naming the package and the command that installs it.
 */
export async function loadPeer<T>(
  specifier: string,
  importer: Importer = importModule,
): Promise<T> {
  try {
    return (await importer(specifier)) as T;
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === undefined) throw error;
    throw new PoolcallError(
      'ERR_MISSING_PEER',
      `poolcall/bullmq needs the optional peer dependency "${missing}", which is not installed. Install it with: npm install bullmq ioredis`,
      { cause: error },
    );
  }
}

/** The bullmq module, loaded on first use. */
export function loadBullmq(importer?: Importer): Promise<typeof import('bullmq')> {
  return loadPeer<typeof import('bullmq')>('bullmq', importer);
}

function missingPackage(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const named = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if (named === undefined) return 'bullmq';
  if (named.startsWith('.') || named.startsWith('/') || named.startsWith('file:')) return undefined;
  const parts = named.split('/');
  return named.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
