/**
 * The engine of `poolcall run`: JSONL lines through a task on the scheduler
 * that alcall, bcall and imap share ({@link runItems}), with results put back
 * in line order by an {@link OrderedWriter}. Reading waits while too many
 * outcomes are held back, so memory stays flat whatever the input's length.
 */
import type { Readable } from 'node:stream';
import type { Pool } from '../pool/pool.js';
import { runItems } from '../scheduler/drive.js';
import type { Callable } from '../scheduler/options.js';
import { lines } from './io.js';
import { type LineWriter, OrderedWriter } from './ordered.js';

/** The scheduling flags of `poolcall run`, as alcall options. */
export interface StepOptions {
  readonly chunkSize?: number | 'auto';
  readonly maxConcurrent?: number;
  readonly numRetries?: number;
  readonly retryTimeout?: number;
}

/** Outcomes held back behind an unfinished earlier line before reading pauses. */
const HELD_LIMIT = 1024;

/** Where `runLines` reports what it read. */
export interface LineCounters {
  /** Bytes of input read. */
  onBytes?(bytes: number): void;
  /** A line was read (before it is parsed). */
  onLine?(): void;
}

/**
 * Reads `input` line by line, parses each line as JSON and runs `task` on it;
 * `write` receives every line's outcome in line order (a line that is not
 * JSON fails with its SyntaxError and never reaches a worker). Resolves once
 * every line is written; rejects when reading or writing fails.
 */
export async function runLines(
  pool: Pool,
  task: string,
  input: Readable,
  options: StepOptions,
  write: LineWriter,
  counters: LineCounters = {},
): Promise<void> {
  const writer = new OrderedWriter(write);
  let writeError: { error: unknown } | undefined;
  const put: LineWriter = (line, outcome) =>
    writer.put(line, outcome).catch((error: unknown) => {
      writeError ??= { error };
      handle.cancel(error);
    });
  // The line of each item sent to the task, by the item's index in the run.
  const lineOf = new Map<number, number>();
  async function* items(): AsyncGenerator<unknown> {
    let line = 0;
    let index = 0;
    for await (const text of lines(input, counters.onBytes)) {
      line++;
      counters.onLine?.();
      let item: unknown;
      try {
        item = JSON.parse(text);
      } catch (error) {
        void put(line, { ok: false, error });
        await writer.room(HELD_LIMIT);
        continue;
      }
      lineOf.set(index++, line);
      yield item;
    }
  }
  const fn = pool.task(task) as Callable<never, unknown>;
  const handle = runItems(
    items(),
    fn,
    { ...options, returnExceptions: true },
    {
      onResult(index, value) {
        const line = lineOf.get(index)!;
        lineOf.delete(index);
        void put(line, value instanceof Error ? { ok: false, error: value } : { ok: true, value });
      },
      beforeRead: () => (writer.held >= HELD_LIMIT ? writer.room(HELD_LIMIT) : undefined),
    },
  );
  try {
    await handle.done;
  } catch (error) {
    throw writeError ? writeError.error : error;
  }
  await writer.flushed().catch(() => {});
  if (writeError) throw writeError.error;
}
