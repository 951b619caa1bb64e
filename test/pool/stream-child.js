// @ts-check
/**
 * Runs calls that follow one another (so they ride call streams) and
 * prints their results, without closing its pool and without
 * process.exit: the parent checks that the process ends by itself.
 */
import { alcall, createPool } from 'poolcall';

const pool = createPool(new URL('../fixtures/tasks.js', import.meta.url), { maxThreads: 2 });
const inc = pool.task('inc');
const out = await alcall([1, 2, 3, 4, 5, 6], inc);
for (let i = 0; i < 5; i++) out.push(await inc(10 + i));
// The last call's answer leaves its stream idle: it must not keep the process alive.
inc(100).then((x) => console.log(JSON.stringify([...out, x])));
