// @ts-check
/**
 * Reports its runtime as version 0.1.0, then calls createPool: it must throw
 * UnsupportedRuntimeError at once (printed as JSON) and the process must end
 * by itself.
 */
const versions = /** @type {Record<string, string | undefined>} */ ({ ...process.versions });
const key = versions.bun ? 'bun' : versions.deno ? 'deno' : 'node';
Object.defineProperty(process, 'versions', {
  value: { ...versions, [key]: '0.1.0' },
  configurable: true,
});
const { createPool } = await import('poolcall');
try {
  createPool(new URL('../fixtures/tasks.js', import.meta.url), { maxThreads: 1 });
  console.log(JSON.stringify({ name: 'none', code: 'none', message: 'createPool accepted it' }));
} catch (e) {
  const error = /** @type {{ name: string, code: string, message: string }} */ (e);
  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
}
