import { describe, expect, it } from 'vitest';
import {
  AUTO_MAX,
  AUTO_MIN,
  AutoSize,
  FIRST_BATCH_MS,
  MESSAGE_OVERHEAD_MS,
  OVERHEAD_SHARE,
  PACK_OVERHEAD_SHARE,
  READY_BATCHES,
  STEAL_MIN_MS,
} from '../../src/main/chunk/chunk-size.js';

describe("chunkSize: 'auto'", () => {
  it('starts small', () => {
    const s = new AutoSize();
    expect(s.size).toBe(AUTO_MIN);
    expect(s.window).toBeGreaterThanOrEqual(2);
  });

  it('keeps the message overhead under its share of a chunk run', () => {
    const s = new AutoSize();
    s.observe(10, 100); // 0.1 ms per item
    const chunkRun = s.size * 0.1;
    expect(MESSAGE_OVERHEAD_MS / chunkRun).toBeLessThanOrEqual(OVERHEAD_SHARE + 1e-9);
    expect(MESSAGE_OVERHEAD_MS / ((s.size - 1) * 0.1)).toBeGreaterThan(OVERHEAD_SHARE);
  });

  it('takes the share it is given: packed calls aim at shorter messages', () => {
    const batch = new AutoSize();
    const packed = new AutoSize(PACK_OVERHEAD_SHARE);
    batch.observe(10, 100);
    packed.observe(10, 100);
    expect(packed.size * 0.1 * PACK_OVERHEAD_SHARE).toBeGreaterThanOrEqual(MESSAGE_OVERHEAD_MS);
    expect(packed.size).toBeLessThan(batch.size);
  });

  it('takes back from a busy worker no less than STEAL_MIN_MS of work, and at least one item', () => {
    const s = new AutoSize();
    expect(s.stealMin).toBe(1);
    s.observe(2, 100); // 0.02 ms per item
    expect(s.stealMin * 0.02).toBeGreaterThanOrEqual(STEAL_MIN_MS - 1e-9);
    expect((s.stealMin - 1) * 0.02).toBeLessThan(STEAL_MIN_MS);
    const slow = new AutoSize();
    slow.observe(500, 2);
    expect(slow.stealMin).toBe(1);
  });

  it('is bounded for tiny and for slow items', () => {
    const tiny = new AutoSize();
    tiny.observe(0, 1000);
    expect(tiny.size).toBe(AUTO_MAX);
    // Two batches per slot: one running, the next read and sent meanwhile.
    expect(tiny.window).toBe(2 * AUTO_MAX);
    const slow = new AutoSize();
    slow.observe(500, 5);
    expect(slow.size).toBe(AUTO_MIN);
  });

  it('keeps one batch running and READY_BATCHES ready per slot below the largest size', () => {
    const s = new AutoSize();
    s.observe(10, 100);
    expect(s.size).toBeLessThan(AUTO_MAX);
    expect(s.window).toBe((1 + READY_BATCHES) * s.size);
  });

  it('follows a change of item cost, smoothing over chunks', () => {
    const s = new AutoSize();
    s.observe(0.1, 1000);
    const fast = s.size;
    for (let i = 0; i < 10; i++) s.observe(500, 10);
    expect(s.size).toBeLessThan(fast);
    expect(s.size).toBe(1);
  });

  it('ignores empty observations', () => {
    const s = new AutoSize();
    s.observe(5, 0);
    s.observe(Number.NaN, 3);
    expect(s.size).toBe(AUTO_MIN);
  });
});

describe('the first batch of a growing chunk', () => {
  it('carries about FIRST_BATCH_MS of work, within 1..size', () => {
    const s = new AutoSize();
    // Not measured yet: a whole batch.
    expect(s.firstBatch).toBe(s.size);
    s.observe(10, 400); // 25 µs per item
    expect(s.size).toBeGreaterThan(s.firstBatch);
    expect(s.firstBatch).toBe(Math.ceil(FIRST_BATCH_MS / 0.025));
    const tiny = new AutoSize();
    tiny.observe(0.05, 1000);
    expect(tiny.firstBatch).toBe(tiny.size);
    const slow = new AutoSize();
    slow.observe(100, 2);
    expect(slow.firstBatch).toBe(AUTO_MIN);
  });
});

describe('how many waiting calls fit in one message', () => {
  it('rounds down where the size rounds up, and is at least 1', () => {
    const s = new AutoSize(0.01);
    // Nothing learnt yet: the size itself.
    expect(s.fits).toBe(s.size);
    s.observe(1.95, 1); // ~2 ms a call: a 4 ms message holds 2, not 3.
    expect(s.size).toBe(3);
    expect(s.fits).toBe(2);
    const slow = new AutoSize(0.01);
    slow.observe(50, 1);
    expect(slow.fits).toBe(1);
    const fast = new AutoSize(0.01);
    fast.observe(0.1, 10); // 0.01 ms a call
    expect(fast.fits).toBe(400);
  });
});

describe('batches near the end of a known input', () => {
  it('carry at most half of each slot share of what is left, and at least what a slot steals', () => {
    const s = new AutoSize();
    s.observe(10, 1000); // 0.01 ms an item: a slot steals 100 at least
    expect(s.stealMin).toBe(100);
    expect(s.forRest(1600, Number.POSITIVE_INFINITY, 2)).toBe(1600);
    expect(s.forRest(1600, 100_000, 2)).toBe(1600);
    expect(s.forRest(1600, 2000, 2)).toBe(500);
    expect(s.forRest(1600, 2001, 2)).toBe(501);
    expect(s.forRest(1600, 100, 2)).toBe(100);
    expect(s.forRest(50, 100, 2)).toBe(50);
  });
});
