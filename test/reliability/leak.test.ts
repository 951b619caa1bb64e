/**
 * Leak check: 10,000 small alcalls in a row on one pool (worker task plain,
 * chunked, timed, failing-and-defaulted, and a main-thread function) leave
 * the heap and the active handles flat. Runs in a child `node --expose-gc`
 * so the heap can be measured after real collections.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type NodeRun, runNode } from '../helpers.js';

interface LeakReport {
  calls: number;
  heapBeforeMB: number;
  heapMidMB: number;
  heapAfterMB: number;
  growthMB: number;
  resourcesBefore: Record<string, number>;
  resourcesAfter: Record<string, number>;
  busy: number;
  queued: number;
}

function runChild(calls: number): Promise<NodeRun> {
  const script = fileURLToPath(new URL('leak-child.js', import.meta.url));
  return runNode(['--expose-gc', script, String(calls)]);
}

describe('leaks', () => {
  it('10,000 alcalls in a row leave heap and handles flat', { timeout: 90_000 }, async () => {
    const { code, stdout, stderr } = await runChild(10_000);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout) as LeakReport;
    expect(r.calls).toBe(10_000);
    // A leak of one small object per call (~100 bytes) would be ~1 MB; a
    // retained closure, port or timer per call far more. Observed: ~0.4 MB.
    expect(r.growthMB).toBeLessThan(4);
    // Flat, not growing: the second half adds little to the first.
    expect(r.heapAfterMB - r.heapMidMB).toBeLessThan(2);
    expect(r.resourcesAfter).toEqual(r.resourcesBefore);
    expect({ busy: r.busy, queued: r.queued }).toEqual({ busy: 0, queued: 0 });
  });
});
