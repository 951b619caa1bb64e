/** The `--help` texts of the program and of each command. */

/** `poolcall --help`. */
export const programHelp = `Usage: poolcall <command> [options]

Runs the exported functions of a task module on a poolcall worker-thread pool.

Commands:
  size <module> <task>   measure throughput at each pool size, recommend one
  run <module> <task>    a JSONL pipeline step: every input line through the task

Options:
  -h, --help             show this help ("poolcall <command> --help" for a command)
  -v, --version          print the version

Exit codes: 0 success, 1 a task or a line failed, 2 bad usage.
`;

/** `poolcall size --help`. */
export const sizeHelp = `Usage: poolcall size <module> <task> [options]

Runs <task> (an exported function of <module>, a path or a file: URL) at each
pool size with tinybench, and prints per size: throughput (items/s), speedup
over the smallest size, per-item latency p50/p99 (ms, time in a worker),
utilization of the pool's threads; a bar chart; and the recommended size, the
smallest within 5% of the best throughput. Each benchmark operation is a batch
of threads x k concurrent calls, so every thread stays busy.

Options:
  --input JSON           the item every call receives (default: none, undefined)
  --inputs FILE.jsonl    sample items, one JSON value a line, used in turn
  --threads LIST         pool sizes to measure, e.g. 1,2,4
                         (default: 1, 2, 4, ... up to os.availableParallelism())
  --duration MS          measuring time per size, ms (default: 2000)
  --json                 print one JSON object instead:
                         { task, sizes: [{ threads, itemsPerSec, opsPerSec,
                           speedup, p50Ms, p99Ms, utilization }], recommended }
                         (opsPerSec: the same figure as itemsPerSec, its
                         first name, kept for existing readers)
  --svg FILE             also write throughput and p99 against threads as SVG
  -h, --help             show this help

Example:
  poolcall size ./tasks.js fib --input 27 --threads 1,2,4 --svg size.svg
`;

/** `poolcall run --help`. */
export const runHelp = `Usage: poolcall run <module> <task> [options]

A data-pipeline step: each input line is one JSON value, the item of <task>
(an exported function of <module>, a path or a file: URL). Output line k is
the JSON of line k's result, in input order, streamed with backpressure and
flat memory. A line that fails for good (bad JSON included) writes no output
line unless --default gives one, and a JSON line
  {"line":k,"error":{"name":...,"message":...,"code":...}}
goes to stderr (lines count from 1). A progress bar goes to stderr when it is
a terminal.

Options:
  --in FILE.jsonl        read lines from FILE (default: stdin)
  --out FILE.jsonl       write results to FILE (default: stdout)
  --threads N            worker threads (default: os.availableParallelism())
  --chunk-size N|auto    items per worker message (default: 1)
  --max-concurrent N     items in flight at most (default: the pool's threads)
  --retries N            retries after a failed attempt (default: 0)
  --timeout MS           limit of one attempt, ms; a runaway line's worker is
                         terminated and the attempt fails (default: none)
  --default JSON         the output line of a line that failed for good
  -h, --help             show this help

Exit codes: 0 every line succeeded, 1 any line failed (defaulted lines
included), 2 bad usage.

Example:
  poolcall run ./tasks.js resize --in jobs.jsonl --out done.jsonl --timeout 5000
`;
