/**
 * `npm start`: `poolcall size` on the shipped sample CPU-bound task, fib(27),
 * at 1, 2, 4, ... threads up to the machine's parallelism. About 40 s of
 * measuring in all, split across the sizes.
 */
import { fileURLToPath } from 'node:url';
import { main, processIO } from '../main/cli/index.js';
import { defaultSizes } from '../main/cli/size.js';

const tasks = fileURLToPath(new URL('./tasks.js', import.meta.url));
const sizes = defaultSizes();
const duration = Math.max(2000, Math.round(40_000 / sizes.length / 1000) * 1000);
const args = ['size', tasks, 'fib', '--input', '27', '--duration', String(duration)];

console.log(`$ poolcall ${args.map((a) => (a === tasks ? 'dist/demo/tasks.js' : a)).join(' ')}\n`);
process.exitCode = await main(args, processIO());
console.log('More: poolcall size --help, poolcall run --help (add --svg chart.svg for a chart).');
