/** Child-process machines serving a pool over BullMQ (see machine.js), driven over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

/** A message a machine sends. */
export interface MachineMessage {
  readonly type: string;
  readonly pid: number;
  readonly at: number;
  readonly jobId?: string;
  readonly name?: string;
  readonly attempt?: number;
  readonly attemptsMade?: number;
  readonly message?: string;
  readonly terminated?: number;
  readonly jobIds?: readonly string[];
  readonly stats?: {
    readonly terminated: number;
    readonly completed: number;
    readonly threads: number;
    readonly busy: number;
  };
}

/** Options of a machine. */
export interface MachineConfig {
  readonly port: number;
  readonly queue: string;
  readonly threads?: number;
  readonly lockDuration?: number;
  readonly stalledInterval?: number;
}

const script = new URL('./machine.js', import.meta.url);

/** One machine process. */
export class Machine {
  readonly child: ChildProcess;
  readonly messages: MachineMessage[] = [];
  #waiters: { match: (m: MachineMessage) => boolean; resolve: (m: MachineMessage) => void }[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (m) => {
      const message = m as MachineMessage;
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  /** Starts a machine and waits until it serves the queue. */
  static async start(config: MachineConfig): Promise<Machine> {
    const child = fork(script, [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const machine = new Machine(child);
    await Promise.race([
      machine.next((m) => m.type === 'ready'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`machine exited with code ${code} before it was ready`);
      }),
    ]);
    return machine;
  }

  /** The first message (already received or to come) that matches. */
  next(match: (m: MachineMessage) => boolean): Promise<MachineMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Messages received so far that match. */
  all(match: (m: MachineMessage) => boolean): MachineMessage[] {
    return this.messages.filter(match);
  }

  /** The pool's statistics now. */
  async stats(): Promise<NonNullable<MachineMessage['stats']>> {
    const count = this.messages.length;
    const reply = new Promise<MachineMessage>((resolve) =>
      this.#waiters.push({
        match: (m) => m.type === 'stats' && this.messages.length > count,
        resolve,
      }),
    );
    this.child.send({ type: 'stats' });
    return (await reply).stats!;
  }

  /** Asks the machine to close its server and pool; resolves with the exit code once the process ended by itself. */
  async close(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'close' });
    const [code] = await exited;
    return code as number | null;
  }

  /** SIGKILLs the machine. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** The messages of `machines` that match, in the order they were sent. */
export function messagesOf(
  machines: readonly Machine[],
  match: (m: MachineMessage) => boolean,
): MachineMessage[] {
  return machines.flatMap((m) => m.all(match)).sort((a, b) => a.at - b.at);
}

/** Resolves once `count` messages across `machines` match. */
export async function untilMessages(
  machines: readonly Machine[],
  count: number,
  match: (m: MachineMessage) => boolean,
): Promise<void> {
  while (messagesOf(machines, match).length < count) {
    await Promise.race(machines.map((m) => once(m.child, 'message')));
  }
}

/** How many threads the machines' pools terminated so far. */
export async function terminatedOf(machines: readonly Machine[]): Promise<number> {
  const stats = await Promise.all(machines.map((m) => m.stats()));
  return stats.reduce((n, s) => n + s.terminated, 0);
}

/** Starts `count` machines of 2 threads on `queue`, with quick stalled-job recovery (2 s locks, checked every 500 ms). */
export async function startMachines(
  port: number,
  queue: string,
  count = 2,
  into: Machine[] = [],
): Promise<Machine[]> {
  const config = { port, queue, threads: 2, lockDuration: 2000, stalledInterval: 500 };
  // Each machine joins `into` as soon as it is up, so a caller's cleanup stops
  // it even if another one fails to start.
  await Promise.all(
    Array.from({ length: count }, async () => {
      into.push(await Machine.start(config));
    }),
  );
  return into;
}
