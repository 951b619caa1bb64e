/**
 * Properties of alcall over random inputs and option sets, with instant
 * main-thread functions (or an injected ManualClock): order kept, the
 * concurrency bound never exceeded, attempts bounded by numRetries + 1,
 * shaping equal to a simple reference model, every item accounted for.
 */
import fc from 'fast-check';
import { type ALCallOptions, alcall, ManualClock, type Progress } from 'poolcall';
import { describe, expect, it } from 'vitest';

/** Lets other callbacks run for `n` event-loop turns (no time passes on any clock). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

const concurrency = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Number.POSITIVE_INFINITY));

describe('alcall properties', () => {
  it('keeps input order, never exceeds maxConcurrent, and accounts for every item', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer(), fc.nat({ max: 3 })), { maxLength: 60 }),
        concurrency,
        async (items, maxConcurrent) => {
          let inFlight = 0;
          let peak = 0;
          let last: Progress | undefined;
          const out = await alcall(
            items,
            async ([value, delay]: [number, number]) => {
              inFlight++;
              peak = Math.max(peak, inFlight);
              await turns(delay);
              inFlight--;
              return value;
            },
            {
              maxConcurrent,
              onProgress: (p) => {
                last = p;
              },
            },
          );
          expect(out).toEqual(items.map(([v]) => v));
          expect(peak).toBeLessThanOrEqual(maxConcurrent);
          expect(inFlight).toBe(0);
          if (items.length > 0) {
            expect(last?.done).toBe(items.length);
            expect(last?.total).toBe(items.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('makes at most numRetries + 1 attempts per item, exactly as many as needed, and ends each item as planned', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 4 }), { maxLength: 30 }),
        fc.nat({ max: 3 }),
        fc.constantFrom('default', 'exceptions', 'reject'),
        concurrency,
        async (fails, numRetries, mode, maxConcurrent) => {
          const attempts = fails.map(() => 0);
          let inFlight = 0;
          let peak = 0;
          const options: ALCallOptions = {
            numRetries,
            maxConcurrent,
            ...(mode === 'default' ? { retryDefault: 'D' } : {}),
            ...(mode === 'exceptions' ? { returnExceptions: true } : {}),
          };
          const run = alcall(
            fails,
            async (f: number, ctx) => {
              inFlight++;
              peak = Math.max(peak, inFlight);
              attempts[ctx.index] = ctx.attempt;
              await turns(1);
              inFlight--;
              if (ctx.attempt <= f) throw new Error(`item ${ctx.index} attempt ${ctx.attempt}`);
              return f;
            },
            options,
          );
          const doomed = fails.some((f) => f > numRetries);
          if (mode === 'reject' && doomed) {
            await expect(run).rejects.toThrow(/attempt/);
            for (const a of attempts) expect(a).toBeLessThanOrEqual(numRetries + 1);
          } else {
            const out: unknown[] = await run;
            expect(attempts).toEqual(fails.map((f) => Math.min(f, numRetries) + 1));
            out.forEach((v, i) => {
              const f = fails[i]!;
              if (f <= numRetries) expect(v).toBe(f);
              else if (mode === 'default') expect(v).toBe('D');
              else expect((v as Error).message).toBe(`item ${i} attempt ${numRetries + 1}`);
            });
          }
          expect(peak).toBeLessThanOrEqual(maxConcurrent);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('spaces starts by throttlePeriod on a manual clock, the first at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 100 }),
        concurrency,
        async (n, period, maxConcurrent) => {
          const clock = new ManualClock();
          const starts: number[] = [];
          let settled = false;
          const run = alcall(
            Array.from({ length: n }, (_, i) => i),
            async (x: number) => {
              starts.push(clock.now());
              return x;
            },
            { throttlePeriod: period, maxConcurrent, clock },
          ).finally(() => {
            settled = true;
          });
          for (let i = 0; i < n + 2 && !settled; i++) await clock.advance(period);
          expect(await run).toHaveLength(n);
          expect(starts[0]).toBe(0);
          for (let i = 1; i < starts.length; i++) {
            expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(period);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---- shaping against a reference model ----

/** A canonical string for the values generated below: equal exactly when structurally equal. */
function canon(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v instanceof Set) return `Set{${[...v].map(canon).sort().join(',')}}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
      .join(',')}}`;
  }
  return `${typeof v}:${String(v)}`;
}

function flat(v: unknown, sets: boolean): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => flat(x, sets));
  if (sets && v instanceof Set) return [...v].flatMap((x) => flat(x, sets));
  return [v];
}

function unique(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = canon(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Shaping {
  sanitizeInput: boolean;
  uniqueInput: boolean;
  flatten: boolean;
  dropna: boolean;
  uniqueOutput: boolean;
  flattenTupleSet: boolean;
}

/** What alcall with an identity function must return, per the contract. */
function reference(input: unknown[], o: Shaping): unknown[] {
  let items = o.sanitizeInput
    ? input.flatMap((x) => flat(x, o.flattenTupleSet)).filter((x) => x != null)
    : input;
  if (o.uniqueInput) items = unique(items);
  let out = o.flatten ? items.flatMap((x) => flat(x, o.flattenTupleSet)) : items;
  if (o.dropna) out = out.filter((x) => x != null);
  if (o.uniqueOutput) out = unique(out);
  return out;
}

const leaf = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('a', 'b', '', 'ab'),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.record({ k: fc.integer({ min: 0, max: 2 }) }),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 3 }).map((xs) => new Set(xs)),
  ),
}));
const shaping = fc.record<Shaping>({
  sanitizeInput: fc.boolean(),
  uniqueInput: fc.boolean(),
  flatten: fc.boolean(),
  dropna: fc.boolean(),
  uniqueOutput: fc.boolean(),
  flattenTupleSet: fc.boolean(),
});

describe('alcall shaping', () => {
  it('equals the reference model for every combination of shaping options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 12 }), shaping, async (input, o) => {
        const out = await alcall(input, async (x: unknown) => x, o);
        expect(out.map(canon)).toEqual(reference(input, o).map(canon));
      }),
      { numRuns: 400 },
    );
  });
});
