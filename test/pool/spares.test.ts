import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { BURST_MS, Spares } from '../../dist/main/pool/spares.js';
import { tasksUrl } from '../helpers.js';

describe('spare threads sized to what a kill takes away', () => {
  const piscina = new Piscina({ filename: fileURLToPath(tasksUrl), minThreads: 0, maxThreads: 3 });
  afterAll(() => piscina.destroy());

  it('keeps its spares while kills take no more threads than it has spare', () => {
    const spares = new Spares(piscina, 2, 2, 1);
    spares.terminating(0);
    spares.terminating(BURST_MS + 1);
    expect(spares.count).toBe(1);
    expect(piscina.options).toMatchObject({ minThreads: 0, maxThreads: 3 });
  });

  it('keeps as many spares as threads were lost together, at most one per slot', () => {
    const spares = new Spares(piscina, 2, 2, 1);
    spares.terminating(0);
    spares.terminating(1);
    expect(spares.count).toBe(2);
    expect(piscina.options).toMatchObject({ minThreads: 4, maxThreads: 4 });
    spares.terminating(2);
    spares.terminating(3);
    expect(spares.count).toBe(2);
    // A later lone kill does not shrink them.
    spares.terminating(10 * BURST_MS);
    expect(spares.count).toBe(2);
  });
});
