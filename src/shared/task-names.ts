/**
 * The message of an unknown task name, written by the worker and read back
 * by the command line (which checks a task name once, before any work):
 * one place owns its format, so the two threads cannot drift apart.
 */

const EXPORTS = ': the module exports ';
const NONE = 'no functions';

/** `Unknown task "name": the module exports "a", "b"` (or `no functions`). */
export function unknownTaskMessage(name: string, exported: readonly string[]): string {
  const list = exported.length > 0 ? exported.map((n) => JSON.stringify(n)).join(', ') : NONE;
  return `Unknown task ${JSON.stringify(name)}${EXPORTS}${list}`;
}

/**
 * The exported function names an {@link unknownTaskMessage} lists (text the
 * main thread appends after it, such as ` (module ...)`, is ignored), or
 * `undefined` when `message` is not one.
 */
export function exportedNames(message: string): string[] | undefined {
  const at = message.indexOf(EXPORTS);
  if (!message.startsWith('Unknown task ') || at < 0) return undefined;
  const rest = message.slice(at + EXPORTS.length);
  if (rest.startsWith(NONE)) return [];
  const names: string[] = [];
  let i = 0;
  while (rest[i] === '"') {
    let end = i + 1;
    while (end < rest.length && rest[end] !== '"') end += rest[end] === '\\' ? 2 : 1;
    names.push(JSON.parse(rest.slice(i, end + 1)) as string);
    i = end + 1;
    if (rest.startsWith(', ', i)) i += 2;
    else break;
  }
  return names;
}
