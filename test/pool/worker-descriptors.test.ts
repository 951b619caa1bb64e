import { once } from 'node:events';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { pinDescriptor, shareWorkerDescriptors } from '../../src/main/pool/worker-descriptors.js';

const ops = new URL('../../bench/fixtures/ops.js', import.meta.url);

describe('shareWorkerDescriptors', () => {
  let piscina: Piscina | undefined;
  afterAll(() => piscina?.destroy());

  it('makes each worker hand out one live descriptor instead of a new one per task', async () => {
    piscina = new Piscina({ filename: ops.href, minThreads: 1, maxThreads: 1 });
    const created = once(piscina, 'workerCreate');
    shareWorkerDescriptors(piscina);
    const [descriptor] = (await created) as [Record<symbol, unknown>];
    const worker = Object.getOwnPropertySymbols(descriptor)
      .map((k) => descriptor[k])
      .find(
        (v): v is { interface: { currentUsage: number } } => typeof v === 'object' && v !== null,
      );
    expect(worker).toBeDefined();
    expect(worker!.interface).toBe(descriptor);
    expect(worker!.interface).toBe(worker!.interface);
    // Still live: the worker is busy while a task runs.
    const running = piscina.run({ name: 'spin', item: 20 });
    expect(worker!.interface.currentUsage).toBe(1);
    await running;
    expect(worker!.interface.currentUsage).toBe(0);
    expect(await piscina.run({ name: 'inc', item: 1 })).toBe(2);
  });

  it('leaves descriptors of another shape alone', () => {
    expect(pinDescriptor(undefined)).toBe(false);
    expect(pinDescriptor({ id: 1 })).toBe(false);
    const own = { interface: 'mine' };
    expect(pinDescriptor({ [Symbol('w')]: own })).toBe(false);
    expect(own.interface).toBe('mine');
  });
});
