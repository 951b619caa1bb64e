/**
 * Load test of examples/server.ts (autocannon, 127.0.0.1): `/fib` is kept
 * saturated while a single connection measures `/health` latency, with the
 * CPU work on the poolcall pool and then inline on the main thread. The
 * server runs in its own process, so the load generator does not share its
 * event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runAlone, type SuiteOptions, type SuiteResult, target } from './lib/report.js';
import { show, spread } from './lib/stats.js';

const FIB_N = 27;
const DURATION_S = 3;
const LOAD_CONNECTIONS = 8;

interface Figures {
  readonly healthP99: number;
  readonly healthP50: number;
  readonly fibPerSec: number;
  readonly fibNon2xx: number;
}

/** How `/fib` runs: on a pool of `threads` threads, or inline (0). */
type Mode = { readonly label: string; readonly threads: number };

const MODES: readonly Mode[] = [
  { label: 'poolcall, 2 threads', threads: 2 },
  { label: 'poolcall, 1 thread', threads: 1 },
  { label: 'inline (main thread)', threads: 0 },
];

async function startServerProcess(threads: number): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../examples/server.js', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      PORT: '0',
      INLINE: threads === 0 ? '1' : '0',
      THREADS: String(Math.max(1, threads)),
      MAX_QUEUE: '64',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  lines.close();
  return { url: (JSON.parse(first) as { url: string }).url, child };
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function loadOnce(mode: Mode): Promise<Figures> {
  const { url, child } = await startServerProcess(mode.threads);
  try {
    // Warm the threads and the JIT before measuring.
    await cannon({ url: `${url}/fib?n=${FIB_N}`, connections: 2, amount: 50 });
    const [load, health] = await Promise.all([
      cannon({ url: `${url}/fib?n=${FIB_N}`, connections: LOAD_CONNECTIONS, duration: DURATION_S }),
      cannon({ url: `${url}/health`, connections: 1, duration: DURATION_S }),
    ]);
    return {
      healthP99: health.latency.p99,
      healthP50: health.latency.p50,
      fibPerSec: load.requests.average,
      fibNon2xx: load.non2xx,
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** `/health` latency under a saturated `/fib`, on the pool (2 and 1 threads) and inline. */
export async function serverSuite(options: SuiteOptions): Promise<SuiteResult> {
  const figures = MODES.map(() => [] as Figures[]);
  for (let k = 0; k < options.rounds; k++) {
    for (const [m, mode] of MODES.entries()) figures[m]!.push(await loadOnce(mode));
  }
  const cells = (pick: (x: Figures) => number) => figures.map((f) => show(spread(f.map(pick))));
  const inline = figures[MODES.length - 1]!;
  const ratios = figures.map((f) =>
    show(spread(inline.map((x, k) => x.healthP99 / Math.max(1, f[k]!.healthP99))), '×'),
  );
  const p99 = spread(figures[0]!.map((f) => f.healthP99));
  const p99One = spread(figures[1]!.map((f) => f.healthP99));
  return {
    tables: [
      {
        title: 'HTTP server: /health while /fib saturates the CPU',
        intro: `examples/server.ts in its own process; autocannon for ${DURATION_S} s: ${LOAD_CONNECTIONS} connections on \`/fib?n=${FIB_N}\` and 1 connection on \`/health\` at the same time; maxQueue 64. autocannon reports whole milliseconds. On a 2-core machine, 2 busy worker threads leave the main thread no core of its own; 1 thread does.`,
        headers: ['', ...MODES.map((m) => m.label)],
        rows: [
          ['/health p50 (ms)', ...cells((f) => f.healthP50)],
          ['/health p99 (ms)', ...cells((f) => f.healthP99)],
          ['/fib answers/s', ...cells((f) => f.fibPerSec)],
          ['/fib non-2xx per run', ...cells((f) => f.fibNon2xx)],
          ['inline /health p99 ÷ this p99', ...ratios],
        ],
      },
    ],
    targets: [
      target(
        '/health p99 under load (poolcall, 2 threads)',
        '< 10 ms',
        p99,
        show(p99, ' ms'),
        (m) => m < 10,
      ),
      target(
        '/health p99 under load (poolcall, 1 thread)',
        '< 10 ms',
        p99One,
        show(p99One, ' ms'),
        (m) => m < 10,
      ),
    ],
  };
}

await runAlone(import.meta.url, serverSuite);
