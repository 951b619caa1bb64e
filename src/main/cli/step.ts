/** How `poolcall run` maps its items through the task: in order, with bounded lookahead. */
import type { Pool } from '../pool.js';

/** The scheduling flags of `poolcall run`, as alcall options. */
export interface StepOptions {
  readonly chunkSize?: number | 'auto';
  readonly maxConcurrent?: number;
  readonly numRetries?: number;
  readonly retryTimeout?: number;
}

/**
 * Runs `task` on every item, yielding results in input order; an item that
 * fails for good is yielded as its Error. At most about twice the pool's
 * slots are read ahead of the consumer.
 */
export async function* mapLines(
  pool: Pool,
  task: string,
  items: AsyncIterable<unknown>,
  options: StepOptions,
): AsyncGenerator<unknown> {
  const slots = Math.min(options.maxConcurrent ?? Number.POSITIVE_INFINITY, pool.dispatcher.slots);
  const attempts = (options.numRetries ?? 0) + 1;
  const one = async (item: unknown): Promise<unknown> => {
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await pool.run(task, item, optionalTimeout(options.retryTimeout));
      } catch (error) {
        last = error;
      }
    }
    return last instanceof Error ? last : new Error(String(last));
  };
  const window: Promise<unknown>[] = [];
  for await (const item of items) {
    window.push(one(item));
    if (window.length >= slots * 2) yield await window.shift();
  }
  while (window.length > 0) yield await window.shift();
}

function optionalTimeout(timeout: number | undefined): { timeout?: number } {
  return timeout === undefined ? {} : { timeout };
}
