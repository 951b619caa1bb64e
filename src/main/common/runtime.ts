/**
 * The JavaScript runtime poolcall runs on (Node.js, Bun or Deno) and what
 * each can do. `createPool` checks it first, so an unsupported runtime or a
 * missing piece fails at once with {@link UnsupportedRuntimeError} instead of
 * a pool that never answers.
 */
import { UnsupportedRuntimeError } from './errors.js';

/** The runtimes poolcall knows. */
export type RuntimeName = 'node' | 'bun' | 'deno';

/** A runtime and its version. */
export interface Runtime {
  readonly name: RuntimeName;
  /** `major.minor.patch`, without a leading `v`. */
  readonly version: string;
}

/** The oldest version of each runtime that poolcall supports (and tests). */
export const MIN_VERSIONS: Readonly<Record<RuntimeName, string>> = {
  node: '20.0.0',
  bun: '1.4.0',
  deno: '2.9.0',
};

const LABELS: Readonly<Record<RuntimeName, string>> = { node: 'Node.js', bun: 'Bun', deno: 'Deno' };

/** The runtime this process runs on, read from `process.versions`. */
export function currentRuntime(): Runtime {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } })
    .process?.versions;
  if (versions?.bun) return { name: 'bun', version: versions.bun };
  if (versions?.deno) return { name: 'deno', version: versions.deno };
  return { name: 'node', version: versions?.node ?? '0.0.0' };
}

/** `Bun 1.4.5`, `Node.js 24.1.0`. */
export function runtimeLabel(runtime: Runtime): string {
  return `${LABELS[runtime.name]} ${runtime.version}`;
}

/** Whether worker heap limits (`resourceLimits`) are enforced: Node.js only. */
export function enforcesResourceLimits(runtime: Runtime): boolean {
  return runtime.name === 'node';
}

/**
 * Whether a task module's own `import { workerData } from 'node:worker_threads'`
 * sees a value set in the worker after start (Node.js only): elsewhere the
 * user's `workerData` has to be the thread's own.
 */
export function rebindsWorkerData(runtime: Runtime): boolean {
  return runtime.name === 'node';
}

/**
 * Whether `poolcall/bullmq` (serve, connectQueue) is supported: not on Deno,
 * where BullMQ job locks went unrenewed (jobs reported stalled) while worker
 * threads were terminated.
 */
export function servesBullmq(runtime: Runtime): boolean {
  return runtime.name !== 'deno';
}

/** What {@link checkRuntime} looks at: the pool's options, or the BullMQ entry. */
export interface RuntimeNeeds {
  readonly resourceLimits?: object | undefined;
  /** The caller is `serve` or `connectQueue` of `poolcall/bullmq`. */
  readonly bullmq?: string;
}

/**
 * Throws {@link UnsupportedRuntimeError} when `runtime` is older than
 * poolcall supports, or cannot honour one of `needs`.
 */
export function checkRuntime(runtime: Runtime, needs: RuntimeNeeds = {}): void {
  const label = runtimeLabel(runtime);
  const min = MIN_VERSIONS[runtime.name];
  if (compareVersions(runtime.version, min) < 0) {
    throw new UnsupportedRuntimeError(
      label,
      `${LABELS[runtime.name]} >= ${min}`,
      `${needs.bullmq ?? 'createPool'}: poolcall does not support ${label}; it needs ${LABELS[runtime.name]} >= ${min} ` +
        `(supported: ${supportedList()})`,
    );
  }
  if (needs.resourceLimits !== undefined && !enforcesResourceLimits(runtime)) {
    throw new UnsupportedRuntimeError(
      label,
      'option "resourceLimits"',
      `createPool: option "resourceLimits" is not supported on ${label}: its worker threads ` +
        'ignore heap limits, so a worker running out of memory would not be stopped ' +
        '(leave the option out, or run on Node.js)',
    );
  }
  if (needs.bullmq !== undefined && !servesBullmq(runtime)) {
    throw new UnsupportedRuntimeError(
      label,
      'poolcall/bullmq',
      `${needs.bullmq}: poolcall/bullmq is not supported on ${label}: BullMQ job locks are not ` +
        'renewed reliably there while worker threads are terminated, so jobs would be reported ' +
        'stalled (run the machines and producers on Node.js or Bun)',
    );
  }
}

function supportedList(): string {
  return (Object.keys(MIN_VERSIONS) as RuntimeName[])
    .map((name) => `${LABELS[name]} >= ${MIN_VERSIONS[name]}`)
    .join(', ');
}

/** Compares two `major.minor.patch` versions (anything after them, e.g. `-canary`, is ignored). */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function parts(version: string): number[] {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!match) return [0, 0, 0];
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}
