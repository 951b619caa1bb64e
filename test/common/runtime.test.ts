/**
 * The runtime check createPool makes first: versions below the supported ones
 * and options a runtime cannot honour fail at once with UnsupportedRuntimeError;
 * a child process on a runtime poolcall does not support exits with the error
 * instead of hanging.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPoolcallError, UnsupportedRuntimeError } from '../../src/main/common/errors.js';
import {
  checkRuntime,
  compareVersions,
  currentRuntime,
  MIN_VERSIONS,
  type Runtime,
  runtimeLabel,
} from '../../src/main/common/runtime.js';
import { runNode, runtime } from '../helpers.js';

function refusal(r: Runtime, needs = {}): UnsupportedRuntimeError {
  try {
    checkRuntime(r, needs);
  } catch (e) {
    expect(e).toBeInstanceOf(UnsupportedRuntimeError);
    return e as UnsupportedRuntimeError;
  }
  throw new Error(`${runtimeLabel(r)} was accepted`);
}

describe('runtime check', () => {
  it('reads the runtime this process runs on', () => {
    const r = currentRuntime();
    const versions = process.versions as Record<string, string | undefined>;
    const expected = versions.bun ? 'bun' : versions.deno ? 'deno' : 'node';
    expect(r.name).toBe(expected);
    expect(r.version).toBe(versions[expected]);
    expect(() => checkRuntime(r)).not.toThrow();
  });

  it('compares versions by number, ignoring a pre-release tail', () => {
    expect(compareVersions('20.0.0', '20.0.0')).toBe(0);
    expect(compareVersions('9.9.9', '20.0.0')).toBe(-1);
    expect(compareVersions('v22.10.1', '22.9.0')).toBe(1);
    expect(compareVersions('1.4.0-canary.1', '1.4.0')).toBe(0);
    expect(compareVersions('2.10', '2.9.6')).toBe(1);
  });

  it.each([
    [{ name: 'node', version: '18.20.4' }, 'Node.js 18.20.4', 'Node.js >= 20.0.0'],
    [{ name: 'bun', version: '1.1.30' }, 'Bun 1.1.30', 'Bun >= 1.4.0'],
    [{ name: 'deno', version: '1.46.3' }, 'Deno 1.46.3', 'Deno >= 2.9.0'],
  ] as const)('refuses %o, naming it and what is needed', (r, label, needed) => {
    const e = refusal(r);
    expect(isPoolcallError(e, 'ERR_UNSUPPORTED_RUNTIME')).toBe(true);
    expect(e.runtime).toBe(label);
    expect(e.feature).toBe(needed);
    expect(e.message).toContain(`does not support ${label}`);
    expect(e.message).toContain(needed);
  });

  it('accepts the oldest supported version of each runtime', () => {
    for (const [name, version] of Object.entries(MIN_VERSIONS)) {
      expect(() => checkRuntime({ name: name as Runtime['name'], version })).not.toThrow();
    }
  });

  it('refuses resourceLimits on Bun and Deno, whose workers ignore heap limits', () => {
    const limits = { resourceLimits: { maxOldGenerationSizeMb: 16 } };
    for (const r of [
      { name: 'bun', version: '1.4.5' },
      { name: 'deno', version: '2.9.6' },
    ] as const) {
      const e = refusal(r, limits);
      expect(e.feature).toBe('option "resourceLimits"');
      expect(e.message).toContain(`option "resourceLimits" is not supported on ${runtimeLabel(r)}`);
      expect(() => checkRuntime(r)).not.toThrow();
    }
    expect(() => checkRuntime({ name: 'node', version: '20.0.0' }, limits)).not.toThrow();
  });

  it('refuses poolcall/bullmq on Deno only, naming the caller', () => {
    const e = refusal({ name: 'deno', version: '2.9.6' }, { bullmq: 'serve' });
    expect(e.feature).toBe('poolcall/bullmq');
    expect(e.message).toContain('serve: poolcall/bullmq is not supported on Deno 2.9.6');
    expect(() =>
      checkRuntime({ name: 'bun', version: '1.4.5' }, { bullmq: 'serve' }),
    ).not.toThrow();
    expect(() =>
      checkRuntime({ name: 'node', version: '20.0.0' }, { bullmq: 'connectQueue' }),
    ).not.toThrow();
  });

  it(`a process whose runtime reports an unsupported version gets the error at createPool and exits (${runtimeLabel(runtime)})`, async () => {
    const script = fileURLToPath(new URL('old-runtime-child.js', import.meta.url));
    const { code, stdout, stderr, hung } = await runNode([script], 20_000);
    expect(hung, stderr).toBe(false);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as { name: string; code: string; message: string };
    expect(out.name).toBe('UnsupportedRuntimeError');
    expect(out.code).toBe('ERR_UNSUPPORTED_RUNTIME');
    expect(out.message).toMatch(/does not support (Node\.js|Bun|Deno) 0\.1\.0/);
  });
});
