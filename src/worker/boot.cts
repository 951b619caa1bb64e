/**
 * The file piscina loads in each worker thread. piscina `require`s it first;
 * the worker entry is an ES module with top-level await, and Node.js 20's
 * `require` of such a module can abort the whole process (a fatal error in
 * `v8::Module::IsGraphAsync`) when the thread is terminated while it loads.
 * This CommonJS file hands piscina the entry's handler as a promise instead,
 * loaded with `import()`; piscina awaits it before the thread takes work.
 */
// Marked as an ES module's exports, so piscina takes `default` as the handler.
module.exports = { __esModule: true, default: import('./entry.js').then((m) => m.default) };
