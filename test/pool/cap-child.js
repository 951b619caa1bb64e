// @ts-check
/**
 * Creates a pool with the options given as JSON and prints what happened:
 * `accepted`, or the thrown error's class name and message as JSON.
 * Usage: node cap-child.js '<options JSON>'
 */
import { createPool } from 'poolcall';

try {
  createPool(new URL('../fixtures/tasks.js', import.meta.url), JSON.parse(process.argv[2] ?? '{}'));
  console.log('accepted');
} catch (e) {
  const error = /** @type {Error} */ (e);
  console.log(JSON.stringify({ name: error.constructor.name, message: error.message }));
}
