/** Loading the user's task module, TypeScript included. */

const typescriptExt = /\.(?:m|c)?ts$/;

/**
 * Imports the task module. A `.ts` / `.mts` module loads as is where Node
 * strips types; otherwise through `tsx` when installed; else a clear error.
 */
export async function loadModule(href: string): Promise<Record<string, unknown>> {
  if (!typescriptExt.test(new URL(href).pathname) || nodeStripsTypes()) {
    try {
      return (await import(href)) as Record<string, unknown>;
    } catch (error) {
      throw asSyntaxError(error);
    }
  }
  let tsImport: ((specifier: string, parent: string) => Promise<unknown>) | undefined;
  try {
    ({ tsImport } = (await import('tsx/esm/api' as string)) as {
      tsImport: (specifier: string, parent: string) => Promise<unknown>;
    });
  } catch {
    const error = new Error(
      `Cannot load the TypeScript task module ${href}: this Node.js (${process.version}) does not strip types. ` +
        'Either run a Node.js version that strips types (22.18+, or 22.6+ with --experimental-strip-types), ' +
        'or install the "tsx" package (npm install tsx) so poolcall can load it through tsx.',
    );
    (error as { code?: string }).code = 'ERR_MODULE_LOAD';
    throw error;
  }
  return (await tsImport(href, import.meta.url)) as Record<string, unknown>;
}

/** Where the runtime strips types (Node.js 22.18+ / 23.6+, Bun and Deno report it too). */
function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/** Where Bun's parse error is found. */
interface BuildPosition {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * A module that does not parse is reported as the `SyntaxError` Node.js
 * throws: Bun throws a `BuildMessage` (with the place apart), Deno a
 * `TypeError` whose message starts with `SyntaxError: `.
 */
function asSyntaxError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'BuildMessage') {
    const at = (error as { position?: BuildPosition | null }).position;
    const where = at?.file ? ` (${at.file}:${at.line ?? 0}:${at.column ?? 0})` : '';
    return new SyntaxError(`${error.message}${where}`, { cause: error });
  }
  const prefix = 'SyntaxError: ';
  if (error.name === 'TypeError' && error.message.startsWith(prefix)) {
    return new SyntaxError(error.message.slice(prefix.length), { cause: error });
  }
  return error;
}
