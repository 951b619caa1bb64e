import { describe, expect, it } from 'vitest';
import { exportedNames, unknownTaskMessage } from '../../src/shared/task-names.js';

describe('the unknown-task message', () => {
  it('lists the exported names so the command line can read them back', () => {
    const names = ['fib', 'we"ird', 'back\\slash'];
    const message = `${unknownTaskMessage('nope', names)} (module file:///x/tasks.js)`;
    expect(message).toMatch(/^Unknown task "nope": the module exports "fib", /);
    expect(exportedNames(message)).toEqual(names);
    expect(exportedNames(unknownTaskMessage('x', []))).toEqual([]);
    expect(exportedNames('Task "x" failed')).toBeUndefined();
  });
});
