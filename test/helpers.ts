/** Shared test helpers: fixture locations and a started-handshake for worker tasks. */
export const fixtures = new URL('./fixtures/', import.meta.url);
export const tasksUrl = new URL('tasks.js', fixtures);

/** A SharedArrayBuffer handshake: the `spin` task stores 1 at [0] when it starts; store 1 at [1] to release it. */
export function handshake() {
  const flag = new SharedArrayBuffer(8);
  const view = new Int32Array(flag);
  return {
    flag,
    /** Resolves once the task has signalled that it started. */
    started: async (): Promise<void> => {
      const r = Atomics.waitAsync(view, 0, 0);
      if (r.async) await r.value;
    },
    release: () => {
      Atomics.store(view, 1, 1);
    },
  };
}

/** A promise with its settle functions exposed. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
