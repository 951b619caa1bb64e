// @ts-check
/** Waiting for a condition (not for a time): bounded polls on the event loop. */

/**
 * Resolves once `pool.stats()` shows nothing busy or queued, or after
 * `limitMs` (then the caller's assertion fails and says what was left).
 * @param {{ stats(): { busy: number, queued: number } }} pool
 * @param {number} [limitMs]
 */
export async function idle(pool, limitMs = 10_000) {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    const s = pool.stats();
    if (s.busy === 0 && s.queued === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
