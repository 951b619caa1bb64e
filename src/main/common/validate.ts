/**
 * Option checking shared by every entry point: unknown names suggest the
 * closest known one; messages name the option and quote the value received.
 */

/** How an option is checked. */
export type OptionKind =
  | 'boolean'
  | 'function'
  | 'object'
  | 'signal'
  | 'any'
  /** a finite number >= 0 */
  | 'duration'
  /** a finite number > 0 */
  | 'positive'
  /** an integer >= 0, or Infinity */
  | 'count'
  /** an integer >= 1, or Infinity */
  | 'count1'
  /** an integer >= 1 (finite) */
  | 'size1'
  /** an integer >= 0 (finite) */
  | 'size0';

/** A table of option names and their kinds. */
export type OptionSchema = Readonly<Record<string, OptionKind>>;

/** Renders a received value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `a function`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  try {
    if (Array.isArray(value)) return `an array`;
    return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  } catch {
    // A revoked Proxy, or one whose traps throw.
    return 'an object that cannot be inspected';
  }
}

/** The known name closest to `name` by edit distance, if any is close enough. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const score = distance(name.toLowerCase(), k.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best !== undefined && bestScore <= Math.max(3, Math.floor(name.length / 2)) ? best : best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * Checks `options` against `schema`. Throws TypeError for an unknown name or
 * a wrong type, RangeError for a number out of range. `where` names the
 * function in the message (e.g. "alcall"). Only the object's own enumerable
 * keys are options: a name the schema has only by inheritance
 * (`constructor`, `toString`, `__proto__`) is unknown. `options` must be a
 * plain object (not an array, a function, a Map, ...); a getter or Proxy
 * trap that throws is reported as a TypeError naming the option.
 */
export function checkOptions(where: string, options: unknown, schema: OptionSchema): void {
  if (options === undefined) return;
  const names = optionNames(where, options);
  for (const name of names) {
    if (!Object.hasOwn(schema, name)) {
      const hint = closest(name, Object.keys(schema));
      throw new TypeError(
        `${where}: unknown option "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
    const value = readOption(where, options as Record<string, unknown>, name);
    if (value === undefined) continue;
    checkValue(where, name, value, schema[name]!);
  }
}

/**
 * The own enumerable names of `options`, which must be a plain object;
 * TypeError (mentioning `where`) for anything else or a Proxy that throws.
 */
export function optionNames(where: string, options: unknown): string[] {
  const bad = () =>
    new TypeError(`${where}: options must be a plain object, received ${show(options)}`);
  if (typeof options !== 'object' || options === null) throw bad();
  let plain: boolean;
  let names: string[];
  try {
    plain =
      !Array.isArray(options) && Object.prototype.toString.call(options) === '[object Object]';
    names = plain ? Object.keys(options) : [];
  } catch (error) {
    throw new TypeError(`${where}: options could not be read (${messageOf(error)})`, {
      cause: error,
    });
  }
  if (!plain) throw bad();
  return names;
}

/** Reads one option, turning a throwing getter or Proxy trap into a TypeError naming it. */
export function readOption(where: string, options: Record<string, unknown>, name: string): unknown {
  try {
    return options[name];
  } catch (error) {
    throw new TypeError(`${where}: option "${name}" could not be read (${messageOf(error)})`, {
      cause: error,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

/** Checks one value against one kind. */
export function checkValue(where: string, name: string, value: unknown, kind: OptionKind): void {
  const fail = (expected: string, Err: typeof TypeError | typeof RangeError = TypeError): never => {
    throw new Err(`${where}: option "${name}" must be ${expected}, received ${show(value)}`);
  };
  switch (kind) {
    case 'any':
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('a boolean');
      return;
    case 'function':
      if (typeof value !== 'function') fail('a function');
      return;
    case 'object':
      if (typeof value !== 'object' || value === null) fail('an object');
      return;
    case 'signal':
      if (!(value instanceof AbortSignal)) fail('an AbortSignal');
      return;
    default:
      break;
  }
  if (typeof value !== 'number') fail('a number');
  const n = value as number;
  if (Number.isNaN(n)) fail('a number, not NaN', RangeError);
  switch (kind) {
    case 'duration':
      if (!Number.isFinite(n) || n < 0) fail('a finite number >= 0 (milliseconds)', RangeError);
      return;
    case 'positive':
      if (!Number.isFinite(n) || n <= 0) fail('a finite number > 0', RangeError);
      return;
    case 'count':
      if (n !== Number.POSITIVE_INFINITY && (!Number.isInteger(n) || n < 0))
        fail('an integer >= 0 or Infinity', RangeError);
      return;
    case 'count1':
      if (n !== Number.POSITIVE_INFINITY && (!Number.isInteger(n) || n < 1))
        fail('an integer >= 1 or Infinity', RangeError);
      return;
    case 'size1':
      if (!Number.isInteger(n) || n < 1) fail('an integer >= 1', RangeError);
      return;
    case 'size0':
      if (!Number.isInteger(n) || n < 0) fail('an integer >= 0', RangeError);
      return;
  }
}
