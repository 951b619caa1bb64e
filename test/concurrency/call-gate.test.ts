import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../dist/main/common/clock.js';
import { CallGate } from '../../dist/main/concurrency/call-gate.js';

describe('CallGate', () => {
  it('takes as many free slots as asked for, at most the limit, and none while others wait', async () => {
    let limit = 5;
    const gate = new CallGate({ limit: () => limit, period: 0, clock: new ManualClock() });
    expect(gate.tryAcquireMany(3)).toBe(3);
    expect(gate.tryAcquireMany(10)).toBe(2);
    expect(gate.tryAcquireMany(1)).toBe(0);
    expect(gate.active).toBe(5);
    const waiting = gate.acquire();
    expect(gate.waiting).toBe(1);
    gate.releaseMany(2);
    await waiting;
    // One slot went to the waiter; the other is free again.
    expect(gate.active).toBe(4);
    expect(gate.tryAcquireMany(4)).toBe(1);
    limit = 7;
    expect(gate.tryAcquireMany(4)).toBe(2);
    gate.releaseMany(0);
    expect(gate.active).toBe(7);
  });

  it('keeps FIFO order: a waiter is served before a later bulk take', async () => {
    const gate = new CallGate({ limit: 1, period: 0, clock: new ManualClock() });
    expect(gate.tryAcquire()).toBe(true);
    const first = gate.acquire();
    expect(gate.tryAcquireMany(1)).toBe(0);
    gate.release();
    await first;
    expect(gate.tryAcquireMany(1)).toBe(0);
    gate.release();
    expect(gate.tryAcquireMany(1)).toBe(1);
  });
});
