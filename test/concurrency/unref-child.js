// @ts-check
/**
 * Runs one `retry` whose every attempt fails, printing each attempt, and
 * prints "exit" as the process exits. Usage: node unref-child.js <delayMs> <unref: 0|1>
 */
import { retry } from 'poolcall';

const delay = Number(process.argv[2]);
const unref = process.argv[3] === '1';
process.on('exit', () => process.stdout.write('exit\n'));
retry(
  ({ attempt }) => {
    process.stdout.write(`attempt ${attempt}\n`);
    throw new Error(`failure ${attempt}`);
  },
  { retries: 1, delay, unref },
).catch((/** @type {Error} */ error) => process.stdout.write(`rejected: ${error.message}\n`));
